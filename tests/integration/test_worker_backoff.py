"""A worker that loses the database waits it out quietly and picks up work again when it is back."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from drive.core import Drive
from drive.jobs.worker import Worker
from drive.ml.models import Models
from drive.pipeline.handlers import handlers
from drive.service import DriveService
from drive.store.db import make_engine
from tests.conftest import free_port


def test_lost_database_backs_off_quietly_then_recovers(
    drive: Drive, models: Models, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = drive.db.engine
    dead = make_engine(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    monkeypatch.setattr(drive.db, "engine", dead)
    worker = Worker(drive, handlers(), name="backoff", models=models)
    tries = 0
    claim = worker.run_once

    def counting() -> bool:
        nonlocal tries
        tries += 1
        return claim()

    monkeypatch.setattr(worker, "run_once", counting)
    stop = threading.Event()
    caplog.set_level(logging.DEBUG, logger="drive.jobs.worker")
    loop = threading.Thread(target=worker.run_until, args=(stop, 0.2))
    loop.start()
    time.sleep(3.5)
    assert tries <= 6, f"{tries} tries in 3.5 s: no backoff"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "cannot reach the queue" in warnings[0].getMessage()
    assert warnings[0].exc_info is None, "one line, not a traceback"
    monkeypatch.setattr(drive.db, "engine", real)
    time.sleep(4.0)  # the next try (backoff ≤ 3.2 s here) reaches the database again
    stop.set()
    loop.join(timeout=10)
    assert any("reached the queue again" in r.getMessage() for r in caplog.records)
    dead.dispose()


def test_a_release_during_a_claim_hands_that_job_back(
    drive: Drive, models: Models, svc: DriveService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``add --wait --timeout`` releases its workers while one may be claiming: the job it claims must go back to
    the queue, not stay 'running' under a worker that is gone (CI saw exactly that once)."""
    from sqlalchemy import text

    from drive.jobs import worker as worker_module
    from drive.jobs.context import JobContext, JobKind
    from drive.store import queue as jobs

    with drive.db.session() as s:
        jobs.enqueue(s, "race_probe", svc.owner, dedupe_key=f"race-{svc.owner}")
    claiming, real_claim = threading.Event(), jobs.claim

    def slow_claim(*args, **kwargs):  # type: ignore[no-untyped-def]
        claiming.set()
        time.sleep(0.5)  # the release comes while the claim is in flight
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(worker_module.jobs, "claim", slow_claim)
    # The job runs until it is handed back (at most 5 s): a job that ended before the release would be done, rightly.
    def probe_run(ctx: JobContext) -> None:
        ctx.cancelled.wait(5)

    probe = JobKind(run=probe_run)
    worker = Worker(drive, {"race_probe": probe}, name="race", models=models)
    loop = threading.Thread(target=worker.run_once)
    loop.start()
    assert claiming.wait(10)
    worker.release()
    loop.join(timeout=10)
    with drive.db.session() as s:
        status, locked_by = s.execute(text("SELECT status, locked_by FROM jobs WHERE dedupe_key = :k"),
                                      {"k": f"race-{svc.owner}"}).one()
    assert (status, locked_by) == ("queued", None)
    assert not worker.run_once(), "a released worker claims nothing more"
