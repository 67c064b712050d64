"""Conversation memory: turn a follow-up question into one that retrieval can answer alone.

With an LLM, the follow-up is rewritten into a standalone question (``prompts/rewrite.md``).
Offline (or when the LLM fails), a follow-up that leans on the conversation ("and what did
he find after that?") gets the entity names of the previous question appended, which is
what vector, keyword and graph retrieval need to find the right passages.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from drive.errors import ModelError
from drive.ml.chat import ChatModel
from drive.ml.fence import CONVERSATION, neutralise
from drive.ml.prompts import load_prompt
from rag.types import Turn

log = logging.getLogger(__name__)

REWRITE_TURNS = 6
TURN_CHARS = 600
LOOKBACK_USER_TURNS = 3
SHORT_QUESTION_WORDS = 4


# "that", "there" and "then" are left out: too often a conjunction or "is there any ...".
_REFERRING_WORDS = frozenset(
    {
        "he", "she", "him", "her", "his", "hers", "himself", "herself", "they", "them", "their",
        "theirs", "it", "its", "this", "these", "those", "former", "latter", "same",
    }
)
_FOLLOWUP_OPENERS = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|what else|why|and why|tell me more|more on|"
    r"what happened (next|then|after)|after that|before that)\b",
    re.IGNORECASE,
)
_TIME_REFERENCE = re.compile(r"\b(after|before|since|until) (that|this|then)\b", re.IGNORECASE)
_NAME_INSIDE = re.compile(r"\s[A-Z][\w'’-]+")


def rewrite_followup(question: str, history: Sequence[Turn], chat: ChatModel | None) -> str:
    """A standalone version of ``question`` given the earlier ``history`` (oldest first)."""
    if not history or not question.strip():
        return question
    if chat is not None:
        try:
            rewritten = _rewrite_with_llm(question, history, chat)
        except ModelError:  # rewriting is an aid: a live question goes on with the offline rewrite
            log.warning("LLM rewrite of a follow-up failed; using the offline rewrite", exc_info=True)
        else:
            if rewritten:
                return rewritten
    return rewrite_offline(question, history)


def rewrite_offline(question: str, history: Sequence[Turn]) -> str:
    """Append the earlier question's entity names to a follow-up that needs them."""
    if not is_followup(question):
        return question
    entities = _recent_user_entities(history)
    missing = [e for e in entities if e.lower() not in question.lower()]
    if not missing:
        return question
    return f"{question.strip()} ({', '.join(missing)})"


def is_followup(question: str) -> bool:
    """Does the question lean on earlier turns (pronouns, "and ...", very short)?"""
    words = re.findall(r"[^\W\d_]+", question.lower())
    if not words:
        return False
    # A short question that names something itself ("Who is Marie Curie?") stands alone.
    short_and_bare = len(words) <= SHORT_QUESTION_WORDS and not _NAME_INSIDE.search(question)
    return (
        bool(_REFERRING_WORDS.intersection(words))
        or bool(_FOLLOWUP_OPENERS.match(question) or _TIME_REFERENCE.search(question))
        or short_and_bare
    )


def _recent_user_entities(history: Sequence[Turn]) -> list[str]:
    """Entities of the latest user turn that has some, looking back a few user turns."""
    user_turns = [t for t in history if t.role == "user"][-LOOKBACK_USER_TURNS:]
    for turn in reversed(user_turns):
        names = list(dict.fromkeys(e.strip() for e in turn.entities if e.strip()))
        if names:
            return names
    return []


def _rewrite_with_llm(question: str, history: Sequence[Turn], chat: ChatModel) -> str:
    lines = [
        f"{turn.role}: {neutralise(' '.join(turn.content.split()))[:TURN_CHARS]}"
        for turn in list(history)[-REWRITE_TURNS:]
    ]
    messages = load_prompt("rewrite").render(
        fence_open=CONVERSATION.open,
        fence_close=CONVERSATION.close,
        history="\n".join(lines),
        question=question.strip(),
    )
    return _clean_reply(chat.complete(messages), question)


def _clean_reply(reply: str, question: str) -> str:
    """The first non-empty line, minus labels and quotes; empty when the reply is unusable."""
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "")
    line = re.sub(r"^(standalone question|question)\s*:\s*", "", line, flags=re.IGNORECASE)
    line = line.strip().strip("\"'“”").strip()
    too_long = len(line) > 3 * len(question) + 200
    return "" if too_long else line
