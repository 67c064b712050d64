"""The owner_index job: after an owner's files settle, give them a vector index of their own, or drop it.

Debounced with the communities job (``queue.enqueue_owner_upkeep``); the decision and the SQL are in
``drive.store.owner_index``. A build takes about a minute per 100k passages and blocks nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from drive.store import owner_index

if TYPE_CHECKING:
    from drive.jobs.context import JobContext

log = logging.getLogger(__name__)


def run_owner_index_job(ctx: JobContext) -> None:
    settings = ctx.drive.settings
    done = owner_index.sync(ctx.drive.db.engine, ctx.job.owner_id, settings.owner_index_min_chunks,
                            settings.owner_index_memory_mb)
    if done is not owner_index.Action.NONE:
        log.info("vector index of %s: %s", ctx.job.owner_id, done.value)
