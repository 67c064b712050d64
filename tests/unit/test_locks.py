"""Retrying tree changes that collide: deadlocks and serialization failures are retried, then ``Busy``."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from drive.errors import Busy, NameClash, NotFound
from drive.store import locks


class PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def failing(sqlstate: str, times: int):  # type: ignore[no-untyped-def]
    calls = []

    def action() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise DBAPIError("UPDATE items ...", {}, PgError(sqlstate))
        return "done"

    return action, calls


def test_a_deadlock_is_retried_until_the_change_goes_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locks.time, "sleep", lambda _: None)
    action, calls = failing("40P01", times=2)
    assert locks.retrying(action) == "done" and len(calls) == 3


def test_a_change_that_keeps_colliding_is_a_clear_busy_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locks.time, "sleep", lambda _: None)
    action, calls = failing("40001", times=100)
    with pytest.raises(Busy, match="this move kept colliding"):
        locks.retrying(action, "this move")
    assert len(calls) == locks.ATTEMPTS


def test_other_database_errors_are_not_retried() -> None:
    action, calls = failing("42P01", times=1)
    with pytest.raises(DBAPIError):
        locks.retrying(action)
    assert len(calls) == 1


def test_integrity_errors_say_what_happened() -> None:
    gone = locks.integrity_error(IntegrityError("INSERT", {}, PgError("23503")), "a.txt")
    clash = locks.integrity_error(IntegrityError("INSERT", {}, PgError("23505")), "a.txt")
    assert isinstance(gone, NotFound) and "no longer exists" in str(gone)
    assert isinstance(clash, NameClash) and "already exists" in str(clash)
