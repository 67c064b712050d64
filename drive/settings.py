"""The one settings object, read from environment variables and an optional ``.env`` file.

Load it once (``Settings()``) at the edge (CLI, app, worker, tests) and pass it down.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The dimension of stored vectors (chunks and community summaries): fixed by the schema's vector(384)
# columns, so an embedder must produce exactly this many.
EMBEDDING_DIM = 384


def _cores() -> int:
    return os.cpu_count() or 1


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # Where everything local lives: embedded database, local blob store, temp spool.
    home: Path = Field(default=Path(".thedrive"), validation_alias="THEDRIVE_HOME")
    # Unset: an embedded PostgreSQL 18 + pgvector under ``home/pg``, shared by every process.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    # Off behind a transaction-mode connection pooler that cannot keep them (PgBouncer < 1.21).
    db_prepared_statements: bool = Field(default=True, validation_alias="THEDRIVE_DB_PREPARED_STATEMENTS")
    # The embedded server's page cache (PostgreSQL's default, 128 MB, is far less than a large drive's vector
    # index): 0 = a quarter of the machine's memory, at most 2 GB. Read when the server starts.
    pg_shared_buffers_mb: int = Field(default=0, ge=0, validation_alias="THEDRIVE_PG_SHARED_BUFFERS_MB")

    # Storage: unset means a local folder store under ``home/blobs``; ``s3://bucket/prefix`` uses boto3.
    storage_url: str | None = Field(default=None, validation_alias="THEDRIVE_STORAGE")
    s3_endpoint_url: str | None = Field(default=None, validation_alias="S3_ENDPOINT_URL")
    s3_region: str | None = Field(default=None, validation_alias="S3_REGION")
    # e.g. "AES256" or "aws:kms"; passed as ServerSideEncryption on every write.
    s3_sse: str | None = Field(default=None, validation_alias="S3_SSE")
    s3_multipart_threshold: int = Field(default=8 * 1024 * 1024, validation_alias="S3_MULTIPART_THRESHOLD")

    # Encryption at rest of every blob (AES-256-GCM), on top of S3_SSE if set. The master key: base64 of 32
    # bytes; unset, one is generated at first start into ``home/master.key`` (0600). Keep a copy of it.
    encryption: bool = Field(default=True, validation_alias="THEDRIVE_ENCRYPTION")
    master_key: str | None = Field(default=None, validation_alias="THEDRIVE_MASTER_KEY", repr=False)

    max_upload_bytes: int = Field(default=512 * 1024 * 1024, validation_alias="THEDRIVE_MAX_UPLOAD_BYTES")
    user: str = Field(default="local", validation_alias="THEDRIVE_USER")
    accounts: bool = Field(default=False, validation_alias="THEDRIVE_ACCOUNTS")
    # Sign-in (accounts on): failures allowed per user name and per client address before each further one
    # locks that name / client for twice as long as the last (2 s, 4 s, ...) up to the maximum lock.
    signin_name_failures: int = Field(default=3, ge=1, validation_alias="THEDRIVE_SIGNIN_NAME_FAILURES")
    signin_client_failures: int = Field(default=20, ge=1, validation_alias="THEDRIVE_SIGNIN_CLIENT_FAILURES")
    signin_max_lock_seconds: float = Field(default=900.0, ge=1, validation_alias="THEDRIVE_SIGNIN_MAX_LOCK_SECONDS")
    # How long a browser stays signed in (its session cookie and the server's record of it).
    session_hours: float = Field(default=168.0, gt=0, validation_alias="THEDRIVE_SESSION_HOURS")

    # HTTP API (``python -m drive serve``)
    # Origins a separate web frontend is served from, comma-separated ("https://drive.example.com"); empty: no CORS.
    api_cors_origins: str = Field(default="", validation_alias="THEDRIVE_API_CORS_ORIGINS")
    # Largest request body other than an upload (JSON); an upload may be max_upload_bytes plus form overhead.
    api_max_body_bytes: int = Field(default=1024 * 1024, ge=1024, validation_alias="THEDRIVE_API_MAX_BODY_BYTES")
    # Bad tokens from one client wait twice as long each time, up to this many seconds.
    api_auth_max_delay: float = Field(default=8.0, ge=0, validation_alias="THEDRIVE_API_AUTH_MAX_DELAY")

    # Pipeline
    chunk_size: int = Field(default=1000, validation_alias="THEDRIVE_CHUNK_SIZE")
    chunk_overlap: int = Field(default=150, validation_alias="THEDRIVE_CHUNK_OVERLAP")
    embedder: str = Field(default="minilm", validation_alias="THEDRIVE_EMBEDDER")  # minilm | openai
    embedding_model: str = Field(default="text-embedding-3-small", validation_alias="THEDRIVE_EMBEDDING_MODEL")
    embedding_dim: int = EMBEDDING_DIM
    # onnxruntime threads per embedding call; 1 does the most per CPU second when a job runs per core.
    embed_threads: int = Field(default=1, ge=1, validation_alias="THEDRIVE_EMBED_THREADS")
    ocr: bool = Field(default=True, validation_alias="THEDRIVE_OCR")
    # Reading one file (in its own child process): memory (address space) and time it may take, and how
    # much of its text and how many passages are indexed at most (the rest is left out, and the file says so).
    extract_memory_mb: int = Field(default=1536, ge=256, validation_alias="THEDRIVE_EXTRACT_MEMORY_MB")
    extract_seconds: float = Field(default=300.0, gt=0, validation_alias="THEDRIVE_EXTRACT_SECONDS")
    max_text_chars: int = Field(default=3_000_000, ge=1000, validation_alias="THEDRIVE_MAX_TEXT_CHARS")
    max_chunks: int = Field(default=3000, ge=1, validation_alias="THEDRIVE_MAX_CHUNKS")

    # Jobs
    # Jobs the app runs at once (and ``python -m drive worker`` unless told otherwise): one per core, plus
    # one to use the time the others spend waiting on the database (measured: ≈ 8 % more files/s on 2 cores).
    workers_in_app: int = Field(default_factory=lambda: _cores() + 1, ge=0,
                                validation_alias="THEDRIVE_APP_WORKERS")
    # Processes running spaCy for the graph jobs (each ≈ 150 MB): one per core (the default on two or more)
    # lets the graph phase use every core; 0 runs it in the worker's own process, one graph job at a time
    # (what a single core gets: a pool there adds memory and no speed).
    nlp_processes: int = Field(default_factory=lambda: _cores() if _cores() > 1 else 0, ge=0,
                               validation_alias="THEDRIVE_NLP_PROCESSES")
    job_stale_seconds: float = Field(default=60.0, validation_alias="THEDRIVE_JOB_STALE_SECONDS")
    job_max_attempts: int = Field(default=4, validation_alias="THEDRIVE_JOB_MAX_ATTEMPTS")
    community_debounce_seconds: float = Field(default=3.0, validation_alias="THEDRIVE_COMMUNITY_DEBOUNCE_SECONDS")
    # A user with at least this many passages, while others hold at least as many, gets a vector index of
    # their own (drive.store.owner_index), built with this much PostgreSQL maintenance memory.
    owner_index_min_chunks: int = Field(default=50_000, ge=1, validation_alias="THEDRIVE_OWNER_INDEX_MIN_CHUNKS")
    owner_index_memory_mb: int = Field(default=256, ge=64, validation_alias="THEDRIVE_OWNER_INDEX_MEMORY_MB")

    # Optional LLM: any OpenAI-compatible endpoint. Unset base URL and key: offline, extractive answers.
    llm_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    llm_api_key: str | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    llm_model: str = Field(default="gpt-4o-mini", validation_alias="THEDRIVE_LLM_MODEL")
    llm_relations: bool = Field(default=False, validation_alias="THEDRIVE_LLM_RELATIONS")

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url or self.llm_api_key)

    @property
    def cors_origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.api_cors_origins.split(",") if o.strip()]

    @property
    def pg_dir(self) -> Path:
        return self.home / "pg"

    @property
    def blob_dir(self) -> Path:
        return self.home / "blobs"

    @property
    def master_key_path(self) -> Path:
        return self.home / "master.key"

    @property
    def spool_dir(self) -> Path:
        return self.home / "spool"
