"""Background workers: claim jobs from the PostgreSQL queue and run them, in the app process or alone.

Start one with ``python -m drive worker``; any number can run on any machine that reaches the same
database and blob store. A worker killed mid-job stops heartbeating and another one takes the job over;
one told to stop (SIGTERM, Ctrl-C, ``add --wait`` timing out) finishes its job within a grace period or
hands it back to the queue untouched, so nobody has to wait for it to go stale.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from types import FrameType

from drive.core import Drive
from drive.errors import PermanentError
from drive.jobs.context import Cancelled, JobContext, JobKind
from drive.ml.models import Models
from drive.store import queue as jobs

log = logging.getLogger(__name__)
# A worker that cannot reach the database waits this long at most between tries.
MAX_BACKOFF_SECONDS = 30.0


class Worker:
    """Claims due jobs of the kinds it has handlers for and runs them, one at a time."""

    def __init__(self, drive: Drive, handlers: dict[str, JobKind], *, name: str = "worker",
                 models: Models | None = None) -> None:
        self.drive = drive
        self.id = f"{name}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.models = models or Models(drive.settings)
        self.handlers = handlers
        self.settings = drive.settings
        self.current: JobContext | None = None
        # Claiming a job and noting it as current happen under this lock, and so does ``release``: a release
        # that comes while a claim is in flight waits for it and hands that job back, and none is claimed after.
        self._claiming = threading.Lock()
        self._released = False

    def run_once(self) -> bool:
        """Run one job if there is one due; False when the queue had nothing for us (or this worker was
        released)."""
        with self._claiming:
            if self._released:
                return False
            job = jobs.claim(self.drive.db.engine, self.id, self.settings.job_stale_seconds, tuple(self.handlers))
            if job is None:
                return False
            ctx = JobContext(job, self.drive, self.models)
            self.current = ctx
        beat = threading.Thread(target=self._heartbeat, args=(ctx,), daemon=True)
        beat.start()
        try:
            self._run(ctx)
        finally:
            self.current = None
            ctx.done.set()
            beat.join(timeout=5)
        return True

    def release(self) -> None:
        """Hand the running job (if any) back to the queue and tell its handler to stop: used when this
        worker must stop before the job is done. What the handler still writes is discarded or replaced
        by the next run, exactly as after a takeover. The worker claims nothing afterwards."""
        with self._claiming:
            self._released = True
            ctx = self.current
        if ctx is None or ctx.done.is_set():
            return
        try:  # back in the queue first: a handler told to stop may return, and its finish must then find it gone
            jobs.release(self.drive.db.engine, ctx.job.id, self.id)
        finally:
            ctx.cancelled.set()
        log.warning("released %s job %s back to the queue", ctx.job.kind, ctx.job.id)

    def _run(self, ctx: JobContext) -> None:
        job = ctx.job
        if job.attempts > self.settings.job_max_attempts:
            self._give_up(ctx, f"gave up after {job.attempts - 1} attempts")
            return
        try:
            self.handlers[job.kind].run(ctx)
            jobs.finish(self.drive.db.engine, job.id, worker=self.id)
        except Cancelled:
            log.info("job %s discarded: its file is gone or the job was handed back", job.id)
        except PermanentError as exc:
            self._give_up(ctx, str(exc))
        except Exception as exc:  # noqa: BLE001 - anything else may be transient: retry with backoff
            if ctx.cancelled.is_set():
                return  # released or taken over: the failure is not ours to record
            self._failed(ctx, f"{type(exc).__name__}: {exc}")

    def _failed(self, ctx: JobContext, reason: str) -> None:
        job = ctx.job
        if job.attempts >= self.settings.job_max_attempts:
            self._give_up(ctx, reason)
            return
        delay = min(60.0, 2.0 ** job.attempts)
        log.warning("job %s failed (%s); retrying in %.0fs", job.id, reason, delay)
        jobs.retry_later(self.drive.db.engine, job.id, reason, delay)
        on_retry = self.handlers[job.kind].on_retry
        if on_retry is not None:
            on_retry(self.drive, job)

    def _give_up(self, ctx: JobContext, reason: str) -> None:
        log.warning("%s job %s failed: %s", ctx.job.kind, ctx.job.id, reason)
        on_give_up = self.handlers[ctx.job.kind].on_give_up
        if on_give_up is not None:
            on_give_up(self.drive, ctx.job, reason)
        jobs.finish(self.drive.db.engine, ctx.job.id, error=reason, worker=self.id)

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
        """Work until ``stop`` is set. While the database is unreachable, wait longer and longer between
        tries (up to MAX_BACKOFF_SECONDS) and say so once, not with a traceback on every try."""
        backoff = 0.0
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception as exc:  # noqa: BLE001 - the database went away: keep the worker alive
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2 or idle_sleep)
                if backoff == idle_sleep:
                    log.warning("worker %s cannot reach the queue (%s); retrying with backoff",
                                self.id, type(exc).__name__)
                log.debug("worker loop error", exc_info=True)
                stop.wait(backoff)
                continue
            if backoff:
                log.warning("worker %s reached the queue again", self.id)
                backoff = 0.0
            if not busy:
                stop.wait(idle_sleep)


class WorkerPool:
    """``count`` workers as daemon threads of this process, sharing one set of models."""

    def __init__(self, drive: Drive, handlers: dict[str, JobKind], count: int, models: Models | None = None,
                 *, name: str = "app") -> None:
        self.stop = threading.Event()
        shared = models or Models(drive.settings)
        self.workers = [Worker(drive, handlers, name=f"{name}{n}", models=shared) for n in range(count)]
        self.threads = [
            threading.Thread(target=w.run_until, args=(self.stop,), name=f"thedrive-{name}-{n}", daemon=True)
            for n, w in enumerate(self.workers)
        ]
        for t in self.threads:
            t.start()

    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def shutdown(self, grace: float) -> None:
        """Claim nothing more; give running jobs ``grace`` seconds to finish, then hand the rest back."""
        self.stop.set()
        deadline = time.monotonic() + grace
        for t in self.threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))
        for w in self.workers:
            try:
                w.release()
            except Exception:  # noqa: BLE001 - no database: the job goes stale and is taken over
                log.warning("could not hand job back; it will be taken over when stale", exc_info=True)


def start_background(drive: Drive, handlers: dict[str, JobKind], count: int,
                     models: Models | None = None) -> tuple[threading.Event, list[threading.Thread]]:
    """Workers as daemon threads inside this process (the app's default)."""
    pool = WorkerPool(drive, handlers, count, models)
    return pool.stop, pool.threads


def run_forever(drive: Drive, handlers: dict[str, JobKind], concurrency: int = 1, *, grace: float = 30.0) -> None:
    """``drive worker``: run until SIGTERM or SIGINT, then stop cleanly (see ``WorkerPool.shutdown``)."""
    pool = WorkerPool(drive, handlers, concurrency)
    stopping = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.warning("worker running (%d thread(s)); Ctrl-C or SIGTERM to stop", concurrency)
    try:
        while pool.alive() and not stopping.wait(0.5):
            pass
        log.warning("worker stopping: finishing running jobs (up to %.0fs)", grace)
        pool.shutdown(grace)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
