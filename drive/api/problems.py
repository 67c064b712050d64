"""Errors as ``application/problem+json`` (RFC 9457): one table maps the drive's exceptions to statuses."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from drive.errors import (
    ConfigError,
    DriveError,
    EmptyFile,
    InvalidMove,
    InvalidName,
    ModelError,
    NameClash,
    NotFound,
    PermanentError,
    StorageError,
    TooLarge,
    TransientError,
)
from drive.store.users import AuthError

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"

# First match wins: ModelUnavailable is both a TransientError and a ModelError.
STATUS_OF: list[tuple[type[DriveError], int]] = [
    (NotFound, 404), (NameClash, 409), (InvalidMove, 409), (InvalidName, 422), (EmptyFile, 422),
    (TooLarge, 413), (AuthError, 401), (TransientError, 503), (StorageError, 503), (ModelError, 502),
    (ConfigError, 500), (PermanentError, 422), (DriveError, 400),
]


def status_of(exc: DriveError) -> int:
    return next(status for kind, status in STATUS_OF if isinstance(exc, kind))


def problem_body(status: int, detail: str, instance: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
                            "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def problem(status: int, detail: str, instance: str | None = None, *, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    return JSONResponse(jsonable_encoder(problem_body(status, detail, instance, **extra)), status_code=status,
                        media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    """Every error the API can answer with becomes a problem document."""

    @app.exception_handler(DriveError)
    async def drive_error(request: Request, exc: DriveError) -> JSONResponse:
        return problem(status_of(exc), str(exc), request.url.path)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), request.url.path,
                       headers=dict(exc.headers) if exc.headers else None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return problem(422, "the request is not valid: " + "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors), request.url.path, errors=errors)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal error", request.url.path)
