"""The PostgreSQL-backed job queue: enqueue, claim (SKIP LOCKED), heartbeat, finish, retry.

A job whose worker died (no heartbeat for ``stale_seconds``) is claimed again by another worker.
Enqueueing a key that is already queued debounces it instead of adding a second job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

INGEST = "ingest"
GRAPH = "graph"
COMMUNITIES = "communities"
OWNER_INDEX = "owner_index"
# Claim order among due jobs: make files searchable first, then add them to the graph, then
# recompute communities once the graph has settled; an owner's own vector index (a speed-up) comes last.
PRIORITY = {INGEST: 0, GRAPH: 1, COMMUNITIES: 2, OWNER_INDEX: 3}
_RANK = "CASE kind " + " ".join(f"WHEN '{k}' THEN {n}" for k, n in PRIORITY.items()) + f" ELSE {len(PRIORITY)} END"


@dataclass(frozen=True)
class JobRecord:
    id: int
    kind: str
    owner_id: uuid.UUID
    item_id: uuid.UUID | None
    attempts: int


def enqueue(
    session: Session,
    kind: str,
    owner_id: uuid.UUID,
    item_id: uuid.UUID | None = None,
    *,
    delay: float = 0.0,
    dedupe_key: str | None = None,
) -> None:
    """Queue a job in the caller's transaction, so it exists exactly when the change that needs it does."""
    key = dedupe_key or f"{kind}:{item_id or owner_id}"
    session.execute(
        text(
            """
            INSERT INTO jobs (kind, owner_id, item_id, dedupe_key, status, attempts, run_after, created_at)
            VALUES (:kind, :owner, :item, :key, 'queued', 0, now() + make_interval(secs => :delay), now())
            ON CONFLICT (dedupe_key) WHERE status = 'queued'
            DO UPDATE SET run_after = greatest(jobs.run_after, excluded.run_after)
            """
        ),
        {"kind": kind, "owner": owner_id, "item": item_id, "key": key, "delay": delay},
    )


def enqueue_owner_upkeep(session: Session, owner_id: uuid.UUID, delay: float) -> None:
    """After an owner's files changed: recompute their communities and check their vector index, once the
    changes settle (both debounced)."""
    enqueue(session, COMMUNITIES, owner_id, delay=delay)
    enqueue(session, OWNER_INDEX, owner_id, delay=delay)


def claim(engine: Engine, worker: str, stale_seconds: float, kinds: tuple[str, ...] | None = None) -> JobRecord | None:
    """Take the most urgent runnable job (queued and due, or running with a stale heartbeat):
    by kind (``PRIORITY``), then the oldest."""
    kind_filter = "AND kind = ANY(:kinds)" if kinds else ""
    sql = f"""
        UPDATE jobs SET status = 'running', locked_by = :worker, heartbeat_at = now(), started_at = now(),
                        attempts = attempts + 1
        WHERE id = (
            SELECT id FROM jobs
            WHERE ((status = 'queued' AND run_after <= now())
                   OR (status = 'running' AND heartbeat_at < now() - make_interval(secs => :stale)))
            {kind_filter}
            ORDER BY {_RANK}, run_after, id
            FOR UPDATE SKIP LOCKED
            LIMIT 1)
        RETURNING id, kind, owner_id, item_id, attempts
    """
    with engine.begin() as conn:
        row = conn.execute(
            text(sql), {"worker": worker, "stale": stale_seconds, "kinds": list(kinds or ())}
        ).first()
    return JobRecord(row.id, row.kind, row.owner_id, row.item_id, row.attempts) if row else None


def heartbeat(engine: Engine, job_id: int, worker: str) -> bool:
    """Refresh the lease; False when the job is gone (item deleted) or was taken over."""
    with engine.begin() as conn:
        result = conn.execute(
            text("UPDATE jobs SET heartbeat_at = now() WHERE id = :id AND locked_by = :w AND status = 'running'"),
            {"id": job_id, "w": worker},
        )
    return bool(result.rowcount)


def finish(engine: Engine, job_id: int, *, error: str | None = None, worker: str | None = None) -> None:
    """Mark a job done (or failed). With ``worker``, only while that worker still holds it: a job handed
    back or taken over meanwhile is someone else's to finish."""
    status = "failed" if error else "done"
    held = " AND locked_by = :w AND status = 'running'" if worker else ""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE jobs SET status = :s, last_error = :e, finished_at = now() WHERE id = :id" + held),
            {"s": status, "e": error, "id": job_id, "w": worker},
        )


def release(engine: Engine, job_id: int, worker: str) -> None:
    """Hand a running job back to the queue, due now, without counting the attempt (its worker is
    stopping, the job did not fail). If an identical job was queued meanwhile, that one supersedes it."""
    with engine.begin() as conn:
        result = conn.execute(
            text(
                """UPDATE jobs SET status = 'queued', locked_by = NULL, run_after = now(),
                   attempts = greatest(attempts - 1, 0)
                   WHERE id = :id AND locked_by = :w AND status = 'running' AND NOT EXISTS (
                       SELECT 1 FROM jobs q WHERE q.dedupe_key = jobs.dedupe_key AND q.status = 'queued')"""
            ),
            {"id": job_id, "w": worker},
        )
        if not result.rowcount:
            conn.execute(
                text("""UPDATE jobs SET status = 'done', finished_at = now()
                        WHERE id = :id AND locked_by = :w AND status = 'running'"""),
                {"id": job_id, "w": worker},
            )


def hasten(engine: Engine, owner_id: uuid.UUID, kind: str) -> None:
    """Make an owner's queued job of this kind due now (``add --wait`` does not wait out a debounce)."""
    with engine.begin() as conn:
        conn.execute(
            text("""UPDATE jobs SET run_after = now()
                    WHERE owner_id = :o AND kind = :k AND status = 'queued' AND run_after > now()"""),
            {"o": owner_id, "k": kind},
        )


def retry_later(engine: Engine, job_id: int, error: str, delay: float) -> None:
    """Put a job back in the queue after a transient failure (exponential backoff chosen by the caller)."""
    with engine.begin() as conn:
        result = conn.execute(
            text(
                """UPDATE jobs SET status = 'queued', locked_by = NULL, last_error = :e,
                   run_after = now() + make_interval(secs => :d)
                   WHERE id = :id AND NOT EXISTS (
                       SELECT 1 FROM jobs q WHERE q.dedupe_key = jobs.dedupe_key AND q.status = 'queued')"""
            ),
            {"e": error, "d": delay, "id": job_id},
        )
    if not result.rowcount:  # a newer identical job is already queued: it supersedes this one
        finish(engine, job_id)


def pending_count(engine: Engine, owner_id: uuid.UUID | None = None, kind: str | None = None,
                  kinds: tuple[str, ...] = ()) -> int:
    """Jobs queued or running: all, or an owner's, of one kind or of several."""
    sql = "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
    params: dict[str, object] = {}
    if owner_id:
        sql += " AND owner_id = :o"
        params["o"] = owner_id
    if kind:
        kinds = (*kinds, kind)
    if kinds:
        sql += " AND kind = ANY(:k)"
        params["k"] = list(kinds)
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def busy_items(engine: Engine, item_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those of these items that still have a job queued or running (ingest or graph)."""
    if not item_ids:
        return set()
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT DISTINCT item_id FROM jobs WHERE item_id = ANY(:ids) AND status IN ('queued', 'running')"),
            {"ids": item_ids},
        ).scalars()
        return set(rows)


@dataclass(frozen=True)
class FileProgress:
    """Where one file stands: its status (None when deleted) and whether a job of it is queued or running."""

    status: str | None
    busy: bool


def file_progress(engine: Engine, owner_id: uuid.UUID, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, FileProgress]:
    """Progress of many files in one query (``add --wait`` polls hundreds of them)."""
    if not item_ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                """SELECT i.id, i.status, EXISTS (
                       SELECT 1 FROM jobs j WHERE j.item_id = i.id AND j.status IN ('queued', 'running')) AS busy
                   FROM items i WHERE i.owner_id = :o AND i.id = ANY(:ids)"""
            ),
            {"o": owner_id, "ids": item_ids},
        ).all()
    found = {r.id: FileProgress(r.status, bool(r.busy)) for r in rows}
    return {i: found.get(i, FileProgress(None, False)) for i in item_ids}
