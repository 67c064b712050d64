"""Working the queue until it is empty (``drain``), and waiting for files to finish (``add --wait``).

A file is finished when it failed, or when it is ready and its graph job has run too; ``add --wait`` then
also runs the owner's debounced communities job, so ``graph`` and global search right after it see the
new files, and the check of their vector index, so nothing is left queued.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from drive.core import Drive
from drive.errors import NotFound
from drive.jobs.context import JobKind
from drive.jobs.worker import Worker, WorkerPool
from drive.records import ItemInfo, Status
from drive.service import DriveService
from drive.store import queue as jobs

DONE = (Status.READY, Status.FAILED)
_UPKEEP = (jobs.COMMUNITIES, jobs.OWNER_INDEX)
_DONE = {s.value for s in DONE}


def drain(worker: Worker, *, timeout: float = 3600.0, on_job: Callable[[int], None] | None = None) -> int:
    """Run the jobs this worker handles until none is queued or running (retries waiting out their backoff
    included); ``on_job(n)`` after each. Returns how many ran; TimeoutError when some are left."""
    done, deadline = 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.run_once():
            done += 1
            if on_job:
                on_job(done)
        elif jobs.pending_count(worker.drive.db.engine, kinds=tuple(worker.handlers)) == 0:
            return done
        else:
            time.sleep(0.2)
    raise TimeoutError("jobs still pending after the timeout")


@dataclass(frozen=True)
class Progress:
    """How far ``add --wait`` has got: files finished ingesting (ready or failed), files whose graph job ran
    too, and whether the owner's communities are still to be (re)computed."""

    total: int
    ingested: int
    graphed: int
    communities_pending: bool


@dataclass(frozen=True)
class Waited:
    """The files that finished, and those still unfinished when the timeout ran out."""

    done: list[ItemInfo]
    unfinished: list[ItemInfo]
    communities_done: bool


def start_workers(drive: Drive, handlers: dict[str, JobKind]) -> WorkerPool:
    """As many workers as the app runs (``settings.workers_in_app``), in this process; ``add --wait`` starts
    them before its first upload, so that files are ingested while the rest are still uploading."""
    return WorkerPool(drive, handlers, max(1, drive.settings.workers_in_app), name="cli")


def wait_for(
    drive: Drive, svc: DriveService, ids: Iterable[uuid.UUID], handlers: dict[str, JobKind] | None = None, *,
    pool: WorkerPool | None = None, timeout: float = 3600.0, on_progress: Callable[[Progress], None] | None = None,
) -> Waited:
    """Block until every file is finished (see the module doc) and the owner's communities are computed,
    or the timeout runs out. With ``handlers`` (or a ``pool`` from ``start_workers``), this process works the
    queue too, so ``add --wait`` finishes even when no worker is running; the pool is shut down on return,
    and at the timeout the jobs it was running go back to the queue."""
    wanted = list(ids)
    engine, owner = drive.db.engine, svc.owner
    pool = pool or (start_workers(drive, handlers) if handlers else None)
    deadline = time.monotonic() + timeout
    last: Progress | None = None
    try:
        while True:
            state = jobs.file_progress(engine, owner, wanted)
            ingested = [i for i, p in state.items() if p.status is None or p.status in _DONE]
            graphed = [i for i in ingested if not state[i].busy]
            if len(graphed) == len(wanted):  # the graph settled: run the debounced upkeep jobs now
                jobs.hasten(engine, owner, jobs.COMMUNITIES)
                jobs.hasten(engine, owner, jobs.OWNER_INDEX)
            pending = len(graphed) < len(wanted) or jobs.pending_count(engine, owner, kinds=_UPKEEP) > 0
            now = Progress(len(wanted), len(ingested), len(graphed), pending)
            if on_progress and now != last:
                on_progress(now)
            last = now
            if not pending or time.monotonic() >= deadline:
                break
            time.sleep(0.3)
    finally:
        if pool:
            pool.shutdown(grace=0.0 if time.monotonic() >= deadline else 5.0)
    infos = [info for i in wanted if (info := _info(svc, i)) is not None]
    finished = set(graphed)
    return Waited([i for i in infos if i.id in finished], [i for i in infos if i.id not in finished],
                  communities_done=not pending)


def _info(svc: DriveService, item_id: uuid.UUID) -> ItemInfo | None:
    try:
        return svc.get(item_id)
    except NotFound:
        return None
