# ruff: noqa: F811 - the fixtures imported from test_app are redefined as test parameters, as pytest intends
"""The chat page keeps its conversation in the URL (``?chat=<id>``): a reload or a shared link reopens it,
another user's link opens nothing of theirs; conversations are renamed and deleted; answers are rated.

Real database, pipeline and retrieval through AppTest; the fixtures are the ones of ``test_app``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from drive.core import Drive
from drive.service import DriveService
from drive.settings import Settings
from drive.store import chats
from tests.e2e.test_app import APP, TIMEOUT, drive, env, filled, start, svc, tag, texts  # noqa: F401 - fixtures
from tests.openai_stub import OpenAIStub
from ui import chat as chat_ui
from ui.chat import CURSOR, answer_pieces, done_label


def reload(chat: str | None) -> AppTest:
    """A fresh browser session opened on the chat page's URL (a reload, or a link someone shared)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if chat is not None:
        at.query_params["chat"] = chat
    at.run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> str:
    at.chat_input(key="chat_input").set_value(question).run()
    assert not at.exception, at.exception
    return str(at.query_params["chat"])


def opened(at: AppTest) -> list[str]:
    return [b.label for b in at.button if b.key and b.key.startswith("chat_open_")]


def test_a_reload_or_shared_link_reopens_the_conversation_in_the_url(env: Settings, filled: DriveService) -> None:
    at = start()
    chat = ask(at, "What did Marie Curie discover?")
    uuid.UUID(chat)
    ask(at, "Who taught at the Sorbonne?")
    assert at.query_params["chat"] == chat  # the second question stays in the same conversation

    again = reload(chat)
    bubbles = [m.markdown[0].value for m in again.chat_message]
    assert bubbles[0] == "What did Marie Curie discover?" and "polonium" in bubbles[1]
    assert bubbles[2] == "Who taught at the Sorbonne?" and len(bubbles) == 4
    assert any("curie.txt" in e.label for e in again.expander)

    again.button(key="chat_new").click().run()
    assert "chat" not in again.query_params and len(again.chat_message) == 0
    other = ask(again, "What did Ada Lovelace write?")
    assert other != chat
    assert "Ada Lovelace" in reload(other).chat_message[0].markdown[0].value


def test_another_users_conversation_link_behaves_like_a_missing_one(
    env: Settings, filled: DriveService, drive: Drive, tag: str
) -> None:
    stranger = drive.user_id(f"other{tag}")
    theirs = chats.create_session(drive.db, stranger, "Their secret plans")
    chats.add_message(drive.db, stranger, theirs, chats.StoredMessage("user", "secret question", None, [], []))

    for link in (str(theirs), str(uuid.uuid4()), "not-an-id"):
        at = reload(link)
        assert len(at.chat_message) == 0
        shown = texts(at)
        assert "secret" not in shown and "Their secret plans" not in shown
        assert "not in your drive" in shown
        assert "chat" not in at.query_params
    assert len(chats.messages(drive.db, stranger, theirs)) == 1  # untouched


def test_conversations_are_renamed_literally_and_deleted(env: Settings, filled: DriveService, drive: Drive) -> None:
    at = start()
    chat = ask(at, "What did Marie Curie discover?")
    at.button(key=f"chat_rename_{chat}").click().run()
    at.text_input(key=f"chat_title_{chat}").input("**Curie** [notes](http://x)").run()
    at.button(key=f"chat_save_{chat}").click().run()
    assert not at.exception
    owner = drive.user_id(env.user)
    assert [s.title for s in chats.list_sessions(drive.db, owner)] == ["**Curie** [notes](http://x)"]
    label = opened(at)[0]
    assert label.startswith("▸ ") and "\\*\\*Curie\\*\\*" in label and "\\[notes\\]" in label  # shown as typed

    at.button(key=f"chat_rename_{chat}").click().run()
    at.text_input(key=f"chat_title_{chat}").input("   ").run()
    at.button(key=f"chat_save_{chat}").click().run()
    assert "needs a title" in texts(at)
    at.button(key=f"chat_cancel_{chat}").click().run()

    at.button(key=f"chat_del_{chat}").click().run()
    assert opened(at) == [] and "chat" not in at.query_params and len(at.chat_message) == 0
    assert "not in your drive" in texts(reload(chat))


def test_thumbs_on_an_answer_are_kept_with_the_message(env: Settings, filled: DriveService, drive: Drive) -> None:
    at = start()
    chat = ask(at, "What did Marie Curie discover?")
    assert len(at.feedback) == 1  # on the answer, not on the question
    at.feedback[0].set_value(0).run()  # thumbs down
    owner = drive.user_id(env.user)
    assert [m.feedback for m in chats.messages(drive.db, owner, uuid.UUID(chat))] == [None, -1]

    again = reload(chat)
    assert again.feedback[0].value == 0  # still down after a reload
    again.feedback[0].set_value(1).run()
    assert chats.messages(drive.db, owner, uuid.UUID(chat))[-1].feedback == 1
    with drive.db.engine.connect() as conn:
        rated = conn.execute(text("SELECT count(*) FROM chat_messages WHERE owner_id = :o AND feedback IS NOT NULL"),
                             {"o": owner}).scalar()
    assert rated == 1


def test_an_answer_shows_its_stages_then_arrives_line_by_line(
    env: Settings, filled: DriveService, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames: list[str] = []  # what the answer's placeholder showed, in order, while the offline answer arrived
    reveal = chat_ui.reveal

    def recorded(placeholder: Any, text: str) -> None:
        class Recorder:
            def markdown(self, body: str, **kwargs: Any) -> None:
                frames.append(body)
                placeholder.markdown(body, **kwargs)

        reveal(Recorder(), text)

    monkeypatch.setattr(chat_ui, "reveal", recorded)
    at = start()
    ask(at, "What did Marie Curie discover?")
    assert len(frames) >= 2 and all(f.endswith(CURSOR) for f in frames)
    growing = [f.removesuffix(CURSOR) for f in frames]
    assert all(b.startswith(a) and len(b) > len(a) for a, b in zip(growing, growing[1:], strict=False))
    assert "\n" not in growing[0].strip()  # the short answer first, alone
    reply = at.chat_message[1]
    status = reply.status[0]
    assert status.state == "complete"
    assert re.fullmatch(r"Read \d+ passages? from [12] files?", status.label), status.label
    stages = [c.value for c in status.caption]
    assert stages[0] == "Searching your files…"
    assert re.fullmatch(r"Reading \d+ passages? from [12] files?…", stages[1]), stages
    assert stages[2] == "Composing the answer from your files…" and len(stages) == 3
    answer = reply.markdown[0].value
    assert "polonium" in answer and CURSOR not in answer  # the last line is in, the cursor gone

    again = reload(str(at.query_params["chat"]))
    assert len(again.status) == 0  # stages belong to the live answer, not to the history


def test_answer_pieces_put_the_short_answer_first_and_lose_nothing() -> None:
    text = "**polonium** [1]\n\nFrom your files:\n\n- Marie Curie discovered polonium. [1]\n- Radium too. [2]"
    pieces = answer_pieces(text)
    assert "".join(pieces) == text
    assert pieces[0] == "**polonium** [1]\n" and pieces[-1] == "- Radium too. [2]"
    assert done_label(["Searching your files…", "Reading 4 passages from 2 files…", "Composing…"]) \
        == "Read 4 passages from 2 files"
    assert done_label([]) == "Answered"


def test_each_marker_in_the_answer_is_a_plain_link_that_opens_its_citation(
    env: Settings, filled: DriveService
) -> None:
    at = start()
    chat = ask(at, "What did Marie Curie discover?")
    live = at.chat_message[1].markdown[0]
    refs = re.findall(rf'<a href="\?chat={chat}&amp;source=(\d+-\d+)" target="_self">', live.value)
    assert refs and "polonium" in live.value and live.allow_html  # a same-tab link: no script follows it
    assert not any("<script" in str(h.proto.body) for h in at.get("html"))
    again = reload(chat)
    assert re.findall(r'source=(\d+-\d+)"', again.chat_message[1].markdown[0].value) == refs  # the same after a reload

    # Following the link loads the page with the citation in its URL: the viewer opens at that passage.
    followed = AppTest.from_file(APP, default_timeout=TIMEOUT)
    followed.query_params["chat"] = chat
    followed.query_params["source"] = refs[0]
    followed.run()
    assert not followed.exception, followed.exception
    assert any("passage [1]" in m.value and "curie.txt" in m.value for m in followed.markdown)
    assert any("<mark" in str(h.proto.body) and "polonium" in str(h.proto.body) for h in followed.get("html"))
    assert followed.query_params["chat"] == chat and followed.query_params["source"] == refs[0]

    for wrong in (f"{refs[0].split('-')[0]}-99", "999999999-1", "nonsense"):  # not a citation of this conversation
        stray = AppTest.from_file(APP, default_timeout=TIMEOUT)
        stray.query_params["chat"] = chat
        stray.query_params["source"] = wrong
        stray.run()
        assert not stray.exception and "source" not in stray.query_params
        assert not any("passage [" in m.value for m in stray.markdown)


def test_a_question_cut_off_mid_answer_is_kept_and_asked_again(
    env: Settings, filled: DriveService, drive: Drive, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OpenAIStub(replies=["Marie Curie discovered polonium and radium [1]."], chunk_chars=3) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        st.cache_resource.clear()
        streamer = chat_ui._streamer

        def cut_short(placeholder: Any) -> Callable[[str], None]:
            """The run stops at its next drawing, as when "New chat", a reload or another page interrupts it."""
            show = streamer(placeholder)

            def on_token(piece: str) -> None:
                show(piece)
                st.stop()

            return on_token

        monkeypatch.setattr(chat_ui, "_streamer", cut_short)
        at = start()
        chat = ask(at, "What did Marie Curie discover?")
        monkeypatch.setattr(chat_ui, "_streamer", streamer)
        owner = drive.user_id(env.user)
        stored = chats.messages(drive.db, owner, uuid.UUID(chat))
        assert [(m.role, m.content) for m in stored] == [("user", "What did Marie Curie discover?")]

        at.run()  # the run that interrupted it: the question is there, its answer is not
        assert [m.markdown[0].value for m in at.chat_message] == ["What did Marie Curie discover?"]
        assert "interrupted" in texts(at)
        at.button(key="chat_new").click().run()  # away, then back through the list of conversations
        assert opened(at) == ["What did Marie Curie discover?"]
        at.button(key=f"chat_open_{chat}").click().run()
        assert [m.markdown[0].value for m in at.chat_message] == ["What did Marie Curie discover?"]
        assert "interrupted" in texts(at)

        again = reload(chat)  # the same after a reload
        assert "interrupted" in texts(again)
        again.button(key=f"chat_again_{stored[0].id}").click().run()
        assert not again.exception, again.exception
    bubbles = [m.markdown[0].value for m in again.chat_message]
    assert bubbles[0] == "What did Marie Curie discover?" and "polonium" in bubbles[1] and len(bubbles) == 2
    assert "interrupted" not in texts(again) and not any(str(b.key).startswith("chat_again_") for b in again.button)
    assert [m.role for m in chats.messages(drive.db, owner, uuid.UUID(chat))] == ["user", "assistant"]
