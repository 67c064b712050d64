"""API tokens: create (shown once), list, revoke, and authenticate by the token's sha256 hash.

A token is ``tdr_`` + 43 URL-safe characters (256 random bits), so a hash without a salt is enough:
it cannot be guessed, and a stolen table of hashes does not give the tokens back.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text

from drive.errors import NotFound
from drive.store.db import Database
from drive.store.tables import ApiToken, User

PREFIX = "tdr_"
SHOWN_CHARS = 8  # of the token, kept to tell tokens apart in a listing


@dataclass(frozen=True)
class TokenInfo:
    id: uuid.UUID
    user: str
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def to_json(self) -> dict[str, str | None]:
        return {
            "id": str(self.id), "user": self.user, "label": self.label, "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def create(db: Database, owner: uuid.UUID, label: str = "") -> tuple[TokenInfo, str]:
    """A new token for ``owner``: its record and the token itself, which is never stored."""
    token = PREFIX + secrets.token_urlsafe(32)
    with db.session() as s:
        row = ApiToken(owner_id=owner, label=label.strip()[:200], token_hash=hash_token(token),
                       prefix=token[: len(PREFIX) + SHOWN_CHARS])
        s.add(row)
        s.flush()
        token_id = row.id
    return get(db, token_id), token


def get(db: Database, token_id: uuid.UUID) -> TokenInfo:
    found = _query(db, ApiToken.id == token_id)
    if not found:
        raise NotFound(f"no such token: {token_id}")
    return found[0]


def list_tokens(db: Database, owner: uuid.UUID | None = None) -> list[TokenInfo]:
    """Every token (of ``owner`` if given), newest first."""
    return _query(db, ApiToken.owner_id == owner if owner is not None else None)


def revoke(db: Database, token_id: uuid.UUID, owner: uuid.UUID | None = None) -> TokenInfo:
    """Revoke a token (only ``owner``'s when given: another's behaves as a missing one). Idempotent."""
    with db.session() as s:
        stmt = select(ApiToken).where(ApiToken.id == token_id).with_for_update()
        if owner is not None:
            stmt = stmt.where(ApiToken.owner_id == owner)
        row = s.scalars(stmt).first()
        if row is None:
            raise NotFound(f"no such token: {token_id}")
        if row.revoked_at is None:
            row.revoked_at = func.now()
    return get(db, token_id)


def authenticate(db: Database, token: str) -> uuid.UUID | None:
    """The owner of a live token (of an account not disabled), or None. Marks the token used (at most once a minute, to spare writes)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    with db.session() as s:
        row = s.execute(
            select(ApiToken.id, ApiToken.owner_id).join(User, User.id == ApiToken.owner_id)
            .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None), User.disabled_at.is_(None))
        ).first()
        if row is None:
            return None
        s.execute(text("UPDATE api_tokens SET last_used_at = now() WHERE id = :id AND "
                       "(last_used_at IS NULL OR last_used_at < now() - interval '1 minute')"), {"id": row.id})
        return uuid.UUID(str(row.owner_id))


def _query(db: Database, where: object | None) -> list[TokenInfo]:
    with db.session() as s:
        stmt = select(ApiToken, User.name).join(User, User.id == ApiToken.owner_id)
        if where is not None:
            stmt = stmt.where(where)  # type: ignore[arg-type]
        rows = s.execute(stmt.order_by(ApiToken.created_at.desc(), ApiToken.id)).all()
        return [TokenInfo(t.id, name, t.label, t.prefix, t.created_at, t.last_used_at, t.revoked_at) for t, name in rows]
