"""Background workers: claim jobs from the PostgreSQL queue and run them, in the app process or alone.

Start one with ``python -m drive worker``; any number can run on any machine that reaches the same
database and blob store. A worker killed mid-job stops heartbeating and another one takes the job over.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid

from drive.core import Drive
from drive.errors import PermanentError
from drive.jobs.context import Cancelled, JobContext, JobKind
from drive.ml.models import Models
from drive.store import queue as jobs

log = logging.getLogger(__name__)


class Worker:
    """Claims due jobs of the kinds it has handlers for and runs them, one at a time."""

    def __init__(self, drive: Drive, handlers: dict[str, JobKind], *, name: str = "worker",
                 models: Models | None = None) -> None:
        self.drive = drive
        self.id = f"{name}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.models = models or Models(drive.settings)
        self.handlers = handlers
        self.settings = drive.settings

    def run_once(self) -> bool:
        """Run one job if there is one due; False when the queue had nothing for us."""
        job = jobs.claim(self.drive.db.engine, self.id, self.settings.job_stale_seconds, tuple(self.handlers))
        if job is None:
            return False
        ctx = JobContext(job, self.drive, self.models)
        beat = threading.Thread(target=self._heartbeat, args=(ctx,), daemon=True)
        beat.start()
        try:
            self._run(ctx)
        finally:
            ctx.done.set()
            beat.join(timeout=5)
        return True

    def _run(self, ctx: JobContext) -> None:
        job, engine = ctx.job, self.drive.db.engine
        if job.attempts > self.settings.job_max_attempts:
            self._give_up(ctx, f"gave up after {job.attempts - 1} attempts")
            return
        try:
            self.handlers[job.kind].run(ctx)
            jobs.finish(engine, job.id)
        except Cancelled:
            log.info("job %s discarded: its file is gone", job.id)
        except PermanentError as exc:
            self._give_up(ctx, str(exc))
        except Exception as exc:  # noqa: BLE001 - anything else may be transient: retry with backoff
            reason = f"{type(exc).__name__}: {exc}"
            if job.attempts >= self.settings.job_max_attempts:
                self._give_up(ctx, reason)
            else:
                delay = min(60.0, 2.0 ** job.attempts)
                log.warning("job %s failed (%s); retrying in %.0fs", job.id, reason, delay)
                jobs.retry_later(engine, job.id, reason, delay)
                on_retry = self.handlers[job.kind].on_retry
                if on_retry is not None:
                    on_retry(self.drive, job)

    def _give_up(self, ctx: JobContext, reason: str) -> None:
        log.warning("%s job %s failed: %s", ctx.job.kind, ctx.job.id, reason)
        on_give_up = self.handlers[ctx.job.kind].on_give_up
        if on_give_up is not None:
            on_give_up(self.drive, ctx.job, reason)
        jobs.finish(self.drive.db.engine, ctx.job.id, error=reason)

    def _heartbeat(self, ctx: JobContext) -> None:
        interval = max(0.2, self.settings.job_stale_seconds / 4)
        while not ctx.done.wait(interval):
            try:
                if not jobs.heartbeat(self.drive.db.engine, ctx.job.id, self.id):
                    ctx.cancelled.set()
                    return
            except Exception:  # a missed beat is not fatal; the next one may succeed
                log.debug("heartbeat failed", exc_info=True)

    def run_until(self, stop: threading.Event, idle_sleep: float = 0.5) -> None:
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # the database went away for a moment: keep the worker alive
                log.exception("worker loop error")
                busy = False
            if not busy:
                stop.wait(idle_sleep)


def start_background(drive: Drive, handlers: dict[str, JobKind], count: int,
                     models: Models | None = None) -> tuple[threading.Event, list[threading.Thread]]:
    """Workers as daemon threads inside this process (the app's default)."""
    stop = threading.Event()
    shared = models or Models(drive.settings)
    threads = []
    for n in range(count):
        worker = Worker(drive, handlers, name=f"app{n}", models=shared)
        t = threading.Thread(target=worker.run_until, args=(stop,), name=f"thedrive-worker-{n}", daemon=True)
        t.start()
        threads.append(t)
    return stop, threads


def run_forever(drive: Drive, handlers: dict[str, JobKind], concurrency: int = 1) -> None:
    stop, threads = start_background(drive, handlers, concurrency)
    log.warning("worker running (%d thread(s)); Ctrl-C to stop", concurrency)
    try:
        while any(t.is_alive() for t in threads):
            time.sleep(1)
    except KeyboardInterrupt:
        stop.set()
        for t in threads:
            t.join(timeout=30)
