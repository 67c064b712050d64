"""What ``drive check`` verifies, across every owner: each stored blob is present and matches its sha256,
no object lacks its row, and no file waits for a job that no longer exists."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from drive.errors import StorageError
from drive.records import BlobState, Status
from drive.store import queue as jobs
from drive.store.blobs import BlobStore
from drive.store.db import Database
from drive.store.locks import blob_deletes_allowed


@dataclass
class CheckReport:
    blobs: int = 0
    missing: list[str] = field(default_factory=list)  # rows whose object is gone
    damaged: list[str] = field(default_factory=list)  # objects whose content no longer matches
    orphans: list[str] = field(default_factory=list)  # objects without a row
    stuck: list[uuid.UUID] = field(default_factory=list)  # files pending/processing with no job
    requeued: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.damaged or self.orphans or self.stuck)


def check(db: Database, store: BlobStore, *, repair: bool = False) -> CheckReport:
    """Read every stored blob through the store (decrypting it) and compare; ``repair`` re-queues stuck files
    and removes orphan objects (what cannot be redone, a missing or damaged blob, is only reported)."""
    report = CheckReport()
    with db.session() as s:
        rows = s.execute(text("SELECT key, sha256 FROM blobs WHERE state = :s"), {"s": BlobState.STORED.value}).all()
        known = set(s.execute(text("SELECT key FROM blobs")).scalars())
        report.stuck = _stuck(s)
    for key, sha in rows:
        report.blobs += 1
        if not store.exists(key):
            report.missing.append(key)
        elif _digest(store, key) != sha:
            report.damaged.append(key)
    report.orphans = [k for k in store.list_keys() if k not in known]
    if repair:
        report.requeued = _requeue(db, report.stuck)
        with blob_deletes_allowed(db.engine) as allowed:
            for key in report.orphans if allowed else []:  # a running backup may still copy them
                store.delete(key)
    return report


def _digest(store: BlobStore, key: str) -> str | None:
    digest = hashlib.sha256()
    try:
        for piece in store.iter_bytes(key):
            digest.update(piece)
    except StorageError:
        return None
    return digest.hexdigest()


def _stuck(s: Session) -> list[uuid.UUID]:
    return list(s.execute(text(
        """SELECT i.id FROM items i WHERE i.kind = 'file' AND i.status IN (:p, :r)
           AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.item_id = i.id AND j.kind = :k
                           AND j.status IN ('queued', 'running'))"""),
        {"p": Status.PENDING.value, "r": Status.PROCESSING.value, "k": jobs.INGEST}).scalars())


def _requeue(db: Database, ids: list[uuid.UUID]) -> int:
    with db.session() as s:
        for item_id in ids:
            owner = s.execute(text("SELECT owner_id FROM items WHERE id = :i"), {"i": item_id}).scalar()
            if owner is not None:
                s.execute(text("UPDATE items SET status = :p WHERE id = :i"), {"p": Status.PENDING.value, "i": item_id})
                jobs.enqueue(s, jobs.INGEST, owner, item_id)
    return len(ids)
