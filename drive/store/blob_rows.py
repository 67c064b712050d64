"""The ``blobs`` table: one row per stored content of an owner, and its life (``BlobState``):
pending (being written) -> stored -> deleting (no item uses it any more). The bytes themselves are in
the blob store (``drive.store.blobs``); this module owns every statement about their rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from drive.records import BlobState
from drive.store.tables import Blob, Item

_UNUSED = "NOT EXISTS (SELECT 1 FROM items i WHERE i.blob_id = b.id)"


def claim(s: Session, owner: uuid.UUID, sha: str, size: int, mime: str) -> tuple[uuid.UUID, str, bool]:
    """The row for this content: (id, key, already stored?). A new row starts pending; one being deleted
    right now comes back to life as pending."""
    key = f"{owner}/{sha[:2]}/{sha}"
    s.execute(
        text("""INSERT INTO blobs (id, owner_id, sha256, size, mime, key, state, created_at)
                VALUES (:id, :owner, :sha, :size, :mime, :key, :state, now())
                ON CONFLICT (owner_id, sha256) DO NOTHING"""),
        {"id": uuid.uuid4(), "owner": owner, "sha": sha, "size": size, "mime": mime, "key": key,
         "state": BlobState.PENDING.value},
    )
    blob = s.scalars(select(Blob).where(Blob.owner_id == owner, Blob.sha256 == sha)).one()
    if blob.state == BlobState.DELETING:
        blob.state = BlobState.PENDING.value
    return blob.id, blob.key, blob.state == BlobState.STORED


def mark_stored(s: Session, blob_id: uuid.UUID) -> None:
    s.execute(update(Blob).where(Blob.id == blob_id).values(state=BlobState.STORED.value))


def drop_if_abandoned(s: Session, blob_id: uuid.UUID) -> bool:
    """Delete a pending row no item uses (a failed upload); True when it was deleted."""
    result = s.execute(text(f"DELETE FROM blobs b WHERE id = :id AND state = :pending AND {_UNUSED}"),
                       {"id": blob_id, "pending": BlobState.PENDING.value})
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_unreferenced(s: Session, blob_ids: Iterable[uuid.UUID | None]) -> list[tuple[uuid.UUID, str]]:
    """Those of these rows no item uses any more become ``deleting``: (id, key) of each."""
    ids = [b for b in blob_ids if b is not None]
    if not ids:
        return []
    rows = s.execute(
        text(f"UPDATE blobs b SET state = :deleting WHERE b.id = ANY(:ids) AND {_UNUSED} RETURNING id, key"),
        {"ids": ids, "deleting": BlobState.DELETING.value},
    ).tuples()
    return list(rows)


def drop_deleted(s: Session, blob_id: uuid.UUID) -> None:
    """Remove a ``deleting`` row once its object is gone."""
    s.execute(text("DELETE FROM blobs WHERE id = :id AND state = :deleting"),
              {"id": blob_id, "deleting": BlobState.DELETING.value})


def key_of_item(s: Session, item_id: uuid.UUID) -> str | None:
    return s.scalar(select(Blob.key).join(Item, Item.blob_id == Blob.id).where(Item.id == item_id))


def stale(s: Session, grace_seconds: float) -> list[tuple[uuid.UUID, str]]:
    """Rows no item uses that are being deleted, or pending for longer than ``grace_seconds`` (a crashed
    upload): (id, key) of each."""
    rows = s.execute(
        text(f"""SELECT id, key FROM blobs b WHERE {_UNUSED}
                 AND (state = :deleting OR created_at < now() - make_interval(secs => :grace))"""),
        {"grace": grace_seconds, "deleting": BlobState.DELETING.value},
    ).tuples()
    return list(rows)


def drop_unused(s: Session, blob_id: uuid.UUID) -> None:
    s.execute(text(f"DELETE FROM blobs b WHERE id = :id AND {_UNUSED}"), {"id": blob_id})


def all_keys(s: Session) -> set[str]:
    return set(s.execute(text("SELECT key FROM blobs")).scalars())
