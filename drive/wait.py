"""Waiting for files to finish processing (``add --wait``), working the queue meanwhile if no worker does.

A file is finished when it failed, or when it is ready and its graph job has run too, so that
``add --wait`` followed by ``graph`` shows what the new files mention.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

from drive import jobs
from drive.context import Drive
from drive.errors import NotFound
from drive.records import ItemInfo, Status
from drive.service import DriveService

DONE = (Status.READY, Status.FAILED)


def wait_for(
    drive: Drive, svc: DriveService, ids: Iterable[uuid.UUID], *, timeout: float = 3600.0, work: bool = True
) -> list[ItemInfo]:
    """Block until every file is finished (see the module doc). With ``work``, this process runs jobs too,
    so ``add --wait`` finishes even when no worker is running."""
    from drive.worker import Worker

    pending = list(ids)
    done: list[ItemInfo] = []
    worker = Worker(drive, name="cli") if work else None
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
