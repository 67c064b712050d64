"""Nothing typed is lost when an answer is cut short: in headless Chromium against a real ``streamlit run``
whose language model (the local OpenAI-compatible stub) writes slowly, "New chat" is pressed while the answer
streams; the conversation keeps the question, marked interrupted, and "Ask again" answers it. Screenshots go
to ``test-artifacts/``."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import ARTIFACTS, CURIE, Served, drop_jobs, new_page, streamlit_app
from tests.openai_stub import OpenAIStub

pytestmark = pytest.mark.browser
ANSWER = "Marie Curie discovered polonium and radium at the University of Paris, with Pierre Curie [1]."
QUESTION = "What did Marie Curie discover?"


@pytest.fixture
def slow_model() -> Iterator[OpenAIStub]:
    with OpenAIStub(replies=[ANSWER], chunk_chars=2, chunk_delay=0.25) as stub:  # ~12 s to write the answer
        yield stub


@pytest.fixture
def served_with_model(tmp_path: Path, database_url: str, slow_model: OpenAIStub) -> Iterator[Served]:
    user = f"web{uuid.uuid4().hex[:10]}"
    settings = {"THEDRIVE_APP_WORKERS": "1", "THEDRIVE_USER": user, "OPENAI_BASE_URL": slow_model.base_url}
    try:
        with streamlit_app(tmp_path / "home", database_url, settings, "streamlit-interrupt.log") as app:
            yield app
    finally:
        drop_jobs(database_url, user)


def test_new_chat_while_an_answer_streams_keeps_the_question(served_with_model: Served, browser: Any) -> None:
    from playwright.sync_api import expect

    page = new_page(browser)
    page.goto(served_with_model.url)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.locator("input[type=file]").set_input_files([{"name": "curie.txt", "mimeType": "text/plain",
                                                          "buffer": CURIE}])
    expect(sidebar.get_by_text("Processing status · 1 ready", exact=True)).to_be_visible()

    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(QUESTION)
    box.press("Enter")
    messages = page.get_by_test_id("stChatMessage")
    expect(messages.last).to_contain_text("polonium")  # the answer is being written…
    expect(messages.last).not_to_contain_text("Pierre Curie")  # …and is not finished
    page.get_by_role("button", name="New chat").click()
    expect(messages).to_have_count(0)

    page.get_by_role("button", name=re.compile(r"Past conversations")).click()
    listed = page.get_by_role("button", name=re.compile(re.escape(QUESTION)))
    listed.click()
    expect(messages.first).to_contain_text(QUESTION)
    expect(listed).to_be_hidden()  # the list closed on the conversation opened
    expect(page.get_by_text("The answer to this question was interrupted.")).to_be_visible()
    expect(messages).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "chat-interrupted.png"), full_page=True)

    page.get_by_role("button", name="Ask again").click()
    expect(messages.last).to_contain_text("mode:")  # answered in full and stored
    expect(messages.last).to_contain_text("Pierre Curie")
    expect(messages).to_have_count(2)
    expect(page.get_by_text("The answer to this question was interrupted.")).to_have_count(0)
    page.reload()
    expect(messages).to_have_count(2)
    expect(messages.first).to_contain_text(QUESTION)
    page.screenshot(path=str(ARTIFACTS / "chat-asked-again.png"), full_page=True)
