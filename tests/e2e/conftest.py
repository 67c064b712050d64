"""Fixtures of the browser tests (``test_browser*.py``): the app served by a real ``streamlit run`` with one
in-app worker and its own user, and headless Chromium; see ``tests/e2e/browser.py``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import Served, chromium, drop_jobs, streamlit_app


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    """The app with one in-app worker, signed in as a new user (accounts off); always stopped afterwards."""
    user = f"web{uuid.uuid4().hex[:10]}"
    settings = {"THEDRIVE_APP_WORKERS": "1", "THEDRIVE_USER": user, "THEDRIVE_COMMUNITY_DEBOUNCE_SECONDS": "0"}
    try:
        with streamlit_app(tmp_path / "home", database_url, settings, "streamlit.log") as app:
            yield app
    finally:
        drop_jobs(database_url, user)


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b
