"""Working the queue until it is empty (``drain``), and waiting for files to finish (``add --wait``).

A file is finished when it failed, or when it is ready and its graph job has run too, so that
``add --wait`` followed by ``graph`` shows what the new files mention.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable

from drive.core import Drive
from drive.errors import NotFound
from drive.jobs.context import JobKind
from drive.jobs.worker import Worker
from drive.records import ItemInfo, Status
from drive.service import DriveService
from drive.store import queue as jobs

DONE = (Status.READY, Status.FAILED)


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


def wait_for(
    drive: Drive, svc: DriveService, ids: Iterable[uuid.UUID], handlers: dict[str, JobKind] | None = None, *,
    timeout: float = 3600.0,
) -> list[ItemInfo]:
    """Block until every file is finished (see the module doc). With ``handlers``, this process runs jobs
    too, so ``add --wait`` finishes even when no worker is running."""
    pending = list(ids)
    done: list[ItemInfo] = []
    worker = Worker(drive, handlers, name="cli") if handlers else None
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        still = []
        busy = jobs.busy_items(drive.db.engine, pending)
        for item_id in pending:
            try:
                info = svc.get(item_id)
            except NotFound:
                continue
            if info.status in DONE and item_id not in busy:
                done.append(info)
            else:
                still.append(item_id)
        pending = still
        if pending and not (worker and worker.run_once()):
            time.sleep(0.5)
    return done
