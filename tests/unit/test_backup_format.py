"""The backup file's rules that need no database: table order, manifest checks, refusing what is too new."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from drive.errors import BackupError
from drive.store.backup import MANIFEST, BlobCopy, Manifest, TableDump, dependency_order, read_manifest


def test_tables_come_after_every_table_they_refer_to() -> None:
    edges = [("items", "users"), ("items", "items"), ("items", "blobs"), ("blobs", "users"), ("chunks", "items"),
             ("mentions", "chunks"), ("mentions", "entities"), ("entities", "users")]
    order = dependency_order(["mentions", "chunks", "items", "blobs", "users", "entities", "jobs"], edges)
    assert sorted(order) == ["blobs", "chunks", "entities", "items", "jobs", "mentions", "users"]
    for child, parent in edges:
        assert order.index(parent) <= order.index(child)
    with pytest.raises(BackupError, match="cycle"):
        dependency_order(["a", "b"], [("a", "b"), ("b", "a")])


def write(path: Path, manifest: Manifest, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
        z.writestr(MANIFEST, manifest.to_json())
    return path


def manifest(revision: str = "0007", fmt: int = 1) -> Manifest:
    import hashlib

    sha = hashlib.sha256(b"1\tada\n").hexdigest()
    return Manifest(schema_revision=revision, created_at="2026-01-01T00:00:00+00:00", format=fmt,
                    tables=[TableDump("users", ["id", "name"], 1, sha)], blobs=[])


def test_a_good_manifest_reads_back_whole(tmp_path: Path) -> None:
    m = manifest()
    got = read_manifest(write(tmp_path / "ok.zip", m, {"tables/users.copy": b"1\tada\n"}))
    assert got == m and got.tables[0].member == "tables/users.copy"
    assert BlobCopy("u/ab/abc", 3, "x").member == "blobs/u/ab/abc"


@pytest.mark.parametrize(("m", "members", "message"), [
    (manifest(), {"tables/users.copy": b"1\teve\n"}, "does not match its checksum"),
    (manifest(), {}, "incomplete"),
    (manifest(revision="9999"), {"tables/users.copy": b"1\tada\n"}, "newer than this version"),
    (manifest(fmt=2), {"tables/users.copy": b"1\tada\n"}, "newer version of TheDrive"),
])
def test_what_does_not_match_or_is_too_new_is_refused(m: Manifest, members: dict[str, bytes], message: str,
                                                     tmp_path: Path) -> None:
    with pytest.raises(BackupError, match=message):
        read_manifest(write(tmp_path / "b.zip", m, members))


def test_a_file_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.zip").write_bytes(b"just some text")
    with pytest.raises(BackupError, match="not a TheDrive backup"):
        read_manifest(tmp_path / "notes.zip")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(BackupError, match="not a TheDrive backup"):
        read_manifest(tmp_path / "other.zip")
    with pytest.raises(BackupError, match="no such backup"):
        read_manifest(tmp_path / "missing.zip")


def test_a_damaged_manifest_is_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "m.zip", "w") as z:
        z.writestr(MANIFEST, '{"format": 1, "schema_revision": "0007"}')
    with pytest.raises(BackupError, match="manifest.json is damaged"):
        read_manifest(tmp_path / "m.zip")
