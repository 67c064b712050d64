"""The ingest job: blob -> text -> chunks -> vectors, stored in one transaction; the file is then ready.

Each stage is a pure function in its own module (extract, chunk, embed); this module is the I/O
around them. Running the same job twice replaces the file's rows, never duplicates them. Entities
and relations come from a follow-up ``graph`` job (drive.enrich), so a file is searchable as soon
as its vectors are stored, and a batch of uploads is not held up by the graph stages.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, text

from drive import jobs
from drive.errors import NotFound
from drive.graph_store import detach_items
from drive.models import Chunk, ItemText
from drive.names import title_key, title_of
from drive.records import ChunkRecord, Extracted, Status

if TYPE_CHECKING:
    from drive.context import Drive
    from drive.worker import JobContext

log = logging.getLogger(__name__)


@dataclass
class Processed:
    """Everything the pipeline derived from one file, ready to store."""

    doc: Extracted
    chunks: list[ChunkRecord]
    vectors: Any
    title: str = ""


def run_ingest_job(ctx: JobContext) -> None:
    job, drive = ctx.job, ctx.drive
    assert job.item_id is not None
    try:
        name, key = start_processing(drive, job.owner_id, job.item_id)
    except NotFound:
        return  # deleted before we got to it
    with tempfile.TemporaryDirectory(dir=_spool(drive)) as tmp:
        path = Path(tmp) / name  # keep the extension: some readers (openpyxl) insist on it
        with path.open("wb") as f:
            for piece in drive.store.iter_bytes(key):
                f.write(piece)
        processed = process_file(ctx, path, name)
    ctx.check()
    save(drive, job.owner_id, job.item_id, processed)


def process_file(ctx: JobContext, path: Path, name: str) -> Processed:
    """The pure part of the pipeline (models aside): no database, no store."""
    from drive.chunk import chunk
    from drive.extract import extract

    settings = ctx.drive.settings
    doc = extract(path, name, ocr=settings.ocr)
    ctx.check()
    chunks = chunk(doc, settings.chunk_size, settings.chunk_overlap)
    texts = [c.text for c in chunks]
    title = title_of(name)
    # The title goes into the vector too: a passage rarely repeats what its file is about.
    vectors = ctx.models.embedder.embed([f"{title}\n{t}" for t in texts]) if texts else None
    return Processed(doc, chunks, vectors, title)


def start_processing(drive: Drive, owner: uuid.UUID, item_id: uuid.UUID) -> tuple[str, str]:
    """Mark the file processing; its name and blob key. NotFound when it is gone."""
    with drive.db.session() as s:
        row = s.execute(
            text("""UPDATE items i SET status = 'processing', error = NULL, processing_started_at = now()
                    FROM blobs b WHERE i.id = :id AND i.owner_id = :o AND i.kind = 'file' AND b.id = i.blob_id
                    RETURNING i.name, b.key"""),
            {"id": item_id, "o": owner},
        ).first()
    if row is None:
        raise NotFound(str(item_id))
    return row.name, row.key


def save(drive: Drive, owner: uuid.UUID, item_id: uuid.UUID, p: Processed) -> None:
    """Replace everything derived from this file, in one transaction; a deleted file discards it."""
    with drive.db.session() as s:
        item = s.execute(
            text("SELECT processed_at IS NOT NULL AS before FROM items WHERE id = :id FOR UPDATE"), {"id": item_id}
        ).first()
        if item is None:
            return
        if item.before:  # processed (or failed) before: clear what that run left
            detach_items(s, owner, [item_id])
            s.execute(text("DELETE FROM chunks WHERE item_id = :id"), {"id": item_id})
            s.execute(text("DELETE FROM item_texts WHERE item_id = :id"), {"id": item_id})
        pages = max((sec.page or 0 for sec in p.doc.sections), default=0) or None
        s.execute(insert(ItemText), [{"item_id": item_id, "owner_id": owner, "text": p.doc.text, "pages": pages,
                                      "ocr_pages": p.doc.ocr_pages}])
        _insert_chunks(s, owner, item_id, p)
        s.execute(text("UPDATE items SET status = :s, error = NULL, processed_at = now() WHERE id = :id"),
                  {"s": Status.READY.value, "id": item_id})
        jobs.enqueue(s, jobs.GRAPH, owner, item_id)


def _insert_chunks(s: Any, owner: uuid.UUID, item_id: uuid.UUID, p: Processed) -> None:
    if not p.chunks:
        return
    rows = [
        {"owner_id": owner, "item_id": item_id, "idx": c.index, "text": c.text, "title": p.title,
         "title_key": title_key(p.title) if c.index == 0 else None, "page": c.page,
         "char_start": c.char_start, "char_end": c.char_end, "embedding": p.vectors[i]}
        for i, c in enumerate(p.chunks)
    ]
    s.execute(insert(Chunk), rows)


def mark_pending(drive: Drive, owner: uuid.UUID, item_id: uuid.UUID) -> None:
    """Back to pending while a transient failure waits out its backoff."""
    with drive.db.session() as s:
        s.execute(text("UPDATE items SET status = 'pending' WHERE id = :id AND owner_id = :o AND status = 'processing'"),
                  {"id": item_id, "o": owner})


def mark_failed(drive: Drive, owner: uuid.UUID, item_id: uuid.UUID, reason: str) -> None:
    """A failed file keeps its blob (still downloadable) and says why."""
    with drive.db.session() as s:
        s.execute(
            text("UPDATE items SET status = 'failed', error = :e, processed_at = now() WHERE id = :id AND owner_id = :o"),
            {"e": reason[:2000], "id": item_id, "o": owner},
        )


def _spool(drive: Drive) -> Path:
    drive.settings.spool_dir.mkdir(parents=True, exist_ok=True)
    return drive.settings.spool_dir
