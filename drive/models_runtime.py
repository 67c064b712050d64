"""The models a worker or the app uses, loaded lazily once per process and shared by threads."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from drive.settings import Settings

if TYPE_CHECKING:
    from drive.embed import Embedder
    from drive.llm import ChatModel


class Models:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()

    @cached_property
    def embedder(self) -> Embedder:
        from drive.embed import make_embedder

        with self._lock:
            return make_embedder(self.settings)

    @cached_property
    def chat(self) -> ChatModel | None:
        from drive.llm import make_chat_model

        return make_chat_model(self.settings)
