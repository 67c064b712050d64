# ruff: noqa: F811 - the fixtures imported from test_app are redefined as test parameters, as pytest intends
"""Settings: a user connects an OpenAI-compatible model from the app (tested first, key never shown again,
kept 0600 in the data home, for that user only) and chat answers are then written by it; offline answers
say what a model would add; the answer mode sits under Advanced with a line per mode."""

from __future__ import annotations

import stat

from drive.core import Drive
from drive.service import DriveService
from drive.settings import Settings
from rag.ask import MODES
from tests.e2e.test_app import drive, env, filled, linked, start, svc, tag, texts, unkeyed  # noqa: F401 - fixtures
from tests.openai_stub import OpenAIStub
from ui.settings_view import MODE_HELP

PAGE = "app_pages/settings.py"
SECRET = "sk-test-7d1f0c9e"


def page_links(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [getattr(link, "label", "") for link in at.get("page_link")]


def test_connect_a_model_from_the_app_and_get_written_answers(
    env: Settings, filled: DriveService, drive: Drive, tag: str
) -> None:
    at = start()
    at.chat_input(key="chat_input").set_value("What did Marie Curie discover?").run()
    assert "Offline answer" in texts(at) and "Connect a model" in page_links(at)

    with OpenAIStub(replies=["OK", "Marie Curie discovered polonium and radium [1]."]) as stub:
        at.switch_page(PAGE).run()
        assert not at.exception
        at.text_input(key="settings_url").input(stub.base_url)
        at.text_input(key="settings_model_name").input("tiny-model")
        at.text_input(key="settings_key").input(SECRET)
        next(b for b in at.button if b.label == "Test connection").click().run()
        assert "the connection works" in texts(at)
        assert filled.model_connection() is None  # a test saves nothing
        next(b for b in at.button if b.label == "Save").click().run()
        assert not at.exception

        saved = filled.model_connection()
        assert saved is not None and saved.model == "tiny-model" and saved.api_key == SECRET
        assert SECRET not in repr(saved)
        path = env.home / "connections" / f"{filled.owner}.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        shown = texts(at) + "\n".join(str(t.value) for t in at.text_input)
        assert "Connected" in shown and "key saved (hidden)" in shown and SECRET not in shown
        assert drive.service(drive.user_id(f"other{tag}")).model_connection() is None  # this user's only

        at.switch_page("app_pages/chat.py").run()
        at.button(key="chat_new").click().run()
        at.chat_input(key="chat_input").set_value("What did Marie Curie discover?").run()
        assert not at.exception
        assert unkeyed(at.chat_message[1].markdown[0].value) == linked("Marie Curie discovered polonium and radium [1].")
        assert stub.requests[-1]["model"] == "tiny-model"
        assert "Offline answer" not in texts(at)

    at.switch_page(PAGE).run()
    at.button(key="settings_disconnect").click().run()
    assert filled.model_connection() is None and not path.exists()


def test_a_bad_connection_is_refused_with_the_reason(env: Settings, svc: DriveService) -> None:
    at = start(PAGE)
    at.text_input(key="settings_url").input("ftp://models.example")
    at.text_input(key="settings_model_name").input("m")
    next(b for b in at.button if b.label == "Save").click().run()
    assert "must start with http" in texts(at) and svc.model_connection() is None

    at.text_input(key="settings_url").input("http://127.0.0.1:9/v1")  # nothing listens on the discard port
    next(b for b in at.button if b.label == "Save").click().run()
    assert "did not answer" in texts(at) and svc.model_connection() is None


def test_answer_mode_is_under_advanced_with_a_line_per_mode(env: Settings, filled: DriveService) -> None:
    assert set(MODE_HELP) == set(MODES)
    at = start(PAGE)
    radio = at.radio(key="settings_mode")
    assert list(radio.options) == list(MODE_HELP) and radio.value == "auto"
    radio.set_value("keyword").run()
    at.switch_page("app_pages/chat.py").run()
    assert "Answer mode: keyword" in texts(at)
    at.chat_input(key="chat_input").set_value("What did Marie Curie discover?").run()
    assert any(c.value.startswith("mode:") and "keyword" in c.value for c in at.caption)
