"""Graph jobs with spaCy in worker processes: the same graph as in-process, built off the worker's process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drive.core import Drive, open_drive
from drive.jobs.drain import drain
from drive.jobs.worker import Worker
from drive.ml.models import Models
from drive.pipeline.graph import pool
from drive.pipeline.graph.recognize import recognize
from drive.pipeline.handlers import handlers
from drive.service import DriveService
from tests.conftest import make_settings
from tests.integration.test_graph import CORPUS, add, graph


@pytest.fixture
def pooled(tmp_path: Path, database_url: str) -> Iterator[Drive]:
    d = open_drive(make_settings(tmp_path / "home", database_url, THEDRIVE_NLP_PROCESSES=2), run_sweep=False)
    yield d
    d.close()
    pool.shutdown()


def test_pool_builds_the_same_graph_in_other_processes(pooled: Drive, models: Models) -> None:
    svc: DriveService = pooled.service(pooled.user_id("pooled"))
    add(svc, ["acme.txt", "curie.txt", "tech.txt"])
    drain(Worker(pooled, handlers(), models=models), timeout=300)
    names = {e["name"] for e in graph(pooled, svc)["entities"]}
    assert {"Marie Curie", "Jane Miller", "Apple", "Paris"} <= names
    texts = [CORPUS[n] for n in ("acme.txt", "tech.txt")]
    assert pool.recognize_in_pool(texts, 2, cancelled=threading.Event()) == recognize(texts)
    children = pool._pool._processes if pool._pool else {}  # noqa: SLF001 - where the work ran
    assert children and os.getpid() not in children and len(children) <= 2


ROOT = Path(__file__).resolve().parents[2]
PARENT = """
import threading, time
from drive.pipeline.graph import pool
pool.recognize_in_pool(["Marie Curie worked in Paris."], 2, threading.Event())
print(" ".join(map(str, pool._pool._processes)), flush=True)
time.sleep(600)
"""


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit is reaped by whoever adopted it, which may never happen here)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_pool_processes_end_when_their_parent_is_killed() -> None:
    """A worker killed outright (SIGKILL, out of memory) leaves no spaCy processes behind."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert parent.stdout is not None
        children = [int(p) for p in parent.stdout.readline().split()]
        assert children and all(_running(c) for c in children)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 30
    while any(_running(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_running(c) for c in children)
