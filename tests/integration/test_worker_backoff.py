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
