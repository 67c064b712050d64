"""Migration 0008 on a drive that already has users whose names differ only by case or Unicode form:
the oldest keeps the name, the later ones are disabled (files kept) and listed, and the fold is unique."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from drive.store.db import MIGRATIONS, Database, make_engine
from drive.store.users import AuthError, list_users, sign_up


@pytest.fixture
def fresh_database(database_url: str) -> Iterator[str]:
    """A database of its own on the session's server (the migration test needs the schema before 0008)."""
    name = f"mig{uuid.uuid4().hex[:10]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _upgrade(engine: Engine, target: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)


def test_existing_case_twins_keep_the_oldest_and_the_fold_becomes_unique(fresh_database: str) -> None:
    engine = make_engine(fresh_database)
    try:
        _upgrade(engine, "0007")
        with engine.begin() as c:
            c.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
            for n, name in enumerate(("alice", "Alice", "ＡＬＩＣＥ", "bob")):
                c.execute(text("INSERT INTO users (id, name, created_at) VALUES (:id, :n, "
                               "now() + make_interval(secs => :s))"), {"id": uuid.uuid4(), "n": name, "s": n})
        _upgrade(engine, "head")
        db = Database(engine)
        users = {u.name: u for u in list_users(db)}
        assert users["alice"].disabled_at is None and users["bob"].disabled_at is None
        assert users["Alice"].disabled_at is not None and users["ＡＬＩＣＥ"].disabled_at is not None
        with pytest.raises(AuthError, match="taken"):
            sign_up(db, "ALICE", "sunlit harbor crane", client="t")
        assert sign_up(db, "Carol", "sunlit harbor crane", client="t")
    finally:
        engine.dispose()
