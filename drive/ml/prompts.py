"""Prompt templates kept as files in the ``prompts`` package (package data, loaded with importlib.resources).

A template file holds a system part and a user part, each introduced by a marker line
(``<!-- system -->``, ``<!-- user -->``); placeholders use ``string.Template`` syntax
(``$question``), so braces in prose need no escaping and a literal dollar is ``$$``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template

from drive.errors import ConfigError
from drive.ml.chat import Message

PROMPTS_PACKAGE = "prompts"

_MARKER = re.compile(r"^<!--\s*(system|user)\s*-->\s*$", re.MULTILINE)


@dataclass(frozen=True)
class PromptTemplate:
    """A loaded template; ``render`` fills every placeholder (a missing value is an error)."""

    name: str
    system: Template
    user: Template

    def render(self, **values: str) -> list[Message]:
        return [
            Message("system", self.system.substitute(values).strip()),
            Message("user", self.user.substitute(values).strip()),
        ]


@cache
def load_prompt(name: str) -> PromptTemplate:
    """The template ``prompts/<name>.md``, read once per process."""
    folder = resources.files(PROMPTS_PACKAGE)
    path = folder / f"{name}.md"
    if not path.is_file():
        known = sorted(p.name.removesuffix(".md") for p in folder.iterdir() if p.name.endswith(".md"))
        raise ConfigError(f"No prompt named {name!r}; known prompts: {', '.join(known) or 'none'}.")
    parts = _split_parts(path.read_text(encoding="utf-8"))
    if set(parts) != {"system", "user"}:
        raise ConfigError(f"Prompt {name}.md needs a '<!-- system -->' and a '<!-- user -->' part.")
    return PromptTemplate(name, Template(parts["system"]), Template(parts["user"]))


def _split_parts(text: str) -> dict[str, str]:
    markers = list(_MARKER.finditer(text))
    parts: dict[str, str] = {}
    for marker, following in zip(markers, [*markers[1:], None], strict=True):
        end = following.start() if following else len(text)
        parts[marker.group(1)] = text[marker.end() : end].strip()
    return parts
