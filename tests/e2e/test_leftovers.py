"""Nothing left behind: uploads and ingest jobs SIGKILLed mid-way leave spool copies that the sweep removes,
after which the file's bytes are nowhere under the data home but in its blob."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from drive.core import Drive
from drive.records import Status
from drive.service import DriveService
from drive.store.blobs import local_root
from drive.store.sweep import sweep
from tests.filegen import make_png_text

ROOT = Path(__file__).resolve().parents[2]

# Uploads a stream that stops half-way (after writing a flag file) and waits to be killed.
_UPLOAD = """
import sys, time
from pathlib import Path
from drive.core import open_drive
from drive.settings import Settings

class Stalling:
    def __init__(self, data): self.data, self.pos = data, 0
    def read(self, n=-1):
        if self.pos >= len(self.data) // 2:
            Path(sys.argv[3]).touch()
            time.sleep(600)
        piece = self.data[self.pos:self.pos + 65536]
        self.pos += len(piece)
        return piece

drive = open_drive(Settings(), run_sweep=False)
drive.service(drive.user_id(sys.argv[1])).upload(Stalling(Path(sys.argv[2]).read_bytes()), "secret.bin")
"""


def _env(drive: Drive, database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "THEDRIVE_HOME": str(drive.settings.home),
            "THEDRIVE_JOB_STALE_SECONDS": "3", "PYTHONPATH": str(ROOT)}


def _copies(home: Path, needle: bytes, *, besides: Path | None = None) -> list[Path]:
    """Every file under ``home`` holding ``needle``, but ``besides``."""
    found = []
    for path in home.rglob("*"):
        if path.is_file() and path != besides and needle in path.read_bytes():
            found.append(path)
    return found


def _kill(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)  # the process group we started: the worker and its reader child
    proc.wait(timeout=10)


def _wait_for(condition: Callable[[], bool], proc: subprocess.Popen[bytes], what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"never saw {what}"
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        time.sleep(0.05)


def test_a_killed_upload_leaves_no_copy_after_the_sweep(drive: Drive, database_url: str, tmp_path: Path) -> None:
    payload = os.urandom(2 * 1024 * 1024)
    source, flag = tmp_path / "secret.bin", tmp_path / "half-way"
    source.write_bytes(payload)
    proc = subprocess.Popen([sys.executable, "-c", _UPLOAD, f"u{uuid.uuid4().hex[:8]}", str(source), str(flag)],
                            env=_env(drive, database_url), cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(flag.exists, proc, "the upload half-way")
    finally:
        _kill(proc)
    home, needle = drive.settings.home, payload[:4096]
    assert _copies(home, needle), "the killed upload left its spool file (else this test proves nothing)"
    report = sweep(drive.db, drive.store, spool_dir=drive.settings.spool_dir, blob_dir=local_root(drive.store),
                   temp_grace_seconds=0)
    assert report.temp_removed >= 1
    assert _copies(home, needle) == []


def test_a_killed_ingest_leaves_no_copy_but_the_blob(drive: Drive, svc: DriveService, database_url: str,
                                                    tmp_path: Path) -> None:
    image = make_png_text(tmp_path / "sign.png", "KILL ME SOFTLY")  # OCR: seconds to read, time to kill
    with image.open("rb") as f:
        info = svc.upload(f, "sign.png")
    proc = subprocess.Popen([sys.executable, "-m", "drive", "worker"], env=_env(drive, database_url),
                            cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    spool = drive.settings.spool_dir
    try:
        _wait_for(lambda: any(spool.glob("tmp*/sign.png")), proc, "the ingest job's spool copy")
        time.sleep(0.5)
    finally:
        _kill(proc)
    assert svc.get(info.id).status == Status.PROCESSING, "killed before it finished"
    with drive.db.session() as s:
        key = s.execute(text("SELECT b.key FROM items i JOIN blobs b ON b.id = i.blob_id WHERE i.id = :i"),
                        {"i": info.id}).scalar_one()
    root = local_root(drive.store)
    assert root is not None
    home, needle, blob = drive.settings.home, image.read_bytes()[-2048:], root / key
    assert len(_copies(home, needle, besides=blob)) == 1, "the spool copy is there before the sweep"
    sweep(drive.db, drive.store, spool_dir=spool, blob_dir=root, temp_grace_seconds=0)
    assert _copies(home, needle, besides=blob) == []
    assert blob.exists(), "the blob itself is kept: the file is still in the drive"


def test_the_sweep_spares_young_temp_files_and_removes_stale_ones(drive: Drive) -> None:
    root = local_root(drive.store)
    assert root is not None
    (root / "ab").mkdir(parents=True, exist_ok=True)
    stale, young = root / "ab" / ".put-stale", root / "ab" / ".put-young"
    stale.write_bytes(b"half an object")
    young.write_bytes(b"being written now")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    spool = drive.settings.spool_dir
    spool.mkdir(parents=True, exist_ok=True)
    (spool / "up-old").write_bytes(b"old upload")
    os.utime(spool / "up-old", (time.time() - 7200, time.time() - 7200))
    report = sweep(drive.db, drive.store, spool_dir=spool, blob_dir=root)
    assert report.temp_removed == 2
    assert not stale.exists() and not (spool / "up-old").exists() and young.exists()
