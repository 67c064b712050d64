"""The FastAPI application: ``create_app(settings)``; ``python -m drive serve`` runs it on uvicorn.

It opens the drive once (or uses the one it is given), and runs background jobs in-process like the
Streamlit app (``THEDRIVE_APP_WORKERS``; 0 leaves them to ``python -m drive worker``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from drive.api import problems
from drive.api.auth import Backoff, TokenGate
from drive.api.deps import ApiState
from drive.api.limits import BodyLimit, redact_logs
from drive.api.routes import ask, files, graph, health
from drive.core import Drive, open_drive
from drive.ml.models import Models
from drive.settings import Settings

log = logging.getLogger(__name__)
PREFIX = "/api/v1"


def create_app(settings: Settings, *, drive: Drive | None = None, models: Models | None = None,
               workers: int | None = None) -> FastAPI:
    """The API over ``settings``; ``drive``/``models`` reuse open ones (tests, ``serve``); ``workers``
    overrides ``settings.workers_in_app``."""
    owned = drive is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redact_logs("uvicorn", "uvicorn.error", "uvicorn.access")
        state = ApiState(settings, drive or open_drive(settings), models or Models(settings),
                         Backoff(settings.api_auth_max_delay))
        app.state.api = state
        _start_workers(state, settings.workers_in_app if workers is None else workers)
        try:
            yield
        finally:
            state.stop_workers.set()
            for t in state.workers:
                t.join(timeout=10)
            if owned:
                state.drive.close()

    app = FastAPI(
        title="TheDrive API", version="1", lifespan=lifespan,
        description="A drive that understands its files: upload, list, download, ask with citations, the graph. "
                    "Every endpoint but health needs `Authorization: Bearer <token>`.",
        openapi_url=f"{PREFIX}/openapi.json", docs_url=None, redoc_url=None,
        responses={401: {"model": None, "description": "missing or invalid token (application/problem+json)"}},
    )
    problems.install(app)
    app.add_middleware(BodyLimit, settings=settings)
    app.add_middleware(TokenGate)  # outside the body limit: no token, nothing read
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Range", "Accept"],
            expose_headers=["Content-Disposition", "Content-Range", "Accept-Ranges", "Link", "X-Next-Cursor"],
        )
    for module in (health, files, ask, graph):
        app.include_router(module.router, prefix=PREFIX)
    _offline_docs(app)
    return app


def _offline_docs(app: FastAPI) -> None:
    """``/api/v1/docs``: Swagger UI served from the swagger-ui-bundle wheel, not a CDN, so it works offline."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    assets = f"{PREFIX}/docs-assets"
    app.mount(assets, StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get(f"{PREFIX}/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=f"{PREFIX}/openapi.json", title="TheDrive API",
                                   swagger_js_url=f"{assets}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{assets}/swagger-ui.css",
                                   swagger_favicon_url=f"{assets}/favicon-32x32.png")


def _start_workers(state: ApiState, count: int) -> None:
    if count <= 0:
        return
    from drive.jobs.worker import start_background
    from drive.pipeline.handlers import handlers

    state.stop_workers, state.workers = start_background(state.drive, handlers(), count, state.models)
    log.info("%d background worker(s) running in the API process", count)
