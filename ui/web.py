"""The app's own HTTP routes beside Streamlit's, served together by ``web.py`` (``st.App``).

- ``/auth/session?code=…``: trades a one-time sign-in code (made by the sign-in form) for a session
  token in an HttpOnly, SameSite=Strict, signed, expiring cookie; the page then reloads signed in.
- ``/auth/signout``: revokes the browser's session and clears the cookie.
- ``/download/<token>``: a file's bytes, for a link signed for one user and one file, short-lived, and
  (accounts on) only to a browser whose session cookie is that user's: a copied link fails elsewhere.
  File bytes never go through Streamlit's public media store.

``BindSession`` puts a hash of the session cookie into a header Streamlit copies into the session's
identity (``server.trustedUserHeaders``): Streamlit reconnects a session id only for a connection with
the same identity, so a leaked session id without the cookie gets a new, signed-out session.
"""

from __future__ import annotations

import hashlib
import mimetypes
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from drive.api.ranges import parse_range
from drive.errors import DriveError
from drive.records import ItemKind
from drive.store import sessions

COOKIE = "thedrive_session"
BINDING_HEADER = b"x-thedrive-binding"
UPLOAD_PATH = "/_stcore/upload_file/"
SESSION_ROUTE, SIGNOUT_ROUTE, DOWNLOAD_ROUTE = "/auth/session", "/auth/signout", "/download/"
# Shown inline (previews) only when the browser cannot run them as a page; everything else downloads.
INLINE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain")
_served = False


def served() -> bool:
    """Whether this process serves the routes (started with ``streamlit run web.py``)."""
    return _served


def routes() -> list[Route]:
    global _served
    _served = True
    return [Route(SESSION_ROUTE, start_session), Route(SIGNOUT_ROUTE, sign_out),
            Route(DOWNLOAD_ROUTE + "{token}", download)]


def middleware() -> list[Middleware]:
    return [Middleware(BindSession)]


def cookie_binding(raw_cookie: str | None) -> str | None:
    return hashlib.sha256(raw_cookie.encode()).hexdigest() if raw_cookie else None


class BindSession:
    """Replaces any client-sent binding header with the hash of the request's session cookie, and refuses
    uploads into a Streamlit session from a browser without that session's cookie (the session id is in
    the upload URL, so it is no secret)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != BINDING_HEADER]
            bound = cookie_binding(HTTPConnection(scope).cookies.get(COOKIE))
            if bound:
                headers.append((BINDING_HEADER, bound.encode()))
            scope = {**scope, "headers": headers}
            if scope["type"] == "http" and UPLOAD_PATH in scope.get("path", "") and not _owns_upload(scope, bound):
                await PlainTextResponse("This upload is not for your session.", status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _owns_upload(scope: Scope, bound: str | None) -> bool:
    """Whether the session named in an upload URL was connected with this request's cookie (or no cookie
    on both sides). Unknown sessions are left to Streamlit, which refuses them."""
    from streamlit import runtime

    session_id = scope["path"].split(UPLOAD_PATH, 1)[1].split("/", 1)[0]
    client = runtime.get_instance().get_client(session_id) if runtime.exists() else None
    context = client.client_context if client is not None else None
    if context is None:
        return True
    return cookie_binding(context.cookies.get(COOKIE)) == bound


def _drive() -> Any:
    from ui import resources

    return resources.drive()


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _cross_site(request: Request) -> bool:
    """Sent by another site's page (a link or form there): never allowed to sign in or out."""
    return request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none")


async def start_session(request: Request) -> Response:
    """One-time code -> session cookie -> back to the app. Only from the app's own page (not cross-site)."""
    if _cross_site(request):
        return PlainTextResponse("Sign in from TheDrive's own page.", status_code=403)
    drive = await run_in_threadpool(_drive)
    key = await run_in_threadpool(sessions.signing_key, drive.db)
    old = sessions.token_from_cookie(key, request.cookies.get(COOKIE))
    token = await run_in_threadpool(sessions.redeem_code, drive.db, request.query_params.get("code", "")[:100],
                                    drive.settings.session_hours * 3600, old)
    if token is None:
        return RedirectResponse("/?signin=expired", status_code=303)
    response = RedirectResponse(_local_path(request.query_params.get("next")), status_code=303)
    response.set_cookie(COOKIE, sessions.cookie_value(key, token), max_age=int(drive.settings.session_hours * 3600),
                        httponly=True, samesite="strict", secure=_secure(request), path="/")
    response.headers["Cache-Control"] = "no-store"
    return response


async def sign_out(request: Request) -> Response:
    if _cross_site(request):
        return PlainTextResponse("Sign out from TheDrive's own page.", status_code=403)
    drive = await run_in_threadpool(_drive)
    key = await run_in_threadpool(sessions.signing_key, drive.db)
    token = sessions.token_from_cookie(key, request.cookies.get(COOKIE))
    if token:
        await run_in_threadpool(sessions.revoke, drive.db, token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response


def _local_path(target: str | None) -> str:
    """Only a path on this server (never ``//host`` or a URL): no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def download(request: Request) -> Response:
    """The file of a valid link; 404 (the same whatever failed) for anyone else or after expiry."""
    drive = await run_in_threadpool(_drive)
    key = await run_in_threadpool(sessions.signing_key, drive.db)
    grant = sessions.verify_download(key, request.path_params["token"])
    if grant is None or not await run_in_threadpool(_may_fetch, drive, request, key, grant.user_id):
        return PlainTextResponse("This link has expired or is not yours.", status_code=404,
                                 headers={"Cache-Control": "no-store"})
    try:
        return await run_in_threadpool(_file_response, drive, request, grant)
    except DriveError:
        return PlainTextResponse("This file is no longer in the drive.", status_code=404)


def _may_fetch(drive: Any, request: Request, key: bytes, user_id: uuid.UUID) -> bool:
    """Accounts off: the link is enough (one local user). On: the browser's session must be the link's user."""
    if not drive.settings.accounts:
        return True
    token = sessions.token_from_cookie(key, request.cookies.get(COOKIE))
    user = sessions.session_user(drive.db, token) if token else None
    return user is not None and user.id == user_id


def _file_response(drive: Any, request: Request, grant: sessions.Grant) -> Response:
    svc = drive.service(grant.user_id)
    info = svc.get(grant.item_id)
    if info.kind != ItemKind.FILE:
        raise DriveError("not a file")
    wanted = parse_range(request.headers.get("range"), info.size)
    if wanted == "unsatisfiable":
        return Response(status_code=416, headers={"Content-Range": f"bytes */{info.size}"})
    start, end = wanted or (0, max(info.size - 1, 0))
    _, pieces = svc.open(grant.item_id, start, end if info.size else None)
    first = next(pieces, b"")  # a missing blob fails here, before any header is sent
    mime = info.mime or mimetypes.guess_type(info.name)[0] or "application/octet-stream"
    inline = grant.inline and mime in INLINE_TYPES
    headers = {
        "Content-Disposition": _disposition(info.name, inline), "Accept-Ranges": "bytes",
        "Content-Length": str(end - start + 1 if info.size else 0), "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox", "Cache-Control": "private, no-store",
    }
    if wanted:
        headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
    return StreamingResponse(_chain(first, pieces), status_code=206 if wanted else 200,
                             media_type=mime if inline else "application/octet-stream", headers=headers)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def _disposition(name: str, inline: bool) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
