"""Small owner-scoped reads the pages need that the service does not offer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import text

from drive.db import Database


@dataclass(frozen=True)
class DriveCounts:
    """How many files the owner has, by processing status."""

    files: int
    ready: int
    failed: int
    busy: int  # pending or processing


def item_text(db: Database, owner: uuid.UUID, item_id: uuid.UUID) -> str | None:
    """The extracted text of a processed file, or None when there is none (yet)."""
    with db.session() as s:
        value = s.scalar(
            text("SELECT text FROM item_texts WHERE item_id = :i AND owner_id = :o"), {"i": item_id, "o": owner}
        )
    return None if value is None else str(value)


def counts(db: Database, owner: uuid.UUID) -> DriveCounts:
    with db.session() as s:
        row = s.execute(
            text(
                """SELECT count(*) AS files,
                          count(*) FILTER (WHERE status = 'ready') AS ready,
                          count(*) FILTER (WHERE status = 'failed') AS failed,
                          count(*) FILTER (WHERE status IN ('pending', 'processing')) AS busy
                   FROM items WHERE owner_id = :o AND kind = 'file'"""
            ),
            {"o": owner},
        ).one()
    return DriveCounts(int(row.files), int(row.ready), int(row.failed), int(row.busy))


def top_entities(db: Database, owner: uuid.UUID, limit: int = 3) -> list[str]:
    """The most mentioned entity names (for suggested questions)."""
    with db.session() as s:
        rows = s.execute(
            text(
                """SELECT e.name FROM entities e JOIN mentions m ON m.entity_id = e.id
                   WHERE e.owner_id = :o GROUP BY e.id ORDER BY count(m.id) DESC, e.name LIMIT :n"""
            ),
            {"o": owner, "n": limit},
        ).scalars()
        return [str(r) for r in rows]


def recent_files(db: Database, owner: uuid.UUID, limit: int = 3) -> list[str]:
    """Names of the newest ready files (for suggested questions)."""
    with db.session() as s:
        rows = s.execute(
            text(
                """SELECT name FROM items WHERE owner_id = :o AND kind = 'file' AND status = 'ready'
                   ORDER BY created_at DESC, name LIMIT :n"""
            ),
            {"o": owner, "n": limit},
        ).scalars()
        return [str(r) for r in rows]
