"""End to end in headless Chromium: ``streamlit run web.py`` on a free port, two files uploaded through the
real sidebar, processed by the in-app worker, a question answered with the right file cited, the page
reloaded (the conversation in the URL comes back), a citation opened in the source viewer (from its button
and from the [1] in the answer's text, a plain same-tab link), and the
graph and communities pages opened. Screenshots of each page go to ``test-artifacts/``.

Needs Debian's ``chromium`` at /usr/bin/chromium (never ``playwright install``); skipped without it.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.e2e.browser import ADA, ARTIFACTS, CURIE, WAIT_S, Served, new_page

pytestmark = pytest.mark.browser


def test_upload_ask_and_browse_in_a_real_browser(served: Served, browser: Any) -> None:
    from playwright.sync_api import FilePayload, expect

    app_url = served.url
    page = new_page(browser, 1440, 1000)
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
    # once: a fragment's rerun may show the old list beside the new one for a moment, never for good
    expect(sidebar.get_by_text(re.compile(r"\bready\b curie\.txt"))).to_have_count(1)
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


def _open_page(page, link: str, title: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=title).first).to_be_visible()
