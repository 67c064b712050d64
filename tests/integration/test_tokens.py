"""API tokens in the real database: shown once, stored only as a hash, revocable, scoped to their owner."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from sqlalchemy import text

from drive.core import Drive
from drive.errors import NotFound
from drive.store import tokens


def test_token_is_stored_hashed_authenticates_its_owner_until_revoked(drive: Drive) -> None:
    owner = drive.user_id(f"t{uuid.uuid4().hex[:8]}")
    info, token = tokens.create(drive.db, owner, "laptop")
    assert token.startswith("tdr_") and len(token) > 40 and info.prefix == token[:12]
    with drive.db.session() as s:
        row = s.execute(text("SELECT * FROM api_tokens WHERE id = :i"), {"i": info.id}).mappings().one()
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(v) for v in row.values()}, "the token itself is never stored"
    assert tokens.authenticate(drive.db, token) == owner
    assert tokens.list_tokens(drive.db, owner)[0].last_used_at is not None
    assert tokens.authenticate(drive.db, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    other = drive.user_id(f"t{uuid.uuid4().hex[:8]}")
    with pytest.raises(NotFound):
        tokens.revoke(drive.db, info.id, owner=other)
    assert tokens.authenticate(drive.db, token) == owner, "another user cannot revoke it"
    assert tokens.revoke(drive.db, info.id, owner=owner).revoked_at is not None
    assert tokens.authenticate(drive.db, token) is None
    assert [t.id for t in tokens.list_tokens(drive.db, owner)] == [info.id]
    assert tokens.list_tokens(drive.db, other) == []
