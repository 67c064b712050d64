"""Ingestion in two jobs: a file is searchable as soon as its vectors are stored, and joins the entity
graph in a lower-priority job that never costs the file its searchable status."""

from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import text

from drive.core import Drive
from drive.jobs.drain import drain
from drive.jobs.worker import Worker
from drive.ml.models import Models
from drive.pipeline.graph.job import save_graph
from drive.pipeline.handlers import handlers
from drive.records import Status
from drive.service import DriveService
from drive.store import queue as jobs
from drive.store.graph_view import snapshot
from rag.search.retrieve import vector_search
from rag.types import Scope
from tests.conftest import ingest_only

TEXT = "Ada Lovelace wrote the first program for Charles Babbage in London."


def upload(svc: DriveService, name: str, body: str = TEXT) -> uuid.UUID:
    return svc.upload(io.BytesIO(body.encode()), name).id


def names(drive: Drive, svc: DriveService) -> set[str]:
    return {e["name"] for e in snapshot(drive.db, svc.owner).to_json()["entities"]}


def found(drive: Drive, svc: DriveService, models: Models, question: str) -> list[uuid.UUID]:
    """The files of the passages vector search returns for ``question``."""
    with drive.db.session() as s:
        return [p.item_id for p in vector_search(Scope(s, svc.owner), models.embedder.embed([question])[0], k=3)]


def test_a_file_is_searchable_before_its_graph_job_runs(drive: Drive, svc: DriveService, worker: Worker) -> None:
    item = upload(svc, "ada.txt")
    ingest_only(drive, worker.models)
    assert svc.get(item).status == Status.READY
    assert found(drive, svc, worker.models, "Who wrote the first program?") == [item]
    assert names(drive, svc) == set(), "no graph yet: the graph job has not run"
    assert jobs.pending_count(drive.db.engine, svc.owner, kind=jobs.GRAPH) == 1
    drain(worker)
    assert {"Ada Lovelace", "Charles Babbage", "London"} <= names(drive, svc)


def test_ingestion_is_claimed_before_graph_work_and_communities_last(
    drive: Drive, svc: DriveService, worker: Worker
) -> None:
    first = upload(svc, "first.txt")
    ingest_only(drive, worker.models)  # leaves first.txt's graph job queued
    second = upload(svc, "second.txt", "Grace Hopper worked on the UNIVAC in Philadelphia.")
    order = []
    while job := jobs.claim(drive.db.engine, "test", 60.0):
        order.append((job.kind, job.item_id))
        worker.handlers[job.kind].run(_context(job, drive, worker.models))
        jobs.finish(drive.db.engine, job.id)
    # The newer upload's ingest goes ahead of the older file's graph job, and the communities job
    # (due at once in tests, queued by the first graph job) waits until both files are in the graph; the
    # check of the owner's vector index comes last of all.
    assert order == [(jobs.INGEST, second), (jobs.GRAPH, first), (jobs.GRAPH, second), (jobs.COMMUNITIES, None),
                     (jobs.OWNER_INDEX, None)]


def test_a_failing_graph_job_leaves_the_file_searchable(
    drive: Drive, svc: DriveService, models: Models, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drive.pipeline.graph import recognize

    def broken(texts: list[str], nlp: object = None) -> list[object]:
        raise ValueError("the entity model crashed")

    monkeypatch.setattr(recognize, "recognize", broken)
    item = upload(svc, "ada.txt")
    worker = Worker(drive, handlers(), models=models)
    ingest_only(drive, worker.models)
    with drive.db.session() as s:  # its last attempt: no backoff wait, give up when it fails
        s.execute(text("UPDATE jobs SET attempts = :n WHERE item_id = :i AND kind = 'graph'"),
                  {"n": drive.settings.job_max_attempts - 1, "i": item})
    drain(worker)
    info = svc.get(item)
    assert info.status == Status.READY and info.error is None
    with drive.db.session() as s:
        job = s.execute(text("SELECT status, last_error FROM jobs WHERE item_id = :i AND kind = 'graph'"),
                        {"i": item}).one()
    assert job.status == "failed" and "the entity model crashed" in job.last_error
    assert found(drive, svc, models, "Who wrote the first program?") == [item]


def test_a_graph_result_for_replaced_chunks_is_discarded(drive: Drive, svc: DriveService, worker: Worker) -> None:
    item = upload(svc, "ada.txt")
    ingest_only(drive, worker.models)
    with drive.db.session() as s:
        stale = {idx: cid for cid, idx in s.execute(text("SELECT id, idx FROM chunks WHERE item_id = :i"),
                                                     {"i": item}).tuples()}
    svc.reprocess(item)
    ingest_only(drive, worker.models)  # new chunks, new ids
    assert not save_graph(drive, svc.owner, item, stale, [], [])
    drain(worker)
    assert "Ada Lovelace" in names(drive, svc)
    with drive.db.session() as s:
        mentions = s.execute(text("SELECT count(*) FROM mentions WHERE item_id = :i"), {"i": item}).scalar_one()
    assert mentions >= 3


def _context(job: jobs.JobRecord, drive: Drive, models: Models):  # type: ignore[no-untyped-def]
    from drive.jobs.context import JobContext

    return JobContext(job, drive, models)
