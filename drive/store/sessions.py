"""Browser sessions (accounts on): one-time sign-in codes, session tokens, and the signing key.

A sign-in makes a one-time code (valid a minute); the app's ``/auth/session`` route trades it for a
session token set as an HttpOnly cookie. Only sha256 hashes of codes and tokens are stored. Cookies and
download links are HMAC-signed with a key kept in the database (``app_secrets``), so every process of
a drive signs and checks alike.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import uuid
import weakref
from dataclasses import dataclass

from sqlalchemy import text

from drive.store.db import Database

CODE_SECONDS = 60.0
_KEYS: weakref.WeakKeyDictionary[Database, bytes] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class SessionUser:
    id: uuid.UUID
    name: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def signing_key(db: Database) -> bytes:
    """The drive's signing key, made on first use (concurrent first uses agree on one)."""
    key = _KEYS.get(db)
    if key is None:
        with db.session() as s:
            s.execute(text("INSERT INTO app_secrets (name, secret) VALUES ('signing', :k) ON CONFLICT DO NOTHING"),
                      {"k": secrets.token_bytes(32)})
            key = bytes(s.execute(text("SELECT secret FROM app_secrets WHERE name = 'signing'")).scalar_one())
        _KEYS[db] = key
    return key


def _mac(key: bytes, purpose: str, payload: str) -> str:
    digest = hmac.new(key, f"{purpose}\n{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


# ---------------------------------------------------------------- codes and sessions


def issue_code(db: Database, user_id: uuid.UUID) -> str:
    """A one-time code for ``user_id``, to be traded for a session within a minute."""
    code = secrets.token_urlsafe(32)
    _insert(db, user_id, "code", code, CODE_SECONDS)
    with db.session() as s:  # every sign-in clears out codes and sessions that ended over a day ago
        s.execute(text("DELETE FROM auth_sessions WHERE expires_at < now() - interval '1 day' "
                       "OR revoked_at < now() - interval '1 day'"))
    return code


def redeem_code(db: Database, code: str, session_seconds: float, replaces: str | None = None) -> str | None:
    """A new session token for the code's user, or None for a used, expired or unknown code. The session
    the browser had before (``replaces``) is revoked: signing in rotates the token."""
    with db.session() as s:
        user_id = s.execute(text(
            "UPDATE auth_sessions SET revoked_at = now() WHERE token_hash = :h AND kind = 'code' "
            "AND revoked_at IS NULL AND expires_at > now() RETURNING user_id"), {"h": _hash(code)}).scalar()
    if user_id is None:
        return None
    if replaces:
        revoke(db, replaces)
    token = secrets.token_urlsafe(32)
    _insert(db, user_id, "session", token, session_seconds)
    return token


def _insert(db: Database, user_id: uuid.UUID, kind: str, token: str, seconds: float) -> None:
    with db.session() as s:
        s.execute(text("INSERT INTO auth_sessions (id, user_id, kind, token_hash, expires_at) "
                       "VALUES (:id, :u, :kind, :h, now() + make_interval(secs => :secs))"),
                  {"id": uuid.uuid4(), "u": user_id, "kind": kind, "h": _hash(token), "secs": seconds})


def session_user(db: Database, token: str) -> SessionUser | None:
    """The user of a live session token (not revoked, not expired, account not disabled), or None."""
    with db.session() as s:
        row = s.execute(text(
            "SELECT u.id, u.name FROM auth_sessions a JOIN users u ON u.id = a.user_id "
            "WHERE a.token_hash = :h AND a.kind = 'session' AND a.revoked_at IS NULL "
            "AND a.expires_at > now() AND u.disabled_at IS NULL"), {"h": _hash(token)}).first()
    return SessionUser(uuid.UUID(str(row.id)), row.name) if row else None


def revoke(db: Database, token: str) -> None:
    with db.session() as s:
        s.execute(text("UPDATE auth_sessions SET revoked_at = now() WHERE token_hash = :h AND revoked_at IS NULL"),
                  {"h": _hash(token)})


def revoke_all(db: Database, user_id: uuid.UUID) -> int:
    """Sign ``user_id`` out everywhere; how many sessions (and codes) were live."""
    with db.session() as s:
        return len(s.execute(text("UPDATE auth_sessions SET revoked_at = now() WHERE user_id = :u "
                                  "AND revoked_at IS NULL RETURNING id"), {"u": user_id}).all())


# ---------------------------------------------------------------- signed values


def cookie_value(key: bytes, token: str) -> str:
    return f"{token}.{_mac(key, 'cookie', token)}"


def token_from_cookie(key: bytes, value: str | None) -> str | None:
    """The session token of a cookie whose signature holds, else None."""
    if not value or len(value) > 200:
        return None
    token, _, mac = value.rpartition(".")
    return token if token and hmac.compare_digest(mac, _mac(key, "cookie", token)) else None


def binding(token: str) -> str:
    """What ties a Streamlit session to the browser's cookie: the token's hash (not the token)."""
    return _hash(token)


@dataclass(frozen=True)
class Grant:
    """A download link's content: who may fetch which file, until when, shown inline or saved."""

    user_id: uuid.UUID
    item_id: uuid.UUID
    expires: int
    inline: bool


def sign_download(key: bytes, user_id: uuid.UUID, item_id: uuid.UUID, seconds: float, inline: bool = False) -> str:
    payload = f"{user_id.hex}.{item_id.hex}.{int(time.time() + seconds)}.{'i' if inline else 'a'}"
    return f"{payload}.{_mac(key, 'download', payload)}"


def verify_download(key: bytes, token: str) -> Grant | None:
    """The grant of a download token that is intact and unexpired, else None."""
    payload, _, mac = token.rpartition(".")
    if len(token) > 300 or not hmac.compare_digest(mac, _mac(key, "download", payload)):
        return None
    try:
        user, item, expires, mode = payload.split(".")
        grant = Grant(uuid.UUID(user), uuid.UUID(item), int(expires), mode == "i")
    except ValueError:
        return None
    return grant if grant.expires >= time.time() else None
