"""Backup and restore of a whole drive (``drive.store.backup``), each drive on databases of its own: a drive
with folders, files of several formats (ready and failed), chats, a graph and communities, backed up while a
worker processes it, restored into a fresh data home (local store and S3 over HTTP): every table equal row
for row, the same listing, byte-identical downloads, the same chat history, answers still found."""

from __future__ import annotations

import io
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from drive.core import Drive, open_drive
from drive.errors import BackupError
from drive.jobs.drain import drain
from drive.jobs.worker import Worker
from drive.ml.models import Models
from drive.pipeline.handlers import handlers
from drive.records import Status
from drive.service import DriveService
from drive.settings import Settings
from drive.store import chats
from drive.store.backup import Manifest, backup, raw_store, read_manifest, restore
from drive.store.blobs import PIECE, BlobStore, make_blob_store
from drive.store.crypto import MasterKey
from drive.store.db import Database
from drive.store.integrity import check
from drive.store.locks import BACKUP_LOCK
from drive.store.sweep import sweep
from drive.store.tables import Base
from rag.ask import ask
from tests.conftest import NewDatabase, make_settings
from tests.filegen import make_csv, make_docx, make_html, make_pdf

KEY = MasterKey.generate().encoded()


def home_settings(home: Path, url: str, **extra: object) -> Settings:
    return make_settings(home, url, THEDRIVE_MASTER_KEY=KEY, **extra)


def build(drive: Drive, tmp: Path) -> tuple[DriveService, dict[str, uuid.UUID]]:
    """Folders and files of several formats, one of them unreadable."""
    svc = drive.service(drive.user_id("ada"))
    reports, notes = svc.makedirs("work/reports"), svc.makedirs("notes")
    files = {
        "lab.pdf": (make_pdf(tmp / "lab.pdf", ["The cryostat serial number is ZX-4471.",
                                                "Marie Curie discovered polonium in Paris."]), reports),
        "company.docx": (make_docx(tmp / "company.docx", "Initech", [
            "Jane Miller founded Initech in Boston in 2004. Jane Miller then founded Globex in 2011."]), reports),
        "garden.html": (make_html(tmp / "garden.html", "Garden", "Tomatoes", [
            "Tomatoes need plenty of sunlight. Slugs eat young lettuce leaves at night."]), notes),
        "budget.csv": (make_csv(tmp / "budget.csv", [["item", "cost"], ["telescope", 1200], ["lens", 300]]), notes),
    }
    ids = {name: svc.upload(path.open("rb"), name, folder).id for name, (path, folder) in files.items()}
    ids["broken.pdf"] = svc.upload(io.BytesIO(b"%PDF-1.7\n" + bytes(range(256)) * 40), "broken.pdf", notes).id
    return svc, ids


def table_rows(db: Database) -> dict[str, list[str]]:
    """Every row of every table, as text, in a stable order."""
    out = {}
    with db.engine.connect() as c:
        for table in Base.metadata.tables:
            out[table] = sorted(c.execute(text(f'SELECT row_to_json(t)::text FROM "{table}" t')).scalars())
    return out


def downloads(svc: DriveService) -> dict[str, bytes]:
    return {i.path: b"".join(svc.open(i.id)[1]) for i in svc.list(recursive=True) if i.kind.value == "file"}


def restore_into(settings: Settings, archive: Path) -> Drive:
    manifest = read_manifest(archive)
    db = Database.connect(settings, run_migrations=False)
    try:
        restore(db, make_blob_store(settings), archive, manifest, settings.spool_dir)
    finally:
        db.dispose()
    return open_drive(settings, run_sweep=False)


def backup_while_processing(drive: Drive, models: Models, target: Path) -> Manifest:
    """Back up once the worker has finished its first job and while it goes on with the others."""
    first_done, taken = threading.Event(), threading.Event()
    worker = Worker(drive, handlers(), name="busy", models=models)

    def on_job(n: int) -> None:
        first_done.set()
        if n == 3:
            taken.wait(120)  # keep some work for after the backup

    runner = threading.Thread(target=drain, args=(worker,), kwargs={"on_job": on_job}, daemon=True)
    runner.start()
    assert first_done.wait(300)
    try:
        return backup(drive.db, drive.store, target)
    finally:
        taken.set()
        runner.join(600)


@pytest.mark.parametrize("storage", ["local", "s3"])
def test_restored_drive_is_the_same_drive(
    storage: str, new_database: NewDatabase, models: Models, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    def where(name: str) -> dict[str, object]:  # a home (and, on S3, a prefix of the bucket) of its own
        if storage == "local":
            return {}
        bucket, endpoint = request.getfixturevalue("s3_bucket"), request.getfixturevalue("s3_endpoint")
        return {"THEDRIVE_STORAGE": f"s3://{bucket}/{name}", "S3_ENDPOINT_URL": endpoint, "S3_REGION": "us-east-1"}

    source = open_drive(home_settings(tmp_path / "one", new_database(True), **where("one")), run_sweep=False)
    svc, ids = build(source, tmp_path)
    mid = backup_while_processing(source, models, tmp_path / "mid.zip")
    drain(Worker(source, handlers(), name="rest", models=models))
    session = chats.create_session(source.db, svc.owner)
    question = "What is the cryostat serial number?"
    before = ask(source, models, svc.owner, question, session_id=session)
    assert "ZX-4471" in before.text
    assert svc.get(ids["broken.pdf"]).status == Status.FAILED and svc.get(ids["lab.pdf"]).status == Status.READY
    final = backup(source.db, source.store, tmp_path / "final.zip")
    assert {t.name for t in final.tables} == set(Base.metadata.tables), "every table is in the backup"
    assert final.master_key_ids == [MasterKey.parse(KEY).id]

    copy = restore_into(home_settings(tmp_path / "two", new_database(False), **where("two")), tmp_path / "final.zip")
    try:
        assert table_rows(copy.db) == table_rows(source.db)
        twin = copy.service(svc.owner)
        assert [i.to_json() for i in twin.list(recursive=True)] == [i.to_json() for i in svc.list(recursive=True)]
        assert downloads(twin) == downloads(svc) and len(downloads(twin)) == 5
        assert chats.messages(copy.db, svc.owner, session) == chats.messages(source.db, svc.owner, session)
        again = ask(copy, models, svc.owner, question)
        assert "ZX-4471" in again.text and {c.file for c in again.citations} == {"lab.pdf"}
        assert check(copy.db, copy.store).ok
    finally:
        copy.close()

    # The backup taken mid-way restores into a drive whose work simply goes on.
    assert mid.master_key_ids and sum(t.rows for t in mid.tables if t.name == "items") == 8
    resumed = restore_into(home_settings(tmp_path / "three", new_database(False), **where("three")), tmp_path / "mid.zip")
    try:
        assert check(resumed.db, resumed.store).blobs == 5 and not check(resumed.db, resumed.store).missing
        waiting = [i for i in resumed.service(svc.owner).list(recursive=True) if i.status in (Status.PENDING, Status.PROCESSING)]
        assert waiting, "the backup was taken mid-way: some files were still to be processed"
        drain(Worker(resumed, handlers(), name="resumed", models=models), timeout=600)
        twin = resumed.service(svc.owner)
        assert {i.path: i.status for i in twin.list(recursive=True)} == {i.path: i.status for i in svc.list(recursive=True)}
        assert downloads(twin) == downloads(svc)
        assert "ZX-4471" in ask(resumed, models, svc.owner, question).text
    finally:
        resumed.close()
        source.close()


def test_damaged_or_truncated_backup_is_refused_before_anything_is_written(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    source = open_drive(home_settings(tmp_path / "one", new_database(True)), run_sweep=False)
    svc = source.service(source.user_id("bob"))
    svc.upload(io.BytesIO(b"x" * 300_000), "big.bin")
    good = tmp_path / "good.zip"
    backup(source.db, source.store, good)
    with pytest.raises(BackupError, match="already exists"):
        backup(source.db, source.store, good)
    source.close()
    data = good.read_bytes()
    truncated, flipped = tmp_path / "truncated.zip", tmp_path / "flipped.zip"
    truncated.write_bytes(data[: len(data) // 2])
    damaged = bytearray(data)
    damaged[data.index(b"blobs/") + 200] ^= 0xFF  # inside the stored blob
    flipped.write_bytes(bytes(damaged))
    for bad, why in ((truncated, "truncated"), (flipped, "damaged")):
        with pytest.raises(BackupError, match=why):
            read_manifest(bad)


def test_restore_refuses_a_database_that_is_not_empty(new_database: NewDatabase, tmp_path: Path) -> None:
    url = new_database(True)
    source = open_drive(home_settings(tmp_path / "one", url), run_sweep=False)
    source.service(source.user_id("eve")).upload(io.BytesIO(b"hello"), "a.txt")
    archive = tmp_path / "b.zip"
    manifest = backup(source.db, source.store, archive)
    before = table_rows(source.db)
    with pytest.raises(BackupError, match="not empty"):
        restore(source.db, make_blob_store(home_settings(tmp_path / "fresh", url)), archive, manifest,
                tmp_path / "spool")
    assert table_rows(source.db) == before
    source.close()


def test_blobs_are_not_deleted_while_a_backup_runs(new_database: NewDatabase, tmp_path: Path) -> None:
    settings = home_settings(tmp_path / "one", new_database(True))
    drive = open_drive(settings, run_sweep=False)
    svc = drive.service(drive.user_id("cy"))
    item = svc.upload(io.BytesIO(b"keep me until the backup is done"), "k.txt")
    key = next(iter(raw_store(drive.store).list_keys()))
    with drive.db.engine.connect() as holder:  # what a running backup holds
        holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": BACKUP_LOCK})
        svc.delete(item.id)
        assert drive.store.exists(key), "the backup may still copy it"
        assert sweep(drive.db, drive.store).objects_removed == 0 and drive.store.exists(key)
        holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": BACKUP_LOCK})
        holder.commit()
    assert sweep(drive.db, drive.store).objects_removed == 1 and not drive.store.exists(key)
    drive.close()


class PausingStore:
    """The real store, pausing before the first object is read (to delete files in the middle of a backup)."""

    def __init__(self, real: BlobStore) -> None:
        self.real, self.reading, self.go = real, threading.Event(), threading.Event()

    def iter_bytes(self, key: str, piece: int = PIECE, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        self.reading.set()
        self.go.wait(60)
        return self.real.iter_bytes(key, piece, start, end)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def test_a_file_deleted_during_a_backup_is_in_it(new_database: NewDatabase, tmp_path: Path) -> None:
    drive = open_drive(home_settings(tmp_path / "one", new_database(True)), run_sweep=False)
    svc = drive.service(drive.user_id("dan"))
    kept = {n: svc.upload(io.BytesIO(f"contents of {n} ".encode() * 1000), n).id for n in ("a.txt", "b.txt")}
    pausing = PausingStore(raw_store(drive.store))
    made: list[Manifest] = []
    running = threading.Thread(target=lambda: made.append(backup(drive.db, pausing, tmp_path / "b.zip")))  # type: ignore[arg-type]
    running.start()
    assert pausing.reading.wait(60)
    svc.delete(kept["b.txt"])
    sweep(drive.db, drive.store)  # another process starting meanwhile
    pausing.go.set()
    running.join(60)
    assert made and len(made[0].blobs) == 2
    assert sweep(drive.db, drive.store).objects_removed == 1, "the held-back delete is done afterwards"
    drive.close()
    copy = restore_into(home_settings(tmp_path / "two", new_database(False)), tmp_path / "b.zip")
    try:
        twin = copy.service(svc.owner)
        assert b"".join(twin.open(kept["b.txt"])[1]) == b"contents of b.txt " * 1000
        assert check(copy.db, copy.store).ok
    finally:
        copy.close()
