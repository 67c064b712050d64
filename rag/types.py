"""The answering layer's records: what retrieval finds (``Passage``), what an answer cites (``Citation``),
the answer itself, a conversation turn, and the filters a question may carry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Filters:
    """Optional narrowing: a folder (and everything below it), file extensions, a modification window, and
    particular files (``files``: item ids; empty is every file)."""

    folder: uuid.UUID | None = None
    extensions: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    files: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class Scope:
    """Where a search looks: one owner's rows, read through one database session, narrowed by filters.
    Every search function takes one, so no query can forget the owner."""

    session: Session
    owner: uuid.UUID
    filters: Filters | None = None


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with everything needed to cite it."""

    chunk_id: int
    item_id: uuid.UUID
    file: str
    page: int | None
    text: str
    score: float = 0.0
    sources: tuple[str, ...] = ()
    period: str = ""  # the period its file covers, as the file states it ("Fiscal Year 2017"), if known


@dataclass(frozen=True)
class Citation:
    n: int
    file: str
    item_id: uuid.UUID
    page: int | None
    passage: str
    score: float
    period: str = ""  # the period the cited file covers ("quarter ended April 1, 2023"), '' if unknown

    def to_json(self) -> dict[str, Any]:
        """The JSON form kept with a chat message and printed by ``ask --json``."""
        return {"n": self.n, "file": self.file, "item_id": str(self.item_id), "page": self.page,
                "passage": self.passage, "score": self.score, "period": self.period}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Citation | None:
        """Back from ``to_json``; None for a malformed entry."""
        try:
            return cls(n=int(raw["n"]), file=str(raw["file"]), item_id=uuid.UUID(str(raw["item_id"])),
                       page=raw.get("page"), passage=str(raw.get("passage", "")),
                       score=float(raw.get("score") or 0.0), period=str(raw.get("period") or ""))
        except (KeyError, ValueError, TypeError):
            return None


@dataclass
class Answer:
    text: str
    mode: str
    citations: list[Citation] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    extractive: bool = False
    note: str | None = None  # why it is not the usual answer: a model that failed, themes not computed yet
    short_answer: str | None = None  # the direct answer in a few words, when the files support one
    found: bool = True  # False: the files do not answer; the text says so and makes no claim
    support: float | None = None  # how strongly the passages back an offline answer (0..1)

    def to_json(self) -> dict[str, Any]:
        """The JSON form of ``ask --json`` and of the HTTP API's answers (one shape for both)."""
        citations = [c.to_json() for c in self.citations]
        for c in citations:
            c.pop("n", None)
        return {"answer": self.text, "short_answer": self.short_answer, "found": self.found, "note": self.note,
                "mode": self.mode, "citations": citations, "timings_ms": self.timings_ms}


@dataclass
class Turn:
    """One message of the conversation; ``entities`` are the names found in it (may be empty)."""

    role: Literal["user", "assistant"]
    content: str
    entities: list[str] = field(default_factory=list)
