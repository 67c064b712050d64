"""Request size limits (413 before or while the body arrives) and redaction of tokens from every log line."""

from __future__ import annotations

import contextlib
import json
import logging
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drive.api.problems import PROBLEM, problem_body
from drive.settings import Settings

FORM_OVERHEAD = 1024 * 1024  # multipart boundaries and headers around an upload's bytes
UPLOAD_PATH = "/api/v1/files"


class BodyTooLarge(Exception):
    """The body went past the limit; the middleware answers 413 in place of whatever the app says."""


class BodyLimit:
    """Refuses a declared Content-Length over the limit at once, and cuts off a longer streamed body."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.upload_limit = settings.max_upload_bytes + FORM_OVERHEAD
        self.body_limit = settings.api_max_body_bytes

    def limit_for(self, scope: Scope) -> int:
        is_upload = scope["method"] == "POST" and scope["path"].rstrip("/") == UPLOAD_PATH
        return self.upload_limit if is_upload else self.body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit, scope["path"])
            return
        seen, over, started = 0, False, False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if over:  # the app's own answer to the cut-off body (e.g. "cannot parse") is replaced below
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(BodyTooLarge):
            await self.app(scope, counted, guarded)
        if over and not started:
            await _too_large(send, limit, scope["path"])


async def _too_large(send: Send, limit: int, path: str) -> None:
    body = json.dumps(problem_body(413, f"the request is larger than the {limit:,}-byte limit", path)).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


_SECRET = re.compile(r"(tdr_[A-Za-z0-9_\-]+|Bearer\s+\S+)", re.IGNORECASE)


class RedactTokens(logging.Filter):
    """Replaces anything that looks like a token in a log record, whoever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET.search(message):
            record.msg, record.args = _SECRET.sub("[redacted]", message), None
        return True


def redact_logs(*names: str) -> None:
    """Put the redaction on every handler of these loggers (and the root), where records from children arrive."""
    redact = RedactTokens()
    for name in ("", *names):
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if not any(isinstance(f, RedactTokens) for f in handler.filters):
                handler.addFilter(redact)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(redact)


