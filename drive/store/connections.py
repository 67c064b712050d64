"""A user's own language-model connection (base URL, model, key), kept in the data home as
``connections/<user id>.json``: the folder 0700, each file 0600, written atomically. The key is stored
for the drive to use and never returned to a page (``ModelConnection``'s repr hides it too)."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from drive.errors import ConfigError
from drive.records import ModelConnection
from drive.settings import Settings


def _path(settings: Settings, owner: uuid.UUID) -> Path:
    return settings.home / "connections" / f"{owner}.json"


def load(settings: Settings, owner: uuid.UUID) -> ModelConnection | None:
    path = _path(settings, owner)
    try:
        raw = json.loads(path.read_text())
        return ModelConnection(str(raw["base_url"]), str(raw["model"]), str(raw.get("api_key", "")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"the saved model connection cannot be read ({path}): {exc}") from exc


def save(settings: Settings, owner: uuid.UUID, conn: ModelConnection) -> None:
    folder = _path(settings, owner).parent
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    tmp = folder / f".{owner}.{uuid.uuid4().hex}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, not even briefly
    with os.fdopen(fd, "w") as out:
        json.dump({"base_url": conn.base_url, "model": conn.model, "api_key": conn.api_key}, out)
    os.replace(tmp, _path(settings, owner))


def remove(settings: Settings, owner: uuid.UUID) -> None:
    _path(settings, owner).unlink(missing_ok=True)


def clean(base_url: str, model: str, api_key: str) -> ModelConnection:
    """A connection from what a person typed: a URL with a scheme and a model name are required."""
    url, name = base_url.strip().rstrip("/"), model.strip()
    if not url.startswith(("http://", "https://")):
        raise ConfigError("the base URL must start with http:// or https:// (e.g. http://localhost:11434/v1)")
    if not name:
        raise ConfigError("name the model to use (e.g. gpt-4o-mini or llama3.1)")
    return ModelConnection(url, name, api_key.strip())
