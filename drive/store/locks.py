"""Locks and conflict handling for changes to an owner's tree (mkdir, upload, rename, mv, rm) and communities.

Every tree change takes the owner's tree lock first (a transaction-scoped advisory lock), then the rows it
changes in id order, so two changes never wait on each other in opposite orders: ``mv A B`` ‖ ``mv B A``
runs one after the other, the second one finds the cycle and says so. A deadlock or serialization failure
that still happens (with jobs writing the same rows) is retried a few times, then reported as ``Busy``.
Integrity errors are told apart by their SQLSTATE: a name clash is not a missing parent folder.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from drive.errors import Busy, DriveError, NameClash, NotFound

log = logging.getLogger(__name__)

T = TypeVar("T")

_RETRYABLE = {"40P01", "40001"}  # deadlock detected, serialization failure
_UNIQUE, _FOREIGN_KEY = "23505", "23503"
ATTEMPTS = 4
# Held exclusively by a running ``drive backup``; whoever deletes blob objects holds it shared meanwhile.
BACKUP_LOCK = 7343103


def lock_tree(s: Session, owner: uuid.UUID) -> None:
    """Hold the owner's tree lock until the transaction ends."""
    s.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('tree:' || :o, 0))"), {"o": str(owner)})


def lock_communities(s: Session, owner: uuid.UUID) -> None:
    """Hold the owner's communities lock until the transaction ends (one rewrite of them at a time)."""
    s.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('communities:' || :o, 0))"), {"o": str(owner)})


@contextmanager
def blob_deletes_allowed(engine: Engine) -> Iterator[bool]:
    """Whether blob objects may be deleted now: False while a backup runs (it still has to copy objects its
    snapshot refers to). While True, the caller holds the lock shared, so no backup starts until it is done;
    what it may not delete stays for the sweep (rows ``deleting``, orphans)."""
    with engine.begin() as c:
        yield bool(c.execute(text("SELECT pg_try_advisory_xact_lock_shared(:k)"), {"k": BACKUP_LOCK}).scalar())


def lock_rows(s: Session, owner: uuid.UUID, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Lock the owner's items among ``ids``, in id order; the ids that still exist."""
    found = s.execute(
        text("SELECT id FROM items WHERE owner_id = :o AND id = ANY(:ids) ORDER BY id FOR UPDATE"),
        {"o": owner, "ids": sorted(set(ids))},
    ).scalars()
    return set(found)


def sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def retrying(action: Callable[[], T], what: str = "this change") -> T:
    """Run ``action`` (a whole transaction), again after a deadlock or serialization failure; ``Busy`` at last."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return action()
        except DBAPIError as exc:
            if sqlstate(exc) not in _RETRYABLE:
                raise
            log.info("%s collided with another change (attempt %d): %s", what, attempt, sqlstate(exc))
            time.sleep(random.uniform(0.02, 0.1) * attempt)
    raise Busy(f"{what} kept colliding with other changes to the same items; try again")


def integrity_error(exc: IntegrityError, name: str) -> DriveError:
    """What an integrity error means for the person: a name clash, or a folder deleted meanwhile."""
    if sqlstate(exc) == _FOREIGN_KEY:
        return NotFound(f"the folder for {name!r} no longer exists")
    if sqlstate(exc) == _UNIQUE:
        return NameClash(f"{name!r} already exists in this folder")
    return DriveError(f"{name!r} could not be saved: {exc.orig}")
