"""The app's shared resources, created once per process with ``st.cache_resource``.

Nothing heavy happens at import: the drive opens (migrations + sweep) on first use, the models
load lazily inside ``Models`` when a job or a question needs them.
"""

from __future__ import annotations

import threading
import uuid

import streamlit as st

from drive.core import Drive, open_drive
from drive.ml.models import Models
from drive.service import DriveService
from drive.settings import Settings

OWNER_KEY = "owner_id"
USER_NAME_KEY = "user_name"


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return Settings()


def _close_drive(drive: Drive) -> None:
    drive.close()


@st.cache_resource(show_spinner="Opening the drive…", on_release=_close_drive)
def drive() -> Drive:
    return open_drive(settings())


@st.cache_resource(show_spinner=False)
def models() -> Models:
    """Shared by the in-app workers and the chat page; each model loads on first use."""
    return Models(settings())


def _stop_workers(started: tuple[threading.Event, list[threading.Thread]] | None) -> None:
    if started is not None:
        started[0].set()


@st.cache_resource(show_spinner=False, on_release=_stop_workers)
def workers() -> tuple[threading.Event, list[threading.Thread]] | None:
    """The in-process background workers (``THEDRIVE_APP_WORKERS``; 0 leaves processing to ``thedrive worker``)."""
    from drive.jobs.worker import start_background
    from drive.pipeline.handlers import handlers

    count = settings().workers_in_app
    if count <= 0:
        return None
    return start_background(drive(), handlers(), count, models())


def owner() -> uuid.UUID:
    """The signed-in user's id; ``ui.auth.require_user`` sets it before any page runs."""
    value = st.session_state.get(OWNER_KEY)
    if not isinstance(value, uuid.UUID):
        raise RuntimeError("no user: call ui.auth.require_user() first")
    return value


def service() -> DriveService:
    """The drive service scoped to the current user: everything a page reads or writes goes through it."""
    return drive().service(owner())


def owner_models() -> Models:
    """The shared models, with the signed-in user's own language model when they connected one (Settings)."""
    svc = service()
    conn = svc.model_connection()
    if conn is None:
        return models()
    return _connected(svc.owner, conn.base_url, conn.model, conn.api_key)


@st.cache_resource(show_spinner=False, max_entries=64)
def _connected(owner: uuid.UUID, base_url: str, model: str, api_key: str) -> Models:
    """One chat client per user and connection (a changed connection is a new entry)."""
    return models().with_chat(service_for(owner).model_settings())


def service_for(owner: uuid.UUID) -> DriveService:
    return drive().service(owner)
