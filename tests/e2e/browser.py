"""What every browser test shares: ``streamlit run web.py`` on a free port with its own home and user, killed
afterwards, and headless Debian Chromium driven by Playwright (never ``playwright install``). Screenshots go
to ``test-artifacts/`` (``ARTIFACTS``); the fixtures built on these are in ``conftest.py``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_S = 120  # a loaded 2-core machine can take a while per rerun

CURIE = (b"Marie Curie worked with Pierre Curie in Paris. Marie Curie discovered polonium and radium "
         b"at the University of Paris. Pierre Curie taught at the Sorbonne in Paris.")
ADA = (b"Ada Lovelace wrote notes on the Analytical Engine designed by Charles Babbage in London. "
       b"Charles Babbage admired Ada Lovelace and her notes on the engine.")


@dataclass(frozen=True)
class Served:
    url: str
    launched: float  # time.monotonic() when ``streamlit run`` was started


def need_chromium() -> None:
    if not CHROMIUM.exists():
        # A developer without a browser still runs every page through AppTest (test_app*.py); .ci/run installs it.
        pytest.skip("no browser to drive: Debian chromium is not at /usr/bin/chromium (apt-get install -y chromium)")


@contextmanager
def streamlit_app(home: Path, database_url: str, settings: dict[str, str], log_name: str) -> Iterator[Served]:
    """``streamlit run web.py`` (the README's command) with ``settings`` as its THEDRIVE_* environment and
    nothing of the caller's OPENAI_/THEDRIVE_/STREAMLIT_ variables; its output goes to ``ARTIFACTS/log_name``."""
    need_chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "THEDRIVE_", "STREAMLIT_"))}
    env.update(THEDRIVE_HOME=str(home), DATABASE_URL=database_url, **settings)
    cmd = [sys.executable, "-m", "streamlit", "run", "web.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]
    with (ARTIFACTS / log_name).open("wb") as log:
        launched = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc, time.monotonic() + WAIT_S, log_name)
            yield Served(url, launched)
        finally:
            _stop(proc)


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium; every ``expect`` waits up to ``WAIT_S``."""
    from playwright.sync_api import expect, sync_playwright

    need_chromium()
    expect.set_options(timeout=WAIT_S * 1000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_page(owner: Any, width: int = 1280, height: int = 900) -> Any:
    """A tab of ``owner`` (a browser or one of its contexts) that waits up to ``WAIT_S`` for anything."""
    page = owner.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(WAIT_S * 1000)
    return page


def drop_jobs(database_url: str, user: str) -> None:
    """Other tests' workers share the queue but not this test's blob store: leave them nothing of ``user``'s."""
    from sqlalchemy import text

    from drive.store.db import make_engine

    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM jobs WHERE owner_id IN (SELECT id FROM users WHERE name = :n)"), {"n": user})
    engine.dispose()


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], deadline: float, log_name: str) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited with {proc.returncode}; see {ARTIFACTS / log_name}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"streamlit did not answer within {WAIT_S} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
