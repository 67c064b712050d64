"""A worker process SIGKILLed in the middle of a job: the job is not lost, another worker finishes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from drive.core import Drive
from drive.jobs.drain import drain
from drive.jobs.worker import Worker
from drive.records import ItemInfo, Status
from drive.service import DriveService
from tests.filegen import make_pdf

ROOT = Path(__file__).resolve().parents[2]


def upload_scan(svc: DriveService, tmp_path: Path) -> ItemInfo:
    """Three scanned pages: OCR takes seconds, long enough to stop a worker mid-job."""
    pdf = make_pdf(tmp_path / "scan.pdf", ["FIRST SCANNED PAGE", "SECOND SCANNED PAGE", "THIRD SCANNED PAGE"],
                   scanned={1, 2, 3})
    with pdf.open("rb") as f:
        return svc.upload(f, "scan.pdf")


def wait_until_processing(svc: DriveService, item_id: uuid.UUID, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while svc.get(item_id).status != Status.PROCESSING:
        assert time.monotonic() < deadline, "the worker process never picked the job up"
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.2)


def test_a_killed_workers_job_is_finished_by_another(
    drive: Drive, svc: DriveService, worker: Worker, database_url: str, tmp_path: Path
) -> None:
    info = upload_scan(svc, tmp_path)
    env = {**os.environ, "DATABASE_URL": database_url, "THEDRIVE_HOME": str(drive.settings.home),
           "THEDRIVE_JOB_STALE_SECONDS": "3", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "drive", "worker"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_processing(svc, info.id, proc)
        time.sleep(1.0)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert svc.get(info.id).status == Status.PROCESSING, "killed mid-job: nothing finished it"
    with drive.db.session() as s:
        job = s.execute(text("SELECT status, locked_by FROM jobs WHERE item_id = :i"), {"i": info.id}).one()
    assert job.status == "running" and job.locked_by.startswith("app")  # any of its worker threads
    drain(worker, timeout=180)
    got = svc.get(info.id)
    assert got.status == Status.READY, got.error
    with drive.db.session() as s:
        pages = s.execute(text("SELECT page FROM chunks WHERE item_id = :i ORDER BY idx"), {"i": info.id}).scalars().all()
        done = s.execute(text("SELECT status, attempts FROM jobs WHERE item_id = :i AND kind = 'ingest'"), {"i": info.id}).one()
    assert pages == [1, 2, 3], "each page once: the second run did not duplicate the first one's rows"
    assert done.status == "done" and done.attempts == 2


def test_a_terminated_worker_hands_its_job_back_and_exits_cleanly(
    drive: Drive, svc: DriveService, worker: Worker, database_url: str, tmp_path: Path
) -> None:
    info = upload_scan(svc, tmp_path)
    env = {**os.environ, "DATABASE_URL": database_url, "THEDRIVE_HOME": str(drive.settings.home),
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "drive", "worker", "--grace", "0.5"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_processing(svc, info.id, proc)
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "released ingest job" in err
    with drive.db.session() as s:
        job = s.execute(text("SELECT status, locked_by, attempts FROM jobs WHERE item_id = :i"), {"i": info.id}).one()
    assert job.status == "queued" and job.locked_by is None and job.attempts == 0, "handed back, attempt not counted"
    drain(worker, timeout=180)
    assert svc.get(info.id).status == Status.READY
    with drive.db.session() as s:
        pages = s.execute(text("SELECT page FROM chunks WHERE item_id = :i ORDER BY idx"), {"i": info.id}).scalars().all()
    assert pages == [1, 2, 3]
