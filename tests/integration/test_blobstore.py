"""One contract for every BlobStore: the local folder store and S3 over real HTTP (moto server)."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path

import pytest

from drive.errors import ConfigError, StorageError
from drive.settings import Settings
from drive.store.blobs import BlobStore, LocalBlobStore, make_blob_store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    bucket = request.getfixturevalue("s3_bucket")
    endpoint = request.getfixturevalue("s3_endpoint")
    settings = Settings(_env_file=None, THEDRIVE_STORAGE=f"s3://{bucket}/pre", S3_ENDPOINT_URL=endpoint,  # type: ignore[call-arg]
                        S3_REGION="us-east-1", S3_MULTIPART_THRESHOLD=5 * 1024 * 1024)
    return make_blob_store(settings)


def write(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as f:
        remaining = size
        while remaining:
            piece = os.urandom(min(remaining, 1 << 20))
            digest.update(piece)
            f.write(piece)
            remaining -= len(piece)
    return digest.hexdigest()


def read_all(store: BlobStore, key: str) -> str:
    digest = hashlib.sha256()
    for piece in store.iter_bytes(key):
        assert len(piece) <= 1 << 20, "pieces, never the whole blob"
        digest.update(piece)
    return digest.hexdigest()


def test_put_read_list_delete(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    sha = write(src, 3000)
    store.put_file("a/b/one", src, "application/octet-stream")
    store.put_file("a/two", src)
    assert store.exists("a/b/one")
    assert read_all(store, "a/b/one") == sha
    assert sorted(store.list_keys("a/")) == ["a/b/one", "a/two"]
    store.delete("a/b/one")
    store.delete("a/b/one")  # idempotent
    assert not store.exists("a/b/one")
    assert list(store.list_keys()) == ["a/two"]


def test_byte_ranges_read_exactly_those_bytes(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    write(src, 3000)
    data = src.read_bytes()
    store.put_file("r/one", src)
    for start, end, piece in [(0, 0, 64), (10, 2999, 1000), (2990, None, 4), (1000, 1999, 333), (0, None, 1 << 20)]:
        got = b"".join(store.iter_bytes("r/one", piece, start=start, end=end))
        assert got == data[start:None if end is None else end + 1], (start, end)


def test_missing_blob_is_a_storage_error(store: BlobStore) -> None:
    with pytest.raises(StorageError):
        b"".join(store.iter_bytes("nope"))


def test_multipart_upload_above_threshold(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "big.bin"
    sha = write(src, 12 * 1024 * 1024 + 17)  # above the 5 MiB multipart threshold: 3 parts
    store.put_file("big", src)
    assert read_all(store, "big") == sha


def test_presigned_url_downloads_over_http(s3_bucket: str, s3_endpoint: str, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, THEDRIVE_STORAGE=f"s3://{s3_bucket}", S3_ENDPOINT_URL=s3_endpoint,  # type: ignore[call-arg]
                        S3_REGION="us-east-1")
    store = make_blob_store(settings)
    src = tmp_path / "r.txt"
    src.write_text("quarterly report")
    store.put_file("k", src, "text/plain")
    url = store.presigned_url("k", "q3 report.txt")
    assert url and url.startswith(s3_endpoint)
    with urllib.request.urlopen(url) as resp:  # noqa: S310 - localhost moto server
        assert resp.read() == b"quarterly report"
        assert "q3%20report.txt" in resp.headers["Content-Disposition"]


def test_local_store_has_no_presigned_url_and_refuses_escaping_keys(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    assert store.presigned_url("x", "x") is None
    with pytest.raises(StorageError):
        store.delete("../../etc/passwd")


def test_unknown_storage_names_the_valid_choices() -> None:
    with pytest.raises(ConfigError, match="s3://bucket"):
        make_blob_store(Settings(_env_file=None, THEDRIVE_STORAGE="ftp://x"))  # type: ignore[call-arg]
