"""Request and response bodies: the same shapes as the CLI's ``--json`` output, for the OpenAPI document."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ItemOut(BaseModel):
    """A file or folder, as ``ls --json`` prints it."""

    id: str
    name: str
    path: str
    kind: str
    type: str
    parent_id: str | None
    size: int
    mime: str | None
    status: str | None = Field(description="pending, processing, ready or failed (files only)")
    error: str | None
    sha256: str | None
    created_at: str
    updated_at: str


class PatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, description="new name")
    folder: str | None = Field(default=None, description="folder path or id to move into; '' is the root")


class FolderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(min_length=1, max_length=4096, description="a/b/c: created with its missing parents")


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=4000)
    mode: str = Field(default="auto", description="auto, local, global, vector, keyword or hybrid")
    session_id: str | None = Field(default=None, description="a conversation to continue (follow-ups)")
    folder: str | None = Field(default=None, description="only files below this folder (path or id)")
    type: list[str] | None = Field(default=None, description="only files with these extensions: pdf, docx...")
    since: str | None = Field(default=None, description="only files changed since this date (YYYY-MM-DD)")
    stream: bool = Field(default=False, description="answer as Server-Sent Events: token events, then answer")

    @field_validator("mode")
    @classmethod
    def known_mode(cls, mode: str) -> str:
        if mode not in ("auto", "local", "global", "vector", "keyword", "hybrid"):
            raise ValueError("choose one of auto, local, global, vector, keyword, hybrid")
        return mode

    @field_validator("since")
    @classmethod
    def iso_date(cls, since: str | None) -> str | None:
        if since is not None:
            datetime.fromisoformat(since)  # raises ValueError: a 422
        return since


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, max_length=120)


class SessionOut(BaseModel):
    id: str
    title: str


class CitationOut(BaseModel):
    file: str
    item_id: str
    page: int | None
    passage: str
    score: float
    period: str = ""  # the period the cited file covers ("Fiscal Year 2017"), '' when unknown


class AnswerOut(BaseModel):
    """An answer, as ``ask --json`` prints it (``rag.types.Answer.to_json``)."""

    answer: str
    short_answer: str | None  # a few words, when the files support one
    found: bool  # False: the files do not answer, and the answer makes no claim
    note: str | None  # why the answer is not the usual kind (the themes are still being computed, the model failed)
    mode: str
    citations: list[CitationOut]
    timings_ms: dict[str, float]


class EntityOut(BaseModel):
    name: str
    type: str
    aliases: list[str]
    mentions: int
    files: list[str]


class RelationshipOut(BaseModel):
    source: str
    target: str
    label: str | None
    weight: int
    files: list[str]


class CommunityOut(BaseModel):
    id: str
    level: int
    parent: str | None
    entities: list[str]
    title: str
    summary: str


class GraphPage(BaseModel):
    """One page of ``graph --json``: the same slice of each list; ``next_cursor`` while any has more."""

    entities: list[EntityOut]
    relationships: list[RelationshipOut]
    communities: list[CommunityOut]
    next_cursor: str | None


class RelationshipDetail(RelationshipOut):
    descriptions: list[str]


class PassageOut(BaseModel):
    item_id: str
    file: str
    page: int | None
    text: str


class EntityDetail(EntityOut):
    relationships: list[RelationshipDetail]
    passages: list[PassageOut]


class HealthOut(BaseModel):
    status: str
    database: bool


class Problem(BaseModel):
    """An error (application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
