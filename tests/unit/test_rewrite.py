"""Conversation memory: follow-ups rewritten with a (fake) LLM, or offline with remembered entities."""

from __future__ import annotations

from drive.errors import ModelUnavailable
from rag.rewrite import is_followup, rewrite_followup
from rag.types import Turn
from tests.fakes import FakeChatModel

HISTORY = [
    Turn("user", "What did Marie Curie discover in 1898?", ["Marie Curie"]),
    Turn("assistant", "She discovered polonium in July 1898 [1]."),
]


def test_offline_follow_up_gets_the_previous_questions_entities() -> None:
    question = "and what did she find after that?"
    assert rewrite_followup(question, HISTORY, None) == "and what did she find after that? (Marie Curie)"


def test_offline_looks_back_past_a_follow_up_without_entities() -> None:
    history = [*HISTORY, Turn("user", "What did she find after that?", []), Turn("assistant", "Radium [2].")]
    assert rewrite_followup("Why?", history, None) == "Why? (Marie Curie)"


def test_standalone_questions_are_left_alone() -> None:
    assert rewrite_followup("What is the lab budget for 2024?", HISTORY, None) == "What is the lab budget for 2024?"
    assert rewrite_followup("Who is Pierre Curie?", HISTORY, None) == "Who is Pierre Curie?"
    assert rewrite_followup("What did Marie Curie win?", HISTORY, None) == "What did Marie Curie win?"
    assert rewrite_followup("and what did she find after that?", [], None) == "and what did she find after that?"


def test_follow_up_cues() -> None:
    assert is_followup("What happened after that?")
    assert is_followup("And his wife?")
    assert is_followup("Tell me more")
    assert not is_followup("Is there a budget spreadsheet for 2024?")
    assert not is_followup("Which report says that sales grew in March?")


def test_llm_rewrites_into_a_standalone_question_from_the_fenced_conversation() -> None:
    chat = FakeChatModel(['Standalone question: "What did Marie Curie discover after polonium in 1898?"'])
    rewritten = rewrite_followup("and what did she find after that?", HISTORY, chat)

    assert rewritten == "What did Marie Curie discover after polonium in 1898?"
    prompt = chat.prompt_text()
    assert "user: What did Marie Curie discover in 1898?" in prompt
    assert "assistant: She discovered polonium in July 1898 (1)." in prompt
    assert prompt.rstrip().endswith("Follow-up question: and what did she find after that?\n\nStandalone question:")


def test_llm_failure_or_unusable_reply_falls_back_to_offline() -> None:
    failing = FakeChatModel([ModelUnavailable("endpoint down")])
    assert rewrite_followup("and after that?", HISTORY, failing) == "and after that? (Marie Curie)"
    rambling = FakeChatModel(["\n\n" + "Sure! " * 200])
    assert rewrite_followup("and after that?", HISTORY, rambling) == "and after that? (Marie Curie)"
