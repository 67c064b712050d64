"""Throttling sign-in: failures per user name and per client, kept in the database so every app process
(and every restart) sees the same count.

Each key has some free failures; every failure after them locks the key for twice as long as the one
before (2 s, 4 s, 8 s, ...) up to a maximum. A success clears the name's count; a key quiet for an hour
starts afresh. Unknown names are counted exactly like real ones, so a lock says nothing about existence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import text

from drive.settings import Settings
from drive.store.db import Database

FIRST_LOCK_SECONDS = 2.0
FORGET_AFTER_SECONDS = 3600.0


@dataclass(frozen=True)
class Throttle:
    name_failures: int = 3  # free failures per user name
    client_failures: int = 20  # free failures per client address
    max_lock: float = 900.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Throttle:
        return cls(settings.signin_name_failures, settings.signin_client_failures, settings.signin_max_lock_seconds)

    def lock_after(self, failures: int, free: int) -> float:
        """Seconds a key is locked after its ``failures``-th failure (0 while free ones remain)."""
        if failures < free:
            return 0.0
        return min(self.max_lock, FIRST_LOCK_SECONDS * 2.0 ** min(failures - free, 30))


def name_key(folded_name: str) -> str:
    return f"name:{folded_name}"


def client_key(client: str) -> str:
    return f"client:{client}"


def locked_for(db: Database, keys: list[str]) -> int:
    """Whole seconds until every one of ``keys`` is unlocked (0: none is locked)."""
    with db.session() as s:
        left = s.execute(text("SELECT max(extract(epoch FROM locked_until - now())) FROM auth_failures "
                              "WHERE key = ANY(:keys) AND locked_until > now()"), {"keys": keys}).scalar()
    return math.ceil(float(left)) if left else 0


def record_failure(db: Database, key: str, free: int, throttle: Throttle) -> int:
    """Count one failure of ``key``; the whole seconds it is now locked for (0: not locked)."""
    with db.session() as s:
        failures = s.execute(text(
            "INSERT INTO auth_failures (key, failures, last_failed_at) VALUES (:k, 1, now()) "
            "ON CONFLICT (key) DO UPDATE SET last_failed_at = now(), failures = CASE "
            "WHEN auth_failures.last_failed_at < now() - make_interval(secs => :forget) THEN 1 "
            "ELSE auth_failures.failures + 1 END RETURNING failures"),
            {"k": key, "forget": FORGET_AFTER_SECONDS}).scalar_one()
        # Forget quiet keys as new failures come in, so probing many names cannot grow the table forever.
        s.execute(text("DELETE FROM auth_failures WHERE last_failed_at < now() - make_interval(secs => :forget) "
                       "AND (locked_until IS NULL OR locked_until < now())"), {"forget": FORGET_AFTER_SECONDS})
        lock = throttle.lock_after(int(failures), free)
        if lock:
            s.execute(text("UPDATE auth_failures SET locked_until = now() + make_interval(secs => :lock) "
                           "WHERE key = :k"), {"k": key, "lock": lock})
    return math.ceil(lock)


def clear(db: Database, key: str) -> None:
    with db.session() as s:
        s.execute(text("DELETE FROM auth_failures WHERE key = :k"), {"k": key})
