"""Typed records that cross module boundaries (pipeline stages, service, RAG, UI)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

# Global search ranks communities of levels 0..SEARCHED_LEVELS; the communities job embeds only those.
SEARCHED_LEVELS = 1


class ItemKind(StrEnum):
    FILE = "file"
    FOLDER = "folder"


class Status(StrEnum):
    """Processing status of a file: pending -> processing -> ready | failed."""

    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class BlobState(StrEnum):
    """A stored content's life: pending (being written) -> stored -> deleting (no item uses it)."""

    PENDING = "pending"
    STORED = "stored"
    DELETING = "deleting"


class JobState(StrEnum):
    """A job's life: queued -> running -> done | failed (a transient failure goes back to queued)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class DriveCounts:
    """How many files an owner has, by processing status."""

    files: int
    ready: int
    failed: int
    busy: int  # pending or processing


@dataclass(frozen=True)
class ItemInfo:
    """One file or folder as the service returns it."""

    id: uuid.UUID
    name: str
    path: str
    kind: ItemKind
    parent_id: uuid.UUID | None
    size: int
    mime: str | None
    status: Status | None
    error: str | None
    sha256: str | None
    created_at: datetime
    updated_at: datetime
    # What the document says about itself (None until processed, or unknown); see DocMeta.
    title: str | None = None
    author: str | None = None
    doc_date: str | None = None
    period: str | None = None
    unreadable_pages: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The JSON form of ``ls --json`` and of the HTTP API (one shape for both)."""
        data = asdict(self)
        data.update(
            id=str(self.id),
            parent_id=str(self.parent_id) if self.parent_id else None,
            type=self.kind.value,
            created_at=self.created_at.isoformat(),
            updated_at=self.updated_at.isoformat(),
            kind=self.kind.value,
            status=self.status.value if self.status else None,
        )
        return data


# ---------------------------------------------------------------- extraction


@dataclass(frozen=True)
class Section:
    """A run of extracted text with the page (PDF page, slide, sheet number) it came from.

    ``page`` is 1-based, or None for formats without pages (plain text, HTML, ...).
    ``heading`` names the sheet/slide title where the format has one.
    """

    text: str
    page: int | None = None
    heading: str | None = None


@dataclass(frozen=True)
class DocMeta:
    """What a document says about itself: title, author, date and the period it covers ('' when unknown).

    ``created`` is the raw property (e.g. a PDF ``D:20230401...`` date); ``date`` an ISO date
    (YYYY-MM-DD or YYYY-MM or YYYY); ``period`` a phrase such as "quarter ended April 1, 2023".
    """

    title: str = ""
    author: str = ""
    created: str = ""
    date: str = ""
    period: str = ""


@dataclass(frozen=True)
class Extracted:
    """The text of one file, as ordered sections.

    ``unreadable_pages`` lists the 1-based pages that could not be read (the rest is still there);
    ``meta`` holds the file's own properties (title, author, ...), as far as the format has them.
    """

    sections: list[Section]
    mime: str
    ocr_pages: int = 0
    unreadable_pages: tuple[int, ...] = ()
    meta: DocMeta = DocMeta()

    @property
    def text(self) -> str:
        return SECTION_SEPARATOR.join(s.text for s in self.sections)


SECTION_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class ChunkRecord:
    """A passage ready to embed: offsets index into ``Extracted.text``."""

    index: int
    text: str
    page: int | None
    char_start: int
    char_end: int


# ---------------------------------------------------------------- graph


@dataclass(frozen=True)
class MentionRecord:
    """A named-entity mention inside one chunk (span is relative to the chunk text)."""

    chunk_index: int
    surface: str
    label: str
    start: int
    end: int
    sentence: int
    ruled: bool = False  # the label comes from what the file itself says (a brand, a list), not the model


@dataclass(frozen=True)
class ResolvedMention:
    """A mention mapped to its entity: ``key`` is the normalized identity within ``label``."""

    mention: MentionRecord
    key: str


@dataclass(frozen=True)
class RelationRecord:
    """Two entities seen together in one sentence of one chunk.

    ``source``/``target`` are (label, key) pairs; ``verb`` is the dependency-parse verb
    between them when there is one.
    """

    chunk_index: int
    source: tuple[str, str]
    target: tuple[str, str]
    verb: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class RecentFiles:
    """Files uploaded, processed or failing lately (the upload status list): the newest of each status,
    and how many there are of each in all."""

    items: list[ItemInfo]
    totals: dict[Status, int]


@dataclass(frozen=True)
class RefusedFile:
    """A file the drive refused at upload, with why (shown in the upload status list)."""

    name: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class ModelConnection:
    """A user's own OpenAI-compatible language model. The key is write-only: it is never shown or logged."""

    base_url: str
    model: str
    api_key: str = field(default="", repr=False)
