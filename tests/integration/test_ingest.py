"""Ingestion through the real queue and worker: every format, bad files, reprocessing, deletion, retries."""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from drive.core import Drive
from drive.errors import TransientError
from drive.jobs.drain import drain
from drive.jobs.worker import Worker
from drive.pipeline.handlers import handlers
from drive.records import Status
from drive.service import DriveService
from tests.filegen import make_every_format, make_pdf, make_text


def chunks_of(drive: Drive, item_id: uuid.UUID) -> list[tuple[int, str, int | None, int]]:
    with drive.db.session() as s:
        rows = s.execute(
            text("SELECT idx, text, page, vector_dims(embedding) FROM chunks WHERE item_id = :i ORDER BY idx"),
            {"i": item_id},
        ).tuples().all()
    return list(rows)


def upload_file(svc: DriveService, path: Path, folder: uuid.UUID | None = None):
    with path.open("rb") as f:
        return svc.upload(f, path.name, folder)


def test_every_format_becomes_cited_chunks(drive: Drive, svc: DriveService, worker: Worker, tmp_path: Path) -> None:
    samples = make_every_format(tmp_path / "files")
    items = {s.path.name: (s, upload_file(svc, s.path)) for s in samples}
    drain(worker, timeout=300)
    for name, (sample, info) in items.items():
        got = svc.get(info.id)
        assert got.status == Status.READY, f"{name}: {got.error}"
        chunks = chunks_of(drive, info.id)
        assert chunks, f"{name} produced no chunks"
        assert {dim for *_, dim in chunks} == {384}
        for page, phrase in sample.expected:
            hits = [c for c in chunks if phrase.lower() in c[1].lower()]
            assert hits, f"{name}: {phrase!r} not in any chunk"
            assert hits[0][2] == page, f"{name}: {phrase!r} on page {hits[0][2]}, expected {page}"
    pdf_pages = [c[2] for c in chunks_of(drive, items["report.pdf"][1].id)]
    assert pdf_pages == [1, 2], "one chunk per page for the two-page PDF"


def _zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    return path


def test_bad_files_fail_with_a_reason_stay_downloadable_and_the_worker_goes_on(
    drive: Drive, svc: DriveService, worker: Worker, tmp_path: Path
) -> None:
    png_as_pdf = tmp_path / "photo.pdf"
    from tests.filegen import make_png_text

    make_png_text(tmp_path / "x.png", "HELLO").rename(png_as_pdf)
    random_docx = tmp_path / "memo.docx"
    random_docx.write_bytes(os.urandom(4096))
    truncated = tmp_path / "cut.pdf"
    make_pdf(tmp_path / "whole.pdf", ["page one text", "page two text"])
    truncated.write_bytes((tmp_path / "whole.pdf").read_bytes()[:600])
    bomb = _zip_bomb(tmp_path / "bomb.xlsx")
    sources = {p.name: p for p in (png_as_pdf, random_docx, truncated, bomb)}
    bad = [upload_file(svc, p) for p in sources.values()]
    good = upload_file(svc, make_text(tmp_path / "ok.txt", "The harbour opens at dawn."))
    drain(worker)
    reasons = {svc.get(i.id).name: svc.get(i.id).error for i in bad}
    for info in bad:
        got = svc.get(info.id)
        assert got.status == Status.FAILED, got.name
        assert got.error and len(got.error) > 10
        assert chunks_of(drive, info.id) == []
        assert b"".join(svc.open(info.id)[1]) == sources[info.name].read_bytes(), "still downloadable"
    assert "PNG" in str(reasons["photo.pdf"])
    assert "zip bomb" in str(reasons["bomb.xlsx"])
    assert svc.get(good.id).status == Status.READY
    assert "harbour" in chunks_of(drive, good.id)[0][1]


def test_reprocessing_replaces_rows_and_never_duplicates(
    drive: Drive, svc: DriveService, worker: Worker, tmp_path: Path
) -> None:
    info = upload_file(svc, make_text(tmp_path / "a.txt", "Marie Curie worked in Paris with Pierre Curie.\n" * 30))
    drain(worker)
    first = chunks_of(drive, info.id)
    with drive.db.session() as s:
        mentions = s.execute(text("SELECT count(*) FROM mentions WHERE item_id = :i"), {"i": info.id}).scalar_one()
    svc.reprocess(info.id)
    svc.reprocess(info.id)  # debounced into one queued job
    drain(worker)
    assert chunks_of(drive, info.id) == first
    with drive.db.session() as s:
        again = s.execute(text("SELECT count(*) FROM mentions WHERE item_id = :i"), {"i": info.id}).scalar_one()
    assert again == mentions > 0
    assert svc.get(info.id).status == Status.READY


def test_deleting_a_file_removes_its_chunks_and_discards_its_job(
    drive: Drive, svc: DriveService, worker: Worker, tmp_path: Path
) -> None:
    done = upload_file(svc, make_text(tmp_path / "done.txt", "Processed text about owls."))
    drain(worker)
    assert chunks_of(drive, done.id)
    queued = upload_file(svc, make_text(tmp_path / "queued.txt", "Never processed."))
    svc.delete(done.id)
    svc.delete(queued.id)
    drain(worker)
    with drive.db.session() as s:
        left = s.execute(text("SELECT count(*) FROM chunks WHERE owner_id = :o"), {"o": svc.owner}).scalar_one()
        jobs_left = s.execute(text("SELECT count(*) FROM jobs WHERE item_id = :i"), {"i": queued.id}).scalar_one()
    assert (left, jobs_left) == (0, 0)


class FlakyEmbedder:
    """The real embedder, failing transiently on its first call."""

    def __init__(self, real: object) -> None:
        self.real, self.calls = real, 0
        self.name, self.dim = "flaky", 384

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.calls == 1:
            raise TransientError("embedding endpoint busy")
        return self.real.embed(texts)  # type: ignore[attr-defined]


def test_transient_errors_retry_with_backoff(drive: Drive, svc: DriveService, models, tmp_path: Path) -> None:
    from drive.ml.models import Models

    flaky_models = Models(drive.settings)
    flaky_models.__dict__["embedder"] = FlakyEmbedder(models.embedder)
    flaky_models.__dict__["chat"] = None
    info = upload_file(svc, make_text(tmp_path / "r.txt", "Retry me please."))
    worker = Worker(drive, handlers(), models=flaky_models)
    assert worker.run_once()
    got = svc.get(info.id)
    assert got.status == Status.PENDING, "a transient failure is not a failed file: it waits for its retry"
    with drive.db.session() as s:
        job = s.execute(text("SELECT status, attempts, last_error, run_after > now() FROM jobs WHERE item_id = :i"),
                        {"i": info.id}).one()
    assert job[0] == "queued" and job[1] == 1 and "busy" in job[2] and job[3], "re-queued with a backoff delay"
    drain(worker, timeout=30)
    assert svc.get(info.id).status == Status.READY


def test_zero_byte_files_are_refused_at_upload(svc: DriveService) -> None:
    from drive.errors import EmptyFile

    with pytest.raises(EmptyFile):
        svc.upload(io.BytesIO(b""), "empty.pdf")


def test_a_report_shows_its_metadata_and_its_table_rows_are_stored_with_their_header(
    drive: Drive, svc: DriveService, worker: Worker, tmp_path: Path
) -> None:
    from tests.filegen import make_pdf_layout

    table = [["Segment", "Q2 2023", "Q2 2022"], ["Products", "63,355", "63,948"], ["Total net sales", "82,959", "81,434"]]
    body = "For the quarterly period ended April 1, 2023 the company sold more. " * 8
    path = make_pdf_layout(tmp_path / "2023 Q2 ACME.pdf", "ACME Quarterly Report", (body, body), table)
    info = upload_file(svc, path)
    drain(worker, timeout=120)
    got = svc.get(info.id)
    assert got.status == Status.READY, got.error
    assert got.title == "ACME Quarterly Report"
    assert got.period == "quarterly period ended April 1, 2023"
    assert got.doc_date == "2023-04-01"
    assert got.unreadable_pages == ()
    rows = [c for c in chunks_of(drive, info.id) if "| Total net sales | 82,959 | 81,434 |" in c[1]]
    assert rows and "| Segment | Q2 2023 | Q2 2022 |" in rows[0][1] and rows[0][2] == 1


def test_a_repeated_passage_gets_one_vector_and_stays_findable(
    drive: Drive, svc: DriveService, worker: Worker, models, tmp_path: Path
) -> None:
    # Thousands of identical vectors knot the shared HNSW index for every user: a file that repeats a passage
    # (a log, a form's blank rows, a hostile file) stores a vector for its first copy only.
    from rag.search.retrieve import keyword_search, vector_search
    from rag.types import Scope

    line = "The quarterly backup of the archive server completed without errors at the Leeds data centre. "
    body = "Opening notes about the maintenance window.\n\n" + "\n\n".join([line * 9] * 40)
    info = upload_file(svc, make_text(tmp_path / "backup-log.txt", body))
    drain(worker)
    assert svc.get(info.id).status == Status.READY
    chunks = chunks_of(drive, info.id)
    distinct = {body for _, body, _, _ in chunks}
    assert len(chunks) > 2 * len(distinct)  # the premise: the file repeats most of its passages
    assert sum(dim is not None for *_, dim in chunks) == len(distinct)
    qvec = models.embedder.embed(["did the archive server backup in Leeds complete?"])[0]
    with drive.db.session() as s:
        found = vector_search(Scope(s, svc.owner), qvec, 5)
        words = keyword_search(Scope(s, svc.owner), "archive server backup Leeds", 50)
    assert found and found[0].item_id == info.id and all(p.score is not None for p in found)
    assert len({p.chunk_id for p in words}) == len(chunks)  # every copy still found by its words
