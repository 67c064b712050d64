"""SQLAlchemy ORM tables. The schema itself is created by Alembic migrations (drive/migrations)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from drive.settings import EMBEDDING_DIM


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    name_key: Mapped[str] = mapped_column(Text, unique=True)  # NFKC + casefold: one person, one name
    password_hash: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Blob(Base):
    """Stored content, one per (owner, sha256). ``state``: pending -> stored -> deleting."""

    __tablename__ = "blobs"
    __table_args__ = (UniqueConstraint("owner_id", "sha256"),)
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str | None] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(Text, unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Item(Base):
    """A file or a folder in an owner's tree. Names are unique within a folder (root included)."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("owner_id", "parent_id", "name", postgresql_nulls_not_distinct=True),
        CheckConstraint("kind in ('file', 'folder')", name="item_kind"),
        CheckConstraint(
            "status is null or status in ('pending', 'processing', 'ready', 'failed')", name="item_status"
        ),
        Index("items_listing", "owner_id", "parent_id", text("(kind <> 'folder')"), text("lower(name)"), "id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))
    blob_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("blobs.id"), index=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    mime: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    processing_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Document metadata found at extraction (drive.pipeline.ingest.metadata) and pages that could not be read.
    doc_title: Mapped[str | None] = mapped_column(Text)
    doc_author: Mapped[str | None] = mapped_column(Text)
    doc_date: Mapped[str | None] = mapped_column(Text)
    doc_period: Mapped[str | None] = mapped_column(Text)
    unreadable_pages: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))


class ItemText(Base):
    """The full extracted text of a file (for previews); chunk offsets index into it."""

    __tablename__ = "item_texts"
    __table_args__ = (Index("item_texts_owner_lower_words", "owner_id", "lower_words", postgresql_using="gin"),)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    pages: Mapped[int | None] = mapped_column(Integer)
    ocr_pages: Mapped[int] = mapped_column(Integer, default=0)
    # The words the file writes in lowercase (migration 0016): the drive-wide vote on one-word names.
    lower_words: Mapped[Any] = mapped_column(TSVECTOR, Computed(
        r"strip(to_tsvector('simple', regexp_replace(left(text, 200000), "
        r"'\m\w*[[:upper:][:digit:]_]\w*\M', ' ', 'g')))", persisted=True))


class Chunk(Base):
    __tablename__ = "chunks"
    __table_args__ = (
        UniqueConstraint("item_id", "idx"),
        Index(
            "chunks_embedding_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
        Index("chunks_owner_tsv_gin", "owner_id", "tsv", postgresql_using="gin"),  # btree_gin (migration 0012)
        Index("chunks_title_key", "owner_id", "title_key", postgresql_where="idx = 0"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # The file's name as words ("q3 report"): weighed above the body in full-text search.
    title: Mapped[str] = mapped_column(Text, default="", server_default="")
    title_key: Mapped[str | None] = mapped_column(Text)  # drive.names.title_key(title), on the opening chunk
    page: Mapped[int | None] = mapped_column(Integer)
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    # None for a later copy of a passage its file repeats (migration 0015).
    embedding: Mapped[Any] = mapped_column(Vector(EMBEDDING_DIM), nullable=True)
    tsv: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed(
            "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', text), 'B')",
            persisted=True,
        ),
    )


class Entity(Base):
    """A resolved entity of one owner: identity is its key; name, aliases and type (a vote over its
    mentions' labels) follow its mentions."""

    __tablename__ = "entities"
    __table_args__ = (UniqueConstraint("owner_id", "key"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    # What the graph page ranks by (graph.entity_importance), kept with name and type by refresh_entities
    # (migration 0013): mentions, files mentioning it, relation-evidence rows at either end.
    mentions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    files: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    degree: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Mention(Base):
    __tablename__ = "mentions"
    __table_args__ = (Index("mentions_entity_item", "entity_id", "item_id"),)  # an entity's files (0013)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"), index=True)
    chunk_id: Mapped[int] = mapped_column(ForeignKey("chunks.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    surface: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(32))  # the type NER gave this mention; the entity's is voted
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    sentence: Mapped[int] = mapped_column(Integer)
    ruled: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))  # label set by a file's rule (0017)


class RelationEvidence(Base):
    """One sentence (in one chunk) linking two entities; relationships aggregate these."""

    __tablename__ = "relation_evidence"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    chunk_id: Mapped[int] = mapped_column(ForeignKey("chunks.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"), index=True)
    label: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(8), default="offline")  # offline | llm


class Community(Base):
    """A community of entities at one level; ``id`` is a stable hash of (level, members)."""

    __tablename__ = "communities"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    summary_embedding: Mapped[Any] = mapped_column(Vector(EMBEDDING_DIM), nullable=True)
    summarized_by: Mapped[str] = mapped_column(String(16), default="offline")
    # Hash of what the summary was written from (members, their relationships, files): unchanged -> reused.
    digest: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CommunityMember(Base):
    __tablename__ = "community_members"
    community_id: Mapped[str] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class ChatSession(Base):
    __tablename__ = "chat_sessions"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text, default="New chat")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ChatMessage(Base):
    __tablename__ = "chat_messages"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    mode: Mapped[str | None] = mapped_column(String(32))
    citations: Mapped[Any] = mapped_column(JSONB, default=list)
    entities: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    feedback: Mapped[int | None] = mapped_column(SmallInteger)  # 1 thumbs up, -1 thumbs down, None not rated
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Job(Base):
    """The PostgreSQL-backed job queue. A running job whose heartbeat is stale is taken over by another worker."""

    __tablename__ = "jobs"
    __table_args__ = (
        # At most one queued job per dedupe key: re-enqueueing debounces instead of piling up.
        Index(
            "jobs_dedupe_queued",
            "dedupe_key",
            unique=True,
            postgresql_where="status = 'queued'",
        ),
        Index("jobs_claim", "status", "run_after"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    dedupe_key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    locked_by: Mapped[str | None] = mapped_column(Text)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # of the current attempt
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))



class ApiToken(Base):
    """A bearer token for the HTTP API. Only its sha256 is kept: the token itself is shown once."""

    __tablename__ = "api_tokens"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(Text, default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the token's first characters, to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
class DataKey(Base):
    """An owner's blob data key, wrapped by the master key ``master_id`` (see ``drive.store.encrypted``)."""

    __tablename__ = "data_keys"
    scope: Mapped[str] = mapped_column(Text, primary_key=True)
    master_id: Mapped[str] = mapped_column(Text, primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuthFailure(Base):
    """Failed sign-ins per user name or client, for backoff and lockout (``drive.store.signin_guard``)."""

    __tablename__ = "auth_failures"
    key: Mapped[str] = mapped_column(Text, primary_key=True)  # "name:<folded name>" or "client:<address>"
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuthSession(Base):
    """A browser session or one-time sign-in code, stored hashed (``drive.store.sessions``)."""

    __tablename__ = "auth_sessions"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"),
                                               index=True)
    kind: Mapped[str] = mapped_column(Text)  # "session" | "code"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AppSecret(Base):
    """Server-side secrets such as the key that signs cookies and download links."""

    __tablename__ = "app_secrets"
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RefusedUpload(Base):
    """A file refused at upload (too big, empty, bad name, name taken), kept for the app's status list."""

    __tablename__ = "refused_uploads"
    __table_args__ = (Index("ix_refused_uploads_owner_created", "owner_id", "created_at"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
