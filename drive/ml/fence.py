"""Document text is data, never instructions: the fences that wrap untrusted text in every prompt.

Each prompt puts the text it quotes between a fence's ``open`` and ``close`` lines and tells the model
that what lies inside is data. ``unfence`` makes sure the quoted text can never close the fence itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE_RUN = re.compile(r"<{3,}|>{3,}")
_BRACKET_NUMBERS = re.compile(r"\[(\s*\d+(?:\s*[,;\-–]\s*\d+)*\s*)\]")


@dataclass(frozen=True)
class Fence:
    """``<<<NAME`` ... ``NAME>>>`` around quoted text."""

    name: str

    @property
    def open(self) -> str:
        return f"<<<{self.name}"

    @property
    def close(self) -> str:
        return f"{self.name}>>>"

    def wrap(self, text: str) -> str:
        """The text, made safe with ``unfence``, between the fence lines."""
        return "\n".join([self.open, unfence(text), self.close])


DOCUMENTS = Fence("DOCUMENTS")  # retrieved passages (answers, global search)
TEXT = Fence("TEXT")  # one chunk (LLM relation extraction)
COMMUNITY = Fence("COMMUNITY")  # a community's members and sentences (summaries)
CONVERSATION = Fence("CONVERSATION")  # earlier turns (follow-up rewriting)


def unfence(text: str) -> str:
    """Space out runs of ``<<<``/``>>>`` so the text can never open or close a data fence."""
    return _FENCE_RUN.sub(lambda m: " ".join(m.group()), text)


def neutralise(text: str) -> str:
    """Make document text unable to close the data fence or pose as a passage header.

    Besides ``unfence``, bracketed numbers become parenthesised, so the only ``[n]`` the
    model sees are the real passage numbers.
    """
    return _BRACKET_NUMBERS.sub(r"(\1)", unfence(text))
