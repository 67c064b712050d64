"""Waiting for files to finish processing (``add --wait``), working the queue meanwhile if no worker does."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

from drive.context import Drive
from drive.errors import NotFound
from drive.records import ItemInfo, Status
from drive.service import DriveService

DONE = (Status.READY, Status.FAILED)


def wait_for(
    drive: Drive, svc: DriveService, ids: Iterable[uuid.UUID], *, timeout: float = 3600.0, work: bool = True
) -> list[ItemInfo]:
    """Block until every file is ready or failed. With ``work``, this process runs jobs too,
    so ``add --wait`` finishes even when no worker is running."""
    from drive.worker import Worker

    pending = list(ids)
    done: list[ItemInfo] = []
    worker = Worker(drive, name="cli") if work else None
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        still = []
        for item_id in pending:
            try:
                info = svc.get(item_id)
            except NotFound:
                continue
            if info.status in DONE:
                done.append(info)
            else:
                still.append(item_id)
        pending = still
        if pending and not (worker and worker.run_once()):
            time.sleep(0.5)
    return done
