"""``thedrive status``: what is in use (database, storage, models, LLM) and whether each answers."""

from __future__ import annotations

import uuid
from typing import Any

from drive.core import Drive
from drive.service import DriveService
from drive.store import queue as jobs


def _probe(using: str, fn: Any) -> dict[str, Any]:
    try:
        return {"using": using, "ok": True, "state": str(fn())}
    except Exception as exc:  # noqa: BLE001 - status reports every failure instead of raising
        return {"using": using, "ok": False, "state": f"{type(exc).__name__}: {exc}"}


def check(drive: Drive, svc: DriveService) -> dict[str, dict[str, Any]]:
    settings = drive.settings
    db_using = "embedded PostgreSQL in " + str(settings.pg_dir) if not settings.database_url else "DATABASE_URL"
    report = {
        "database": _probe(db_using, lambda: drive.db.ping().split(" on ")[0]),
        "storage": _probe(drive.store.describe(), lambda: _storage_probe(drive)),
        "queue": _probe("PostgreSQL job queue", lambda: f"{jobs.pending_count(drive.db.engine, svc.owner)} job(s) waiting"),
        "embedder": _probe(settings.embedder, lambda: _embed_probe(drive)),
        "llm": _probe(settings.llm_model if settings.llm_enabled else "none (extractive answers)",
                      lambda: _llm_probe(drive)),
    }
    return report


def _storage_probe(drive: Drive) -> str:
    next(iter(drive.store.list_keys(f"{uuid.uuid4()}/")), None)
    return "reachable"


def _embed_probe(drive: Drive) -> str:
    from drive.ml.embedder import make_embedder

    embedder = make_embedder(drive.settings)
    vec = embedder.embed(["status check"])
    return f"{embedder.name}, {vec.shape[1]} dimensions"


def _llm_probe(drive: Drive) -> str:
    from drive.ml.chat import Message, make_chat_model

    chat = make_chat_model(drive.settings)
    if chat is None:
        return "not configured"
    reply = chat.complete([Message("user", "Reply with the single word: ok")])
    return f"answers ({reply.strip()[:20]!r})"
