"""Bearer tokens: every endpoint but health and the OpenAPI document acts as its token's user.

Bad tokens from one client are slowed down: each failure doubles the wait imposed on that client's
next requests (up to ``api_auth_max_delay``) until it presents a good token or stays quiet for a while.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

from fastapi import Request
from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from drive.api.problems import problem
from drive.store import tokens

bearer = HTTPBearer(auto_error=False, description="an API token: `python -m drive token create --user NAME`")
CHALLENGE = {"WWW-Authenticate": "Bearer"}
FIRST_DELAY = 0.1  # seconds after the first bad token
FORGET_AFTER = 600.0  # a client without failures for this long starts afresh
MAX_CLIENTS = 10_000  # remembered at once; the oldest are forgotten first


class Backoff:
    """Failed attempts per client (address) and the wait they earn."""

    def __init__(self, max_delay: float) -> None:
        self.max_delay = max_delay
        self._failures: dict[str, tuple[int, float]] = {}  # client -> (count, time of the last failure)
        self._lock = threading.Lock()

    def delay(self, client: str) -> float:
        with self._lock:
            count, last = self._failures.get(client, (0, 0.0))
            if count and time.monotonic() - last > FORGET_AFTER:
                self._failures.pop(client, None)
                return 0.0
        return 0.0 if count == 0 else min(self.max_delay, FIRST_DELAY * 2 ** (count - 1))

    def failed(self, client: str) -> None:
        with self._lock:
            count, _ = self._failures.pop(client, (0, 0.0))
            self._failures[client] = (count + 1, time.monotonic())
            while len(self._failures) > MAX_CLIENTS:
                self._failures.pop(next(iter(self._failures)))

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


PUBLIC = ("/api/v1/health", "/api/v1/openapi.json", "/api/v1/docs", "/api/v1/docs/oauth2-redirect")
DOCS_ASSETS = "/api/v1/docs-assets/"  # Swagger UI's own scripts and styles (no user data)


class TokenGate:
    """Authenticates every API request before anything reads its body: an upload without a valid token
    is refused at its headers, never spooled. The owner goes into the request's state for ``deps.context``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/") or path.rstrip("/") in PUBLIC \
                or path.startswith(DOCS_ASSETS):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            owner = await authenticate(request)
        except HTTPException as exc:
            await problem(exc.status_code, str(exc.detail), path, headers=CHALLENGE)(scope, receive, send)
            return
        scope.setdefault("state", {})["owner"] = owner
        await self.app(scope, receive, send)


async def authenticate(request: Request) -> uuid.UUID:
    """The token's owner; 401 for a missing, unknown or revoked token (never saying which)."""
    state = request.app.state.api
    client = request.client.host if request.client else "unknown"
    wait = state.backoff.delay(client)
    if wait:
        await asyncio.sleep(wait)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "an API token is required: Authorization: Bearer <token>", headers=CHALLENGE)
    owner = await run_in_threadpool(tokens.authenticate, state.drive.db, token.strip())
    if owner is None:
        state.backoff.failed(client)
        raise HTTPException(401, "the API token is not valid (unknown or revoked)", headers=CHALLENGE)
    state.backoff.succeeded(client)
    return owner
