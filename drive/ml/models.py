"""Every model the drive uses, reached one way: embedder, chat model, spaCy and OCR, each loaded lazily
once per process and shared by threads."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from drive.settings import Settings

if TYPE_CHECKING:
    from drive.ml.chat import ChatModel
    from drive.ml.embedder import Embedder
    from drive.ml.nlp import Nlp
    from drive.ml.ocr import Ocr


class Models:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()

    @cached_property
    def embedder(self) -> Embedder:
        from drive.ml.embedder import make_embedder

        with self._lock:
            return make_embedder(self.settings)

    @property
    def nlp(self) -> Nlp:
        """spaCy, one pipeline per process."""
        from drive.ml.nlp import load_nlp

        return load_nlp()

    @property
    def ocr(self) -> Ocr:
        """The OCR engine, one per process."""
        from drive.ml.ocr import load_ocr

        return load_ocr()

    @cached_property
    def chat(self) -> ChatModel | None:
        from drive.ml.chat import make_chat_model

        return make_chat_model(self.settings)

    def with_chat(self, settings: Settings) -> Models:
        """These models with the chat model of ``settings`` (a user's own connection): the embedder, spaCy
        and OCR stay the shared ones, so a second chat model costs no second embedder."""
        return _WithChat(self, settings)


class _WithChat(Models):
    def __init__(self, base: Models, settings: Settings) -> None:
        super().__init__(settings)
        self._base = base

    @cached_property
    def embedder(self) -> Embedder:
        return self._base.embedder
