"""Per-owner vector indexes: a user holding many chunks of a table shared with others gets an HNSW index of their own.

Why: vector search filters the shared HNSW index by owner. For a user with a tenth of a million-chunk table the
filtered scan must wade through other users' neighbours, and even with iterative scans it stops before finding the
true nearest (bench/scale.py: recall@10 0.86, p95 380 ms). A partial index ``WHERE owner_id = '<owner>'`` holds
only their vectors, and the planner picks it for their queries (recall@10 0.95, p95 35 ms; built in 60 s).
A user with most of the table (a one-person drive) is served by the shared index already and gets none; a small
user's few vectors are sorted exactly.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

PREFIX = "chunks_embedding_owner_"


class Action(enum.Enum):
    NONE = "none"
    CREATE = "create"
    DROP = "drop"
    REBUILD = "rebuild"  # a build that was interrupted leaves an invalid index behind


@dataclass(frozen=True)
class IndexState:
    owner_chunks: int
    total_chunks: int
    exists: bool
    valid: bool


def index_name(owner: uuid.UUID) -> str:
    return PREFIX + owner.hex  # 55 characters: within PostgreSQL's 63


def decide(state: IndexState, min_chunks: int) -> Action:
    """What to do with an owner's index. Built at ``min_chunks`` when others hold at least as much; dropped only
    below half of it, so an owner hovering at the threshold does not build and drop it over and over."""
    wanted = state.owner_chunks >= min_chunks and 2 * state.owner_chunks <= state.total_chunks
    if state.exists and not state.valid:
        return Action.REBUILD if wanted else Action.DROP
    if state.exists:
        return Action.DROP if state.owner_chunks < min_chunks // 2 else Action.NONE
    return Action.CREATE if wanted else Action.NONE


def read_state(conn: Connection, owner: uuid.UUID) -> IndexState:
    owned = int(conn.execute(text("SELECT count(*) FROM chunks WHERE owner_id = :o"), {"o": owner}).scalar_one())
    # The planner's row estimate is enough to compare shares, and free; a never-analysed table reads -1.
    estimate = float(conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'chunks'::regclass")).scalar_one())
    total = int(estimate) if estimate >= 0 else int(conn.execute(text("SELECT count(*) FROM chunks")).scalar_one())
    found = conn.execute(
        text("""SELECT x.indisvalid FROM pg_class c JOIN pg_index x ON x.indexrelid = c.oid
                WHERE c.relname = :n AND c.relnamespace = 'public'::regnamespace"""),
        {"n": index_name(owner)},
    ).first()
    return IndexState(owned, max(total, owned), found is not None, bool(found and found.indisvalid))


def sync(engine: Engine, owner: uuid.UUID, min_chunks: int, memory_mb: int) -> Action:
    """Create, rebuild or drop the owner's index as ``decide`` says; returns what was done.

    ``CONCURRENTLY``: uploads and searches go on while it builds (it needs its own, non-transactional connection)."""
    with engine.connect() as conn:
        action = decide(read_state(conn, owner), min_chunks)
        conn.rollback()
    if action is Action.NONE:
        return action
    name = index_name(owner)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if action in (Action.DROP, Action.REBUILD):
            conn.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
        if action in (Action.CREATE, Action.REBUILD):
            conn.execute(text(f"SET maintenance_work_mem = '{int(memory_mb)}MB'"))
            # The owner id is a UUID (never user text), inlined because a partial index's predicate is a constant.
            conn.execute(text(f"""CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON chunks
                                  USING hnsw (embedding vector_cosine_ops) WHERE owner_id = '{uuid.UUID(str(owner))}'"""))
    return action


def owner_indexes(conn: Connection) -> list[str]:
    """The names of the per-owner indexes there are (for the benchmark and the tests)."""
    return list(conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE :p"),
                             {"p": PREFIX + "%"}).scalars())
