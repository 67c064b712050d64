"""A user's own OpenAI-compatible language model: connect (the key is write-only), test, disconnect, and the
drive's settings with that connection in place of the drive-wide one. A base class of ``DriveService``; the
connection file itself is ``drive.store.connections``'."""

from __future__ import annotations

import uuid

from drive.records import ModelConnection
from drive.settings import Settings
from drive.store import connections


class ModelLink:
    settings: Settings
    owner: uuid.UUID

    def model_connection(self) -> ModelConnection | None:
        """This user's language-model connection (with its key: for the drive's use, never for display)."""
        return connections.load(self.settings, self.owner)

    def connect_model(self, base_url: str, model: str, api_key: str = "") -> ModelConnection:
        """Save this user's OpenAI-compatible endpoint; an empty key keeps the saved one (it is never shown,
        so a form cannot fill it back in)."""
        conn = connections.clean(base_url, model, api_key)
        saved = self.model_connection()
        if not conn.api_key and saved is not None:
            conn = ModelConnection(conn.base_url, conn.model, saved.api_key)
        connections.save(self.settings, self.owner, conn)
        return conn

    def disconnect_model(self) -> None:
        connections.remove(self.settings, self.owner)

    def model_settings(self) -> Settings:
        """The drive's settings with this user's model connection in place of the drive-wide one."""
        conn = self.model_connection()
        if conn is None:
            return self.settings
        return self.settings.model_copy(update={"llm_base_url": conn.base_url, "llm_model": conn.model,
                                                "llm_api_key": conn.api_key or None})

    def test_model(self, base_url: str, model: str, api_key: str = "") -> str:
        """One short request to the endpoint; its reply, or ModelError/ConfigError saying what went wrong."""
        from drive.ml.chat import Message, OpenAIChatModel

        conn = connections.clean(base_url, model, api_key)
        saved = self.model_connection()
        key = conn.api_key or (saved.api_key if saved else "")
        chat = OpenAIChatModel(conn.model, base_url=conn.base_url, api_key=key or None, timeout=20, max_retries=0)
        return chat.complete([Message("user", "Reply with the single word OK.")]).strip()
