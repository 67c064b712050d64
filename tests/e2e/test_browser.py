"""End to end in headless Chromium: ``streamlit run web.py`` on a free port, two files uploaded through the
real sidebar, processed by the in-app worker, a question answered with the right file cited, the page
reloaded (the conversation in the URL comes back), a citation opened in the source viewer (from its button
and from the [1] in the answer's text, a plain same-tab link), and the
graph and communities pages opened. Screenshots of each page go to ``test-artifacts/``.

Needs Debian's ``chromium`` at /usr/bin/chromium (never ``playwright install``); skipped without it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_S = 120

CURIE = (b"Marie Curie worked with Pierre Curie in Paris. Marie Curie discovered polonium and radium "
         b"at the University of Paris. Pierre Curie taught at the Sorbonne in Paris.")
ADA = (b"Ada Lovelace wrote notes on the Analytical Engine designed by Charles Babbage in London. "
       b"Charles Babbage admired Ada Lovelace and her notes on the engine.")


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited with {proc.returncode}; see {ARTIFACTS / 'streamlit.log'}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"streamlit did not answer within {WAIT_S} s")


@dataclass(frozen=True)
class Served:
    url: str
    launched: float  # time.monotonic() when ``streamlit run`` was started


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    """The app served by a real ``streamlit run`` with one in-app worker; always killed afterwards."""
    if not CHROMIUM.exists():
        # A developer without a browser still runs every page through AppTest (test_app.py); .ci/run installs it.
        pytest.skip("no browser to drive: Debian chromium is not at /usr/bin/chromium (apt-get install -y chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "THEDRIVE_", "STREAMLIT_"))}
    user = f"web{uuid.uuid4().hex[:10]}"
    env.update(THEDRIVE_HOME=str(tmp_path / "home"), DATABASE_URL=database_url, THEDRIVE_APP_WORKERS="1",
               THEDRIVE_USER=user, THEDRIVE_COMMUNITY_DEBOUNCE_SECONDS="0")
    cmd = [sys.executable, "-m", "streamlit", "run", "web.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]
    with (ARTIFACTS / "streamlit.log").open("wb") as log:
        launched = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc, time.monotonic() + WAIT_S)
            yield Served(url, launched)
        finally:
            _stop(proc)
            _drop_jobs(database_url, user)


def _drop_jobs(database_url: str, user: str) -> None:
    """Other tests' workers share the queue but not this test's blob store: leave them nothing of ours."""
    from sqlalchemy import text

    from drive.store.db import make_engine

    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM jobs WHERE owner_id IN (SELECT id FROM users WHERE name = :n)"), {"n": user})
    engine.dispose()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_upload_ask_and_browse_in_a_real_browser(served: Served) -> None:
    from playwright.sync_api import FilePayload, expect, sync_playwright

    app_url = served.url

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(WAIT_S * 1000)
            started = time.monotonic()
            page.goto(app_url)
            chat_box = page.get_by_test_id("stChatInputTextArea")
            expect(chat_box).to_be_visible(timeout=WAIT_S * 1000)
            now = time.monotonic()
            print(f"chat page interactive {now - served.launched:.2f} s after `streamlit run` "
                  f"({now - started:.2f} s after navigation, first session)")

            sidebar = page.get_by_test_id("stSidebar")
            files: list[FilePayload] = [
                {"name": "curie.txt", "mimeType": "text/plain", "buffer": CURIE},
                {"name": "ada.txt", "mimeType": "text/plain", "buffer": ADA},
            ]
            expect(sidebar.get_by_text("Up to 512 MB per file")).to_be_visible()
            expect(sidebar.get_by_text(re.compile(r"GB per file"))).to_be_hidden()  # one limit, stated once
            sidebar.locator("input[type=file]").set_input_files(files)
            expect(sidebar.get_by_text("Added 2 files")).to_be_visible()
            # The status list refreshes on its own: wait for both badges to say ready.
            expect(sidebar.get_by_text("Processing status · 2 ready", exact=True)).to_be_visible(timeout=WAIT_S * 1000)
            expect(sidebar.get_by_text(re.compile(r"\bfailed\b"))).to_have_count(0)
            expect(sidebar.get_by_text(re.compile(r"\bready\b curie\.txt"))).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "sidebar-ready.png"), full_page=True)

            chat_box.fill("What did Marie Curie discover?")
            chat_box.press("Enter")
            source = page.get_by_test_id("stExpander").filter(has_text="curie.txt")
            expect(source.first).to_be_visible(timeout=WAIT_S * 1000)
            expect(page.get_by_test_id("stChatMessage").last).to_contain_text("polonium")
            expect(page.get_by_test_id("stExpander").filter(has_text="ada.txt")).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

            # The conversation is in the URL: a reload shows it again, then a citation opens its file.
            expect(page).to_have_url(re.compile(r"[?&]chat=[0-9a-f-]{36}"))
            chat_url = page.url
            page.reload()
            expect(page.get_by_test_id("stChatMessage").first).to_contain_text("What did Marie Curie discover?")
            expect(page.get_by_test_id("stChatMessage").last).to_contain_text("polonium")
            assert page.url == chat_url
            page.screenshot(path=str(ARTIFACTS / "chat-reloaded.png"), full_page=True)
            page.get_by_role("button", name=re.compile(r"\[1\] curie\.txt")).first.click()
            dialog = page.get_by_role("dialog")
            expect(dialog).to_be_visible()
            expect(dialog.locator("mark").first).to_contain_text("polonium")
            expect(dialog.get_by_text("Download curie.txt")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "source-viewer.png"))
            page.keyboard.press("Escape")
            expect(dialog).to_have_count(0)
            # The [1] in the answer's own text is a plain link: it loads this page, in this tab, with the
            # citation in the URL, and the viewer opens there (a reload keeps it open).
            marker = page.get_by_test_id("stChatMessage").last.get_by_role("link", name="1", exact=True).first
            assert marker.get_attribute("target") == "_self"
            marker.click()
            expect(page).to_have_url(re.compile(r"[?&]source=\d+-1\b"))
            expect(dialog).to_be_visible()
            expect(dialog.locator("mark").first).to_contain_text("polonium")
            assert len(page.context.pages) == 1 and "chat=" in page.url
            page.screenshot(path=str(ARTIFACTS / "source-viewer-from-marker.png"))
            page.reload()
            expect(dialog.locator("mark").first).to_contain_text("polonium")
            dialog.get_by_role("button", name="Close").click()
            expect(dialog).to_have_count(0)
            expect(page).not_to_have_url(re.compile(r"[?&]source="))  # closed: a reload no longer opens it
            assert page.url == chat_url

            _open_page(page, "Files", "Files")
            expect(page.get_by_test_id("stMain").get_by_role("button", name=re.compile(r"^Name"))).to_be_visible()
            expect(page.get_by_test_id("stMain").get_by_text("curie.txt").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "files.png"), full_page=True)

            _open_page(page, "Entity graph", "Entity graph")
            expect(page.get_by_text(re.compile(r"Showing the \d+ most important of \d+ matching entities"))).to_be_visible()
            expect(page.locator("iframe").first).to_be_visible()
            page.wait_for_timeout(1500)  # let the graph layout settle for the screenshot
            page.screenshot(path=str(ARTIFACTS / "graph.png"), full_page=True)

            _open_page(page, "Communities", "Communities")
            page.screenshot(path=str(ARTIFACTS / "communities.png"), full_page=True)

            warm = browser.new_page()
            started = time.monotonic()
            warm.goto(app_url)
            expect(warm.get_by_test_id("stChatInputTextArea")).to_be_visible()
            print(f"chat page interactive {time.monotonic() - started:.2f} s after navigation (warm server)")
        finally:
            browser.close()


def _open_page(page, link: str, title: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=title).first).to_be_visible()
