"""Chat sessions and their messages, persisted in PostgreSQL and scoped to their owner."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text

from drive.errors import InvalidName, NotFound
from drive.store.db import Database
from drive.store.tables import ChatMessage, ChatSession


@dataclass(frozen=True)
class SessionInfo:
    id: uuid.UUID
    title: str
    updated_at: datetime


@dataclass(frozen=True)
class StoredMessage:
    role: str
    content: str
    mode: str | None
    citations: list[dict[str, Any]]
    entities: list[str]
    id: int | None = None  # set when read back from the database
    feedback: int | None = None  # 1 thumbs up, -1 thumbs down, None not rated


def create_session(db: Database, owner: uuid.UUID, title: str = "New chat") -> uuid.UUID:
    with db.session() as s:
        chat = ChatSession(owner_id=owner, title=title[:120])
        s.add(chat)
        s.flush()
        return chat.id


def list_sessions(db: Database, owner: uuid.UUID) -> list[SessionInfo]:
    with db.session() as s:
        rows = s.scalars(
            select(ChatSession).where(ChatSession.owner_id == owner).order_by(ChatSession.updated_at.desc())
        ).all()
        return [SessionInfo(r.id, r.title, r.updated_at) for r in rows]


def _own(s: Any, owner: uuid.UUID, session_id: uuid.UUID) -> ChatSession:
    chat = s.scalars(select(ChatSession).where(ChatSession.id == session_id, ChatSession.owner_id == owner)).first()
    if chat is None:
        raise NotFound(f"no such conversation: {session_id}")
    return chat


def messages(db: Database, owner: uuid.UUID, session_id: uuid.UUID) -> list[StoredMessage]:
    with db.session() as s:
        _own(s, owner, session_id)
        rows = s.scalars(
            select(ChatMessage).where(ChatMessage.session_id == session_id).order_by(ChatMessage.id)
        ).all()
        return [StoredMessage(r.role, r.content, r.mode, list(r.citations or []), list(r.entities or []),
                              id=r.id, feedback=r.feedback) for r in rows]


def add_message(db: Database, owner: uuid.UUID, session_id: uuid.UUID, message: StoredMessage) -> int:
    """Append a message to one of the owner's conversations; returns its id."""
    with db.session() as s:
        chat = _own(s, owner, session_id)
        if chat.title == "New chat" and message.role == "user":
            chat.title = message.content[:80]
        return _append(s, owner, session_id, message)


def _append(s: Any, owner: uuid.UUID, session_id: uuid.UUID, message: StoredMessage) -> int:
    row = ChatMessage(session_id=session_id, owner_id=owner, role=message.role, content=message.content,
                      mode=message.mode, citations=message.citations, entities=message.entities)
    s.add(row)
    s.execute(text("UPDATE chat_sessions SET updated_at = now() WHERE id = :id"), {"id": session_id})
    s.flush()
    return int(row.id)


def _question(s: Any, owner: uuid.UUID, session_id: uuid.UUID, question_id: int) -> ChatMessage | None:
    return s.scalars(select(ChatMessage).where(
        ChatMessage.id == question_id, ChatMessage.session_id == session_id, ChatMessage.owner_id == owner,
        ChatMessage.role == "user")).first()


def add_answer(db: Database, owner: uuid.UUID, session_id: uuid.UUID, question_id: int, answer: StoredMessage,
               entities: list[str]) -> int | None:
    """The answer to a question stored before it was answered (so that leaving mid-answer loses nothing), with
    the entities the question was found to be about. None, and nothing stored, when the question was withdrawn
    meanwhile (asked again): an answer arriving late must not land after its replacement."""
    with db.session() as s:
        _own(s, owner, session_id)
        question = _question(s, owner, session_id, question_id)
        if question is None:
            return None
        question.entities = entities
        return _append(s, owner, session_id, answer)


def withdraw_question(db: Database, owner: uuid.UUID, session_id: uuid.UUID, question_id: int) -> None:
    """Remove a question left without an answer (it is about to be asked again); NotFound if it is not there."""
    with db.session() as s:
        _own(s, owner, session_id)
        question = _question(s, owner, session_id, question_id)
        if question is None:
            raise NotFound(f"no such question: {question_id}")
        s.delete(question)


def unanswered(messages: list[StoredMessage]) -> set[int]:
    """Indexes of the questions that no answer follows (interrupted: a reload, "New chat" or another page while
    the answer was being written, or an error)."""
    return {i for i, m in enumerate(messages)
            if m.role == "user" and (i + 1 == len(messages) or messages[i + 1].role != "assistant")}


def find_session(db: Database, owner: uuid.UUID, session_id: uuid.UUID) -> SessionInfo:
    """One of the owner's conversations; NotFound for a missing id and for another user's alike."""
    with db.session() as s:
        chat = _own(s, owner, session_id)
        return SessionInfo(chat.id, chat.title, chat.updated_at)


def rename_session(db: Database, owner: uuid.UUID, session_id: uuid.UUID, title: str) -> SessionInfo:
    """Give a conversation a title of the owner's choosing (trimmed, at most 120 characters)."""
    cleaned = " ".join(title.split())[:120]
    if not cleaned:
        raise InvalidName("a conversation needs a title")
    with db.session() as s:
        chat = _own(s, owner, session_id)
        chat.title = cleaned
        return SessionInfo(chat.id, chat.title, chat.updated_at)


def set_feedback(db: Database, owner: uuid.UUID, message_id: int, value: int | None) -> None:
    """Thumbs up (1), down (-1) or neither (None) on one of the owner's answers."""
    if value not in (1, -1, None):
        raise ValueError(f"feedback is 1, -1 or None, not {value!r}")
    with db.session() as s:
        row = s.scalars(select(ChatMessage).where(ChatMessage.id == message_id, ChatMessage.owner_id == owner,
                                                  ChatMessage.role == "assistant")).first()
        if row is None:
            raise NotFound(f"no such answer: {message_id}")
        row.feedback = value


def delete_session(db: Database, owner: uuid.UUID, session_id: uuid.UUID) -> None:
    with db.session() as s:
        s.delete(_own(s, owner, session_id))
