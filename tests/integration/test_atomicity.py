"""Fault injection: a failure or crash at any point of an upload or delete leaves, after the sweep,
no blob without a row and no row pointing at a missing blob — and the file can be uploaded again."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from drive.core import Drive
from drive.errors import StorageError
from drive.service import DriveService
from drive.store import queue as jobs
from drive.store.sweep import sweep


def consistency(drive: Drive, owner: uuid.UUID) -> tuple[set[str], set[str], list[str]]:
    with drive.db.session() as s:
        rows = set(s.execute(text("SELECT key FROM blobs WHERE owner_id = :o"), {"o": owner}).scalars())
        dangling = list(s.execute(text(
            "SELECT i.name FROM items i LEFT JOIN blobs b ON b.id = i.blob_id "
            "WHERE i.owner_id = :o AND i.kind = 'file' AND (b.id IS NULL OR b.state <> 'stored')"), {"o": owner}
        ).scalars())
    objects = set(drive.store.list_keys(f"{owner}/"))
    return rows, objects, dangling


def assert_clean(drive: Drive, owner: uuid.UUID) -> None:
    rows, objects, dangling = consistency(drive, owner)
    assert rows == objects, "every blob row has its object and every object its row"
    for key in rows:
        assert drive.store.exists(key)
    assert dangling == []


def crash_instead_of_cleanup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulate the process dying at the failure point: no in-process cleanup runs."""
    monkeypatch.setattr(DriveService, "_abandon_blob", lambda self, blob_id, key: None)


def test_storage_failing_after_the_blob_write(drive: Drive, svc: DriveService, monkeypatch: pytest.MonkeyPatch) -> None:
    real_put = drive.store.put_file

    def put_then_fail(key: str, path: Path, content_type: str | None = None) -> None:
        real_put(key, path, content_type)
        raise StorageError("connection reset after the write")

    monkeypatch.setattr(drive.store, "put_file", put_then_fail)
    with pytest.raises(StorageError):
        svc.upload(io.BytesIO(b"payload"), "a.txt")
    assert svc.list() == []
    assert_clean(drive, svc.owner)  # cleaned up in-process
    crash_instead_of_cleanup(monkeypatch)
    with pytest.raises(StorageError):
        svc.upload(io.BytesIO(b"payload 2"), "b.txt")
    rows, objects, _ = consistency(drive, svc.owner)
    assert len(objects) == 1 and len(rows) == 1, "the crash left a pending blob behind"
    sweep(drive.db, drive.store, grace_seconds=0)
    assert consistency(drive, svc.owner)[:2] == (set(), set())
    monkeypatch.setattr(drive.store, "put_file", real_put)
    info = svc.upload(io.BytesIO(b"payload 2"), "b.txt")
    assert b"".join(svc.open(info.id)[1]) == b"payload 2"
    assert_clean(drive, svc.owner)


def test_database_failing_before_commit(drive: Drive, svc: DriveService, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_enqueue(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database connection lost before commit")

    monkeypatch.setattr(jobs, "enqueue", broken_enqueue)
    crash_instead_of_cleanup(monkeypatch)
    with pytest.raises(RuntimeError):
        svc.upload(io.BytesIO(b"report body"), "report.txt")
    assert svc.list() == [], "the item row was rolled back"
    assert len(consistency(drive, svc.owner)[1]) == 1, "the object was written before the failure"
    sweep(drive.db, drive.store, grace_seconds=0)
    assert consistency(drive, svc.owner)[:2] == (set(), set())
    monkeypatch.undo()
    info = svc.upload(io.BytesIO(b"report body"), "report.txt")
    assert svc.resolve("report.txt").id == info.id
    assert_clean(drive, svc.owner)


def test_crash_between_delete_commit_and_blob_removal(
    drive: Drive, svc: DriveService, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = svc.upload(io.BytesIO(b"to be deleted"), "d.txt")

    def store_down(key: str) -> None:
        raise StorageError("store unreachable")

    monkeypatch.setattr(drive.store, "delete", store_down)
    with pytest.raises(StorageError):
        svc.delete(info.id)
    assert svc.list() == [], "the item is gone for the user at once"
    monkeypatch.undo()
    sweep(drive.db, drive.store, grace_seconds=0)
    assert consistency(drive, svc.owner)[:2] == (set(), set())


def test_sweep_spares_an_upload_in_flight(drive: Drive, svc: DriveService) -> None:
    blob_id, key, stored = svc._claim_blob("0" * 64, 5, "text/plain")
    assert not stored
    sweep(drive.db, drive.store, grace_seconds=600)
    with drive.db.session() as s:
        assert s.execute(text("SELECT count(*) FROM blobs WHERE id = :i"), {"i": blob_id}).scalar_one() == 1


def test_sweep_removes_objects_nobody_knows(drive: Drive, svc: DriveService, tmp_path: Path) -> None:
    stray = tmp_path / "stray"
    stray.write_bytes(b"left by a crashed process")
    drive.store.put_file(f"{svc.owner}/ab/stray", stray)
    keep = svc.upload(io.BytesIO(b"kept"), "k.txt")
    report = sweep(drive.db, drive.store, grace_seconds=0)
    assert report.objects_removed >= 1
    assert not drive.store.exists(f"{svc.owner}/ab/stray")
    assert b"".join(svc.open(keep.id)[1]) == b"kept"
