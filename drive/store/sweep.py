"""The start-up sweep: finish or undo whatever a crash left between the blob store and the database.

After it has run there is no blob without a row and no row pointing at a missing blob, and no copy of a
user's file is left on local disk but its blob: the spool files of killed uploads (``spool/up-*``) and
ingests (``spool/tmp*/``) and the half-written objects of the local store (``.put-*``) are removed once
they are older than a grace period (an hour by default: an upload or a job of another process may still
be using them). While a ``drive backup`` runs, blobs are left alone (it may still need them).
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from drive.store import blob_rows
from drive.store.blobs import BlobStore
from drive.store.db import Database
from drive.store.locks import blob_deletes_allowed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepReport:
    rows_removed: int
    objects_removed: int
    temp_removed: int = 0


# Leftovers of the spool (uploads, ingest jobs) and of the local store's atomic writes.
SPOOL_PATTERNS = ("up-*", "tmp*")
PUT_PATTERN = ".put-*"


def sweep(db: Database, store: BlobStore, *, grace_seconds: float = 600.0, spool_dir: Path | None = None,
          blob_dir: Path | None = None, temp_grace_seconds: float = 3600.0) -> SweepReport:
    """Remove unreferenced blob rows (and their objects), then objects that have no row, then stale temp files.

    ``grace_seconds`` spares uploads still in flight in other processes: a ``pending`` row younger
    than that is left alone; ``temp_grace_seconds`` does the same for spool and ``.put-*`` files.
    """
    temp = reclaim_temp_files(_stale_temp(spool_dir, blob_dir, temp_grace_seconds))
    stale: list[tuple[uuid.UUID, str]] = []
    orphans: list[str] = []
    with blob_deletes_allowed(db.engine) as allowed:
        if not allowed:  # a backup still has objects to copy: leave them to the next sweep
            log.info("a backup is running: the sweep leaves blobs alone this time")
        else:
            stale, orphans = _sweep_blobs(db, store, grace_seconds)
    if stale or orphans or temp:
        log.info("sweep removed %d blob rows, %d orphan objects and %d temp files", len(stale), len(orphans), temp)
    return SweepReport(rows_removed=len(stale), objects_removed=len(stale) + len(orphans), temp_removed=temp)


def _sweep_blobs(db: Database, store: BlobStore, grace_seconds: float) -> tuple[list[tuple[uuid.UUID, str]], list[str]]:
    with db.session() as s:
        stale = blob_rows.stale(s, grace_seconds)
    for blob_id, key in stale:
        store.delete(key)
        with db.session() as s:
            blob_rows.drop_unused(s, blob_id)
    with db.session() as s:
        known = blob_rows.all_keys(s)
    orphans = [key for key in store.list_keys() if key not in known]
    for key in orphans:
        store.delete(key)
    return stale, orphans


def _stale_temp(spool_dir: Path | None, blob_dir: Path | None, grace: float) -> Iterator[Path]:
    cutoff = time.time() - grace
    candidates: list[Path] = []
    if spool_dir is not None and spool_dir.is_dir():
        candidates += [p for pattern in SPOOL_PATTERNS for p in spool_dir.glob(pattern)]
    if blob_dir is not None and blob_dir.is_dir():
        candidates += list(blob_dir.rglob(PUT_PATTERN))
    for path in candidates:
        try:
            if path.lstat().st_mtime < cutoff:
                yield path
        except FileNotFoundError:
            continue  # its owner finished meanwhile


def reclaim_temp_files(paths: Iterable[Path]) -> int:
    """Delete each file or folder (never following links); how many were removed."""
    removed = 0
    for path in paths:
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
        except OSError:
            log.warning("could not remove leftover %s", path, exc_info=True)
    return removed
