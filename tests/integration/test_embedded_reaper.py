"""The embedded PostgreSQL stops when the last process using it dies by a signal (SIGTERM to `streamlit run`,
SIGKILL, the OOM killer), not only when it exits cleanly; while one user lives, it keeps running."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from drive.store.pg_reaper import stop_server

ROOT = Path(__file__).resolve().parents[2]
_USER = """
import sys, time, warnings
warnings.simplefilter("ignore")
from pathlib import Path
from drive.store.db import embedded_url
embedded_url(Path(sys.argv[1]))
print("joined", flush=True)
time.sleep(600)
"""


def _join(data: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", _USER, str(data)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None and proc.stdout.readline().strip() == "joined"
    return proc


def _postmaster(data: Path) -> int | None:
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if psutil.pid_exists(pid) else None


def _until(check: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return check()


def test_the_server_stops_after_its_last_user_is_killed() -> None:
    folder = Path(tempfile.mkdtemp(prefix="thedrive-reaper-pg-"))  # outside the root-only tmp tree: see conftest
    data = folder / "data"
    first = second = None
    try:
        first = _join(data)
        second = _join(data)
        server = _postmaster(data)
        assert server is not None
        reapers = [p for p in psutil.process_iter(["cmdline"])
                   if "drive.store.pg_reaper" in " ".join(p.info["cmdline"] or []) and str(data) in p.info["cmdline"]]

        first.send_signal(signal.SIGKILL)
        first.wait()
        time.sleep(5)  # more than two of the watcher's rounds
        assert _postmaster(data) == server  # the second process still uses it

        second.send_signal(signal.SIGTERM)  # dies by the signal: no atexit hook runs
        second.wait()
        assert _until(lambda: _postmaster(data) is None), "the server outlived every process using it"
        assert len(reapers) == 1  # one watcher per server, however many processes joined
        assert _until(lambda: not reapers[0].is_running())
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
        stop_server(data)
        shutil.rmtree(folder, ignore_errors=True)
