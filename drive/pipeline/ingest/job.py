"""The ingest job: blob -> text -> chunks -> vectors, stored in one transaction; the file is then ready.

Each stage is a pure function in its own module (extract, chunk, embed); this module is the I/O
around them. Running the same job twice replaces the file's rows, never duplicates them. Entities
and relations come from a follow-up ``graph`` job (drive.pipeline.graph.job), so a file is searchable as soon
as its vectors are stored, and a batch of uploads is not held up by the graph stages.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drive.errors import NotFound
from drive.ml.embedder import embed_unique
from drive.names import title_key, title_of
from drive.pipeline.ingest.sandbox import Limits, extract_in_child, truncate
from drive.records import ChunkRecord, Extracted
from drive.store import chunks, items
from drive.store import queue as jobs
from drive.store.graph import detach_items

if TYPE_CHECKING:
    from drive.core import Drive
    from drive.jobs.context import JobContext
    from drive.store.queue import JobRecord

log = logging.getLogger(__name__)


@dataclass
class Processed:
    """Everything the pipeline derived from one file, ready to store."""

    doc: Extracted
    chunks: list[ChunkRecord]
    vectors: Any
    title: str = ""
    note: str | None = None  # said beside a ready file: what of it was left out


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
    """The pure part of the pipeline (models aside): no database, no store.

    The file is read in a child process with the per-file limits (``sandbox``); its text and passages
    are then capped so one huge file cannot hold a worker for an hour."""
    from drive.pipeline.ingest.chunk import chunk

    settings = ctx.drive.settings
    limits = Limits(settings.extract_memory_mb, settings.extract_seconds, settings.max_text_chars)
    read = extract_in_child(path, name, ocr=settings.ocr, limits=limits, cancelled=ctx.cancelled.is_set)
    ctx.check()
    doc, note = read.doc, _chars_note(settings.max_text_chars) if read.truncated else None
    chunks = chunk(doc, settings.chunk_size, settings.chunk_overlap)
    if len(chunks) > settings.max_chunks:
        chunks = chunks[: settings.max_chunks]
        doc = truncate(doc, chunks[-1].char_end).doc
        note = _chunks_note(chunks, settings.max_chunks)
    texts = [c.text for c in chunks]
    title = title_of(name)
    # The title goes into the vector too: a passage rarely repeats what its file is about.
    vectors = embed_unique(ctx.models.embedder, [f"{title}\n{t}" for t in texts]) if texts else None
    return Processed(doc, chunks, vectors, title, note)


def _chars_note(max_chars: int) -> str:
    return f"only the first {max_chars:,} characters were indexed (the per-file text limit)"


def _chunks_note(kept: list[ChunkRecord], max_chunks: int) -> str:
    page = kept[-1].page
    what = f"{page} pages" if page else f"{kept[-1].char_end:,} characters"
    return f"only the first {what} were indexed (the per-file limit is {max_chunks:,} passages)"


def start_processing(drive: Drive, owner: uuid.UUID, item_id: uuid.UUID) -> tuple[str, str]:
    """Mark the file processing; its name and blob key. NotFound when it is gone."""
    with drive.db.session() as s:
        return items.start_processing(s, owner, item_id)


def save(drive: Drive, owner: uuid.UUID, item_id: uuid.UUID, p: Processed) -> None:
    """Replace everything derived from this file, in one transaction; a deleted file discards it."""
    with drive.db.session() as s:
        before = items.lock_for_save(s, item_id)
        if before is None:
            return
        if before:  # processed (or failed) before: clear what that run left
            detach_items(s, owner, [item_id])
            chunks.delete_for(s, item_id)
        pages = max((sec.page or 0 for sec in p.doc.sections), default=0) or None
        chunks.insert_text(s, owner, item_id, p.doc.text, pages, p.doc.ocr_pages)
        chunks.insert_chunks(s, owner, item_id, p.chunks, p.vectors, p.title, title_key(p.title))
        items.set_document_meta(s, item_id, p.doc.meta, p.doc.unreadable_pages)
        items.mark_ready(s, item_id, p.note)
        jobs.enqueue(s, jobs.GRAPH, owner, item_id)


def retry_ingest(drive: Drive, job: JobRecord) -> None:
    """While a transient failure waits out its backoff, the file shows pending, not processing."""
    if job.item_id is not None:
        mark_pending(drive, job.owner_id, job.item_id)


def give_up_ingest(drive: Drive, job: JobRecord, reason: str) -> None:
    if job.item_id is not None:
        mark_failed(drive, job.owner_id, job.item_id, reason)


def mark_pending(drive: Drive, owner: uuid.UUID, item_id: uuid.UUID) -> None:
    with drive.db.session() as s:
        items.mark_pending(s, owner, item_id)


def mark_failed(drive: Drive, owner: uuid.UUID, item_id: uuid.UUID, reason: str) -> None:
    with drive.db.session() as s:
        items.mark_failed(s, owner, item_id, reason)


def _spool(drive: Drive) -> Path:
    drive.settings.spool_dir.mkdir(parents=True, exist_ok=True)
    return drive.settings.spool_dir
