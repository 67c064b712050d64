"""What every request handler gets: the shared drive and models, and the service of the token's user."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from starlette.exceptions import HTTPException

from drive.api.auth import CHALLENGE, Backoff, bearer
from drive.core import Drive
from drive.ml.models import Models
from drive.service import DriveService
from drive.settings import Settings


@dataclass
class ApiState:
    """Held on ``app.state.api``; ``drive`` is set by the app's start-up when it opens the drive itself."""

    settings: Settings
    drive: Drive
    models: Models
    backoff: Backoff
    stop_workers: threading.Event = field(default_factory=threading.Event)
    workers: list[threading.Thread] = field(default_factory=list)


@dataclass(frozen=True)
class Ctx:
    drive: Drive
    models: Models
    svc: DriveService


def context(request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Ctx:
    """The token's user, authenticated by ``auth.TokenGate`` before the body was read (``bearer`` documents
    the scheme in the OpenAPI document)."""
    state: ApiState = request.app.state.api
    owner = getattr(request.state, "owner", None)
    if owner is None:  # a route outside the gate's paths: never serve it anonymously
        raise HTTPException(401, "an API token is required", headers=CHALLENGE)
    return Ctx(state.drive, state.models, state.drive.service(owner))


Auth = Annotated[Ctx, Depends(context)]
