"""What a job handler gets (``JobContext``) and what the worker needs to know about a kind of job (``JobKind``).

The worker runs handlers without knowing what they do; each pipeline registers its job kind with the hooks
that keep its own records right when the job is retried or given up (``drive.pipeline.handlers``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drive.store.queue import JobRecord

if TYPE_CHECKING:
    from drive.core import Drive
    from drive.ml.models import Models


class Cancelled(Exception):
    """The job's item was deleted (or the job taken over) while it ran: discard the work."""


class JobContext:
    """The job, the drive, the loaded models, and a cancellation check for long stages."""

    def __init__(self, job: JobRecord, drive: Drive, models: Models) -> None:
        self.job = job
        self.drive = drive
        self.models = models
        self.cancelled = threading.Event()
        self.done = threading.Event()

    def check(self) -> None:
        if self.cancelled.is_set():
            raise Cancelled(f"job {self.job.id} cancelled")


Handler = Callable[[JobContext], None]


@dataclass(frozen=True)
class JobKind:
    """A kind of job: its handler, and what to do to its own records while it waits for a retry or
    when it is given up (``reason`` says why, for the person)."""

    run: Handler
    on_retry: Callable[[Drive, JobRecord], None] | None = None
    on_give_up: Callable[[Drive, JobRecord, str], None] | None = None
