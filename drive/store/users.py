"""Users: the default local user, and accounts with argon2-hashed passwords when enabled."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select, text

from drive.errors import DriveError, InvalidName
from drive.store.db import Database
from drive.store.tables import User

_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class AuthError(DriveError):
    """Wrong user name or password."""


def check_username(name: str) -> str:
    if not _USERNAME.match(name):
        raise InvalidName("a user name is 1-64 letters, digits, '.', '_' or '-'")
    return name


def ensure_user(db: Database, name: str) -> uuid.UUID:
    """The id of user ``name``, created on first use (the local, password-less mode)."""
    name = check_username(name)
    with db.session() as s:
        s.execute(
            text("INSERT INTO users (id, name, created_at) VALUES (:id, :n, now()) ON CONFLICT (name) DO NOTHING"),
            {"id": uuid.uuid4(), "n": name},
        )
        return s.scalars(select(User.id).where(User.name == name)).one()


def sign_up(db: Database, name: str, password: str) -> uuid.UUID:
    from argon2 import PasswordHasher

    name = check_username(name)
    if len(password) < 8:
        raise AuthError("a password needs at least 8 characters")
    with db.session() as s:
        if s.scalar(select(User.id).where(User.name == name)):
            raise AuthError(f"the user name {name!r} is taken")
        user = User(name=name, password_hash=PasswordHasher().hash(password))
        s.add(user)
        s.flush()
        return user.id


def sign_in(db: Database, name: str, password: str) -> uuid.UUID:
    from argon2 import PasswordHasher
    from argon2.exceptions import VerificationError

    with db.session() as s:
        user = s.scalars(select(User).where(User.name == name)).first()
    if user is None or not user.password_hash:
        raise AuthError("wrong user name or password")
    try:
        PasswordHasher().verify(user.password_hash, password)
    except VerificationError as exc:
        raise AuthError("wrong user name or password") from exc
    return user.id
