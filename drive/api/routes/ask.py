"""``POST /ask``: the JSON of ``ask --json``, or Server-Sent Events (``token`` events as the answer grows,
then one ``answer`` event with the full JSON, or one ``error`` event)."""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from drive.api.deps import Auth, Ctx
from drive.api.problems import problem_body, status_of
from drive.api.schemas import AnswerOut, AskIn, Problem, SessionIn, SessionOut
from drive.errors import DriveError, NotFound
from drive.store import chats
from rag.types import Answer, Filters

log = logging.getLogger(__name__)
router = APIRouter(tags=["ask"])
SSE = "text/event-stream"


@router.post("/ask", response_model=AnswerOut, responses={
    200: {"content": {SSE: {"description": "events: token {text} ..., then answer (AnswerOut) or error (Problem)"}}},
    404: {"model": Problem, "description": "no such folder or conversation"}})
def ask_route(ctx: Auth, body: AskIn, request: Request) -> Any:
    """Ask the drive; the answer cites file, page and passage. ``"stream": true`` or ``Accept:
    text/event-stream`` streams it."""
    filters = Filters(
        folder=ctx.svc.resolve(body.folder).id if body.folder else None,
        extensions=tuple(body.type or ()),
        since=datetime.fromisoformat(body.since) if body.since else None,
    )
    session_id = _own_session(ctx, body.session_id)
    run = _runner(ctx, body, filters, session_id)
    if body.stream or SSE in request.headers.get("accept", ""):
        return StreamingResponse(sse_events(run), media_type=SSE,
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    return run(None).to_json()


@router.post("/sessions", status_code=201, response_model=SessionOut)
def new_session(ctx: Auth, body: SessionIn) -> Any:
    """A conversation: pass its id as ``session_id`` to ``/ask`` so follow-up questions see what came before."""
    session_id = chats.create_session(ctx.drive.db, ctx.svc.owner, body.title or "New chat")
    return {"id": str(session_id), "title": body.title or "New chat"}


def _own_session(ctx: Ctx, session_id: str | None) -> uuid.UUID | None:
    """The caller's conversation, checked before any answer starts streaming (another's is a 404)."""
    if session_id is None:
        return None
    try:
        sid = uuid.UUID(session_id)
    except ValueError as exc:
        raise NotFound(f"no such conversation: {session_id}") from exc
    chats.messages(ctx.drive.db, ctx.svc.owner, sid)
    return sid


def _runner(ctx: Ctx, body: AskIn, filters: Filters, session_id: uuid.UUID | None
            ) -> Callable[[Callable[[str], None] | None], Answer]:
    from rag.ask import ask

    def run(on_token: Callable[[str], None] | None) -> Answer:
        return ask(ctx.drive, ctx.models, ctx.svc.owner, body.question, mode=body.mode, session_id=session_id,
                   on_token=on_token, filters=filters)

    return run


def event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def sse_events(run: Callable[[Callable[[str], None] | None], Answer]) -> Iterator[str]:
    """Answer in a thread, passing its tokens on as they come. An extractive answer (no model) has no
    tokens of its own: its text goes out as one ``token`` event, so every client sees the same sequence."""
    pieces: queue.Queue[tuple[str, Any]] = queue.Queue()

    def work() -> None:
        try:
            pieces.put(("answer", run(lambda piece: pieces.put(("token", piece)))))
        except Exception as exc:  # noqa: BLE001 - reported to the client as an error event
            pieces.put(("error", exc))

    threading.Thread(target=work, name="thedrive-ask", daemon=True).start()
    streamed = False
    while True:
        kind, value = pieces.get()
        if kind == "token":
            streamed = True
            yield event("token", {"text": value})
        elif kind == "answer":
            if not streamed:
                yield event("token", {"text": value.text})
            yield event("answer", value.to_json())
            return
        else:
            if isinstance(value, DriveError):
                yield event("error", problem_body(status_of(value), str(value)))
            else:
                log.error("answering failed", exc_info=value)
                yield event("error", problem_body(500, "internal error"))
            return
