"""A user with many passages in a drive shared with others gets a vector index of their own; it answers their
searches with exactly their nearest passages, and goes away when their files do."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from drive.core import Drive
from drive.jobs.drain import drain
from drive.jobs.worker import Worker
from drive.ml.models import Models
from drive.service import DriveService
from drive.settings import Settings
from drive.store.chunks import vector_literal
from drive.store.owner_index import index_name, owner_indexes
from rag.search.retrieve import vector_search
from rag.types import Scope
from tests.conftest import ingest_only, make_settings

TOPICS = ["glaciers", "volcanoes", "coral reefs", "deserts", "rainforests", "tundra", "estuaries", "caves"]


def document(topic: str, n: int) -> bytes:
    lines = [f"Note {n}.{i} on {topic}: observation {i} describes how {topic} change with season {i % 4} "
             f"and what field team {n} measured at site {i}." for i in range(30)]
    return " ".join(lines).encode()  # about 3,500 characters: several passages


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The conftest ``drive`` with a threshold a test can reach: a user of six passages gets an index."""
    return make_settings(tmp_path / "home", database_url, THEDRIVE_OWNER_INDEX_MIN_CHUNKS=6)


def test_a_large_user_gets_an_index_that_returns_their_exact_nearest_passages(
    drive: Drive, worker: Worker, models: Models
) -> None:
    mine = drive.service(drive.user_id(f"big{uuid.uuid4().hex[:8]}"))
    theirs = drive.service(drive.user_id(f"oth{uuid.uuid4().hex[:8]}"))
    ids = [mine.upload(io.BytesIO(document(t, n)), f"{t}-{n}.txt").id for n, t in enumerate(TOPICS[:3])]
    for n, t in enumerate(TOPICS):
        theirs.upload(io.BytesIO(document(t, n)), f"{t}-{n}.txt")
    ingest_only(drive, models)
    with drive.db.engine.begin() as conn:
        conn.execute(text("ANALYZE chunks"))  # what autovacuum does on a real drive: the row estimate the job reads
    drain(worker)
    with drive.db.engine.connect() as conn:
        assert index_name(mine.owner) in owner_indexes(conn)
    qvec = models.embedder.embed(["how do coral reefs change with the season"])[0]
    assert nearest_through_own_index(drive, mine, qvec) == exact(drive, mine, qvec)
    for item in ids:
        mine.delete(item)
    drain(worker)
    with drive.db.engine.connect() as conn:
        assert index_name(mine.owner) not in owner_indexes(conn)


def nearest_through_own_index(drive: Drive, svc: DriveService, qvec: object) -> list[int]:
    with drive.db.session() as s:
        s.execute(text("SET LOCAL enable_sort = off"))  # steer a tiny table to an index scan, as at 100k passages
        plan = "\n".join(s.execute(text(
            "EXPLAIN SELECT id FROM chunks WHERE owner_id = :o ORDER BY embedding <=> CAST(:q AS vector) LIMIT 5"),
            {"o": svc.owner, "q": vector_literal(qvec)}).scalars())
        assert index_name(svc.owner) in plan
        found = vector_search(Scope(s, svc.owner), qvec, k=5)
    assert {p.file for p in found} <= {f"{t}-{n}.txt" for n, t in enumerate(TOPICS[:3])}
    return [p.chunk_id for p in found]


def exact(drive: Drive, svc: DriveService, qvec: object) -> list[int]:
    with drive.db.session() as s:
        s.execute(text("SET LOCAL enable_indexscan = off"))  # every one of the owner's vectors, sorted exactly
        return list(s.execute(text("""SELECT id FROM chunks WHERE owner_id = :o
                                      ORDER BY embedding <=> CAST(:q AS vector) LIMIT 5"""),
                              {"o": svc.owner, "q": vector_literal(qvec)}).scalars())
