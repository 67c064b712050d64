"""The browser's back and forward buttons move between conversations (``?chat=<id>`` in the URL), in headless
Chromium against a real ``streamlit run``; screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.browser import ARTIFACTS, WAIT_S, Served, new_page

pytestmark = pytest.mark.browser
CHAT_URL = re.compile(r"[?&]chat=([0-9a-f-]{36})")


def _ask(page, question: str) -> str:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    messages = page.get_by_test_id("stChatMessage")
    expect(messages).to_have_count(2)
    expect(messages.first).to_contain_text(question)
    expect(messages.last).to_contain_text("mode:", timeout=WAIT_S * 1000)  # the answer is complete and stored
    expect(page).to_have_url(CHAT_URL)
    match = CHAT_URL.search(page.url)
    assert match
    return match.group(1)


def _shows(page, chat: str, asked: str, absent: str) -> None:  # type: ignore[no-untyped-def]
    """The page is conversation ``chat``: its URL, its one question and answer, nothing of the other one."""
    from playwright.sync_api import expect

    messages = page.get_by_test_id("stChatMessage")
    expect(page).to_have_url(re.compile(rf"chat={chat}"))
    expect(messages.first).to_contain_text(asked)
    expect(messages).to_have_count(2)
    expect(page.get_by_text(absent)).to_have_count(0)


def test_back_and_forward_move_between_conversations(served: Served, browser: Any) -> None:
    from playwright.sync_api import expect

    page = new_page(browser, 1280, 900)
    page.goto(served.url)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible()
    first = _ask(page, "Where did the alpha expedition start?")
    page.get_by_role("button", name="New chat").click()
    expect(page.get_by_test_id("stChatMessage")).to_have_count(0)
    second = _ask(page, "Who led the beta survey?")
    assert first != second
    messages = page.get_by_test_id("stChatMessage")

    # History: the empty chat, A, the new chat, B. Back twice from B reaches A, forward twice B again.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(messages).to_have_count(0)  # the new chat B was asked in
    page.go_back()
    _shows(page, first, "alpha expedition", "beta survey")
    page.screenshot(path=str(ARTIFACTS / "chat-back.png"), full_page=True)

    page.go_forward()
    expect(messages).to_have_count(0)
    page.go_forward()
    _shows(page, second, "beta survey", "alpha expedition")
    page.screenshot(path=str(ARTIFACTS / "chat-forward.png"), full_page=True)

    # Opening a past conversation is one step of history: back returns to the one shown before.
    page.get_by_role("button", name=re.compile(r"Past conversations")).click()
    page.get_by_role("button", name=re.compile(r"Where did the alpha expedition start")).click()
    expect(page).to_have_url(re.compile(rf"chat={first}"))
    expect(messages.first).to_contain_text("alpha expedition")
    page.go_back()
    expect(page).to_have_url(re.compile(rf"chat={second}"))
    expect(messages.first).to_contain_text("beta survey")

    # Another page's link carries no conversation: coming back to Chat reopens the one left.
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Files").click()
    expect(page.get_by_role("heading", name="Files").first).to_be_visible()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Chat").click()
    expect(page).to_have_url(re.compile(rf"chat={second}"))
    expect(messages.first).to_contain_text("beta survey")
