"""The start-up sweep: finish or undo whatever a crash left between the blob store and the database.

After it has run there is no blob without a row and no row pointing at a missing blob.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from drive.store import blob_rows
from drive.store.blobs import BlobStore
from drive.store.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepReport:
    rows_removed: int
    objects_removed: int


def sweep(db: Database, store: BlobStore, *, grace_seconds: float = 600.0) -> SweepReport:
    """Remove unreferenced blob rows (and their objects), then objects that have no row.

    ``grace_seconds`` spares uploads still in flight in other processes: a ``pending`` row younger
    than that is left alone.
    """
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
    if stale or orphans:
        log.info("sweep removed %d blob rows and %d orphan objects", len(stale), len(orphans))
    return SweepReport(rows_removed=len(stale), objects_removed=len(stale) + len(orphans))
