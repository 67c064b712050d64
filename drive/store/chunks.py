"""The ``chunks`` and ``item_texts`` tables: what a file's text became, written by the ingest job and read
back by the graph job and the pages. Retrieval's read-only ranking queries live with retrieval (``rag.search``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from drive.records import ChunkRecord
from drive.store.tables import Chunk, ItemText


def vector_literal(v: Any) -> str:
    """A vector as pgvector's text form, for a ``CAST(:v AS vector)`` parameter."""
    return "[" + ",".join(f"{float(x):.6f}" for x in v) + "]"


def delete_for(s: Session, item_id: uuid.UUID) -> None:
    """Remove a file's chunks and text (mentions and relations go with the chunks, by cascade)."""
    s.execute(text("DELETE FROM chunks WHERE item_id = :id"), {"id": item_id})
    s.execute(text("DELETE FROM item_texts WHERE item_id = :id"), {"id": item_id})


def insert_text(s: Session, owner: uuid.UUID, item_id: uuid.UUID, body: str, pages: int | None,
                ocr_pages: int) -> None:
    s.execute(insert(ItemText), [{"item_id": item_id, "owner_id": owner, "text": body, "pages": pages,
                                  "ocr_pages": ocr_pages}])


def insert_chunks(s: Session, owner: uuid.UUID, item_id: uuid.UUID, chunks: Sequence[ChunkRecord], vectors: Any,
                  title: str, title_key: str) -> None:
    """A file's chunks with their vectors (a repeated passage's only on its first copy); the opening chunk carries
    the title key (for title lookups)."""
    if not chunks:
        return
    indexed = first_copies([c.text for c in chunks])
    rows = [
        {"owner_id": owner, "item_id": item_id, "idx": c.index, "text": c.text, "title": title,
         "title_key": title_key if c.index == 0 else None, "page": c.page,
         "char_start": c.char_start, "char_end": c.char_end, "embedding": vectors[i] if indexed[i] else None}
        for i, c in enumerate(chunks)
    ]
    s.execute(insert(Chunk), rows)


def first_copies(texts: Sequence[str]) -> list[bool]:
    """Which passages get a vector: each distinct text once, at its first place in the file, so one file cannot
    fill the index every user shares with copies (migration 0015); the later copies are found by keyword, and
    by vector through their first copy."""
    seen: set[str] = set()
    out = []
    for t in texts:
        out.append(t not in seen)
        seen.add(t)
    return out


def of_item(s: Session, owner: uuid.UUID, item_id: uuid.UUID) -> list[tuple[int, int, str]]:
    """(chunk id, index, text) of one file, in order."""
    rows = s.execute(
        text("SELECT id, idx, text FROM chunks WHERE item_id = :i AND owner_id = :o ORDER BY idx"),
        {"i": item_id, "o": owner},
    ).tuples()
    return [(cid, idx, body) for cid, idx, body in rows]


def ids_of_item(s: Session, item_id: uuid.UUID) -> set[int]:
    return set(s.scalars(text("SELECT id FROM chunks WHERE item_id = :i"), {"i": item_id}))


def item_text(s: Session, owner: uuid.UUID, item_id: uuid.UUID) -> str | None:
    """The extracted text of a processed file, or None when there is none (yet)."""
    value = s.scalar(text("SELECT text FROM item_texts WHERE item_id = :i AND owner_id = :o"),
                     {"i": item_id, "o": owner})
    return None if value is None else str(value)


def retitle(s: Session, item_id: uuid.UUID, title: str, title_key: str) -> None:
    """A renamed file's chunks carry its new title (searched and embedded with each passage)."""
    s.execute(
        text("""UPDATE chunks SET title = :t, title_key = CASE WHEN idx = 0 THEN :k END WHERE item_id = :id"""),
        {"t": title, "k": title_key, "id": item_id},
    )
