"""The drive service: upload, folders, rename, move, delete, download — through the real database and store."""

from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import text

from drive.core import Drive
from drive.errors import EmptyFile, InvalidMove, InvalidName, NameClash, NotFound, TooLarge
from drive.records import ItemKind, Status
from drive.service import DriveService


def up(svc: DriveService, name: str, data: bytes = b"hello", folder: uuid.UUID | None = None):
    return svc.upload(io.BytesIO(data), name, folder)


def counts(drive: Drive, owner: uuid.UUID) -> tuple[int, int, int]:
    with drive.db.session() as s:
        items = s.execute(text("SELECT count(*) FROM items WHERE owner_id = :o"), {"o": owner}).scalar_one()
        blobs = s.execute(text("SELECT count(*) FROM blobs WHERE owner_id = :o"), {"o": owner}).scalar_one()
    objects = len(list(drive.store.list_keys(f"{owner}/")))
    return items, blobs, objects


def test_upload_then_download_the_same_bytes(svc: DriveService) -> None:
    data = b"line\n" * 100_000
    info = up(svc, "notes.txt", data)
    assert (info.name, info.path, info.kind, info.size, info.status) == (
        "notes.txt", "notes.txt", ItemKind.FILE, len(data), Status.PENDING)
    assert info.mime == "text/plain"
    got, pieces = svc.open(info.id)
    assert b"".join(pieces) == data
    assert svc.resolve("notes.txt").id == info.id


def test_identical_content_is_stored_once(drive: Drive, svc: DriveService) -> None:
    a = up(svc, "a.txt", b"same bytes")
    b = up(svc, "b.txt", b"same bytes")
    assert a.sha256 == b.sha256
    assert counts(drive, svc.owner) == (2, 1, 1)
    svc.delete(a.id)
    assert counts(drive, svc.owner) == (1, 1, 1), "the blob stays while b.txt uses it"
    assert b"".join(svc.open(b.id)[1]) == b"same bytes"
    svc.delete(b.id)
    assert counts(drive, svc.owner) == (0, 0, 0)


def test_folders_rename_move_and_paths(svc: DriveService) -> None:
    reports = svc.mkdir("reports")
    q3 = svc.mkdir("q3", reports.id)
    f = up(svc, "summary.pdf", b"%PDF-1.4 fake", q3.id)
    assert svc.get(f.id).path == "reports/q3/summary.pdf"
    assert svc.resolve("reports/q3/summary.pdf").id == f.id
    svc.rename(q3.id, "Q3 2026")
    assert svc.get(f.id).path == "reports/Q3 2026/summary.pdf"
    svc.move(f.id, None)
    assert svc.get(f.id).path == "summary.pdf"
    assert [i.path for i in svc.list(recursive=True)] == ["reports", "reports/Q3 2026", "summary.pdf"]


def test_name_clashes_are_clear_errors(svc: DriveService) -> None:
    up(svc, "a.txt")
    with pytest.raises(NameClash, match="already exists"):
        up(svc, "a.txt", b"other")
    folder = svc.mkdir("f")
    b = up(svc, "a.txt", b"x", folder.id)
    with pytest.raises(NameClash):
        svc.move(b.id, None)
    with pytest.raises(NameClash):
        svc.mkdir("f")
    c = up(svc, "c.txt")
    with pytest.raises(NameClash):
        svc.rename(c.id, "a.txt")
    assert svc.get(c.id).name == "c.txt"


def test_a_folder_cannot_move_into_itself_or_a_file(svc: DriveService) -> None:
    outer = svc.mkdir("outer")
    inner = svc.mkdir("inner", outer.id)
    f = up(svc, "f.txt")
    with pytest.raises(InvalidMove):
        svc.move(outer.id, inner.id)
    with pytest.raises(InvalidMove):
        svc.move(outer.id, f.id)
    with pytest.raises(InvalidMove):
        up(svc, "g.txt", b"x", f.id)


def test_deleting_a_folder_with_100_files_leaves_nothing(drive: Drive, svc: DriveService) -> None:
    top = svc.mkdir("archive")
    sub = svc.mkdir("2025", top.id)
    for n in range(100):
        up(svc, f"doc{n}.txt", f"document number {n}".encode(), sub.id if n % 2 else top.id)
    keep = up(svc, "keep.txt", b"keep me")
    assert counts(drive, svc.owner) == (103, 101, 101)
    assert svc.delete(top.id) == 102
    assert counts(drive, svc.owner) == (1, 1, 1)
    with drive.db.session() as s:
        jobs = s.execute(text("SELECT count(*) FROM jobs WHERE owner_id = :o AND item_id IS NOT NULL"),
                         {"o": svc.owner}).scalar_one()
    assert jobs == 1, "queued jobs of deleted files are gone"
    assert b"".join(svc.open(keep.id)[1]) == b"keep me"


@pytest.mark.parametrize(
    "name, message",
    [("", "empty"), ("   ", "empty"), ("a/b.txt", "'/'"), ("..", "not a valid name"), (".", "not a valid name"),
     ("a\x00b", "NUL"), ("x" * 300, "at most 255 bytes"), ("tab\there", "control")],
)
def test_bad_names_are_refused_and_nothing_is_written(drive: Drive, svc: DriveService, name: str, message: str) -> None:
    with pytest.raises(InvalidName, match=message):
        up(svc, name)
    with pytest.raises(InvalidName):
        svc.mkdir(name)
    assert counts(drive, svc.owner) == (0, 0, 0)


def test_empty_and_oversized_files_are_refused(drive: Drive, svc: DriveService) -> None:
    with pytest.raises(EmptyFile, match="empty"):
        up(svc, "empty.txt", b"")
    svc.settings.max_upload_bytes = 1000
    with pytest.raises(TooLarge, match="1,000-byte upload limit"):
        up(svc, "big.bin", b"x" * 1001)
    assert up(svc, "fits.bin", b"x" * 1000).size == 1000
    assert counts(drive, svc.owner) == (1, 1, 1)
    assert not any(drive.settings.spool_dir.iterdir()), "no spool file left behind"


def test_user_b_cannot_touch_user_a_items_even_by_id(drive: Drive, svc: DriveService) -> None:
    a_file = up(svc, "secret.txt", b"A's secret")
    a_folder = svc.mkdir("private")
    other = drive.service(drive.user_id(f"b{uuid.uuid4().hex[:8]}"))
    assert other.list(recursive=True) == []
    for action in (
        lambda: other.get(a_file.id),
        lambda: other.open(a_file.id),
        lambda: other.rename(a_file.id, "mine.txt"),
        lambda: other.move(a_file.id, None),
        lambda: other.delete(a_file.id),
        lambda: other.resolve(str(a_file.id)),
        lambda: other.resolve("secret.txt"),
        lambda: other.list(a_folder.id),
        lambda: other.mkdir("x", a_folder.id),
        lambda: other.reprocess(a_file.id),
    ):
        with pytest.raises(NotFound):
            action()
    mine = up(other, "b.txt")
    with pytest.raises(NotFound):
        other.move(mine.id, a_folder.id)
    assert b"".join(svc.open(a_file.id)[1]) == b"A's secret"
    assert svc.get(a_file.id).name == "secret.txt"
