"""Test doubles for the LLM only (everything else in tests is real).

``FakeChatModel`` implements ``drive.ml.chat.ChatModel`` with scripted replies: a list consumed in
order (the last one repeats) whose items are strings, functions of the messages, or exceptions
to raise. Every call's messages are recorded in ``calls``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from drive.ml.chat import Message

Script = str | Callable[[list[Message]], str] | BaseException


class FakeChatModel:
    def __init__(self, replies: list[Script] | None = None, *, name: str = "fake-llm", piece_chars: int = 3) -> None:
        self.name = name
        self.replies: list[Script] = list(replies or ["I don't know: your files don't say."])
        self.piece_chars = piece_chars
        self.calls: list[list[Message]] = []
        self._lock = threading.Lock()

    def complete(self, messages: list[Message]) -> str:
        return self._reply(messages)

    def stream(self, messages: list[Message]) -> Iterator[str]:
        text = self._reply(messages)
        for start in range(0, len(text), self.piece_chars):
            yield text[start : start + self.piece_chars]

    def _reply(self, messages: list[Message]) -> str:
        with self._lock:
            self.calls.append(list(messages))
            script = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(script, BaseException):
            raise script
        return script(messages) if callable(script) else script

    def prompt_text(self, call: int = -1) -> str:
        """All message contents of one recorded call, joined."""
        return "\n".join(m.content for m in self.calls[call])
