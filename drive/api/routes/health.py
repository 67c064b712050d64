"""``GET /health``: no token needed; says whether the database answers, nothing more."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from drive.api.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut)
async def health(request: Request) -> JSONResponse:
    db = request.app.state.api.drive.db
    try:
        await run_in_threadpool(db.ping)
        ok = True
    except Exception:  # noqa: BLE001 - health reports, never raises
        ok = False
    return JSONResponse({"status": "ok" if ok else "unavailable", "database": ok}, status_code=200 if ok else 503)
