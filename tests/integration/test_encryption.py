"""Encryption at rest through the real drive: on by default, invisible to users (downloads, dedup), over
the local store and S3 alike, with data keys that survive a master-key rotation."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from drive.core import Drive, open_drive
from drive.settings import Settings
from drive.store.blobs import BlobStore, LocalBlobStore, local_root, make_blob_store
from drive.store.crypto import MasterKey, write_key_file
from drive.store.encrypted import EncryptedBlobStore, KeyVault
from tests.conftest import make_settings


def test_blobs_are_encrypted_on_disk_and_read_back_unchanged(drive: Drive, tmp_path: Path) -> None:
    owner = drive.service(drive.user_id(f"u{uuid.uuid4().hex[:12]}"))
    secret = b"The vault code is 4471-ALPHA. " * 5000
    first = owner.upload(io.BytesIO(secret), "code.txt")
    again = owner.upload(io.BytesIO(secret), "copy.txt")
    assert first.sha256 == again.sha256 == hashlib.sha256(secret).hexdigest()
    root = local_root(drive.store)
    assert root is not None
    stored = [p for p in root.rglob("*") if p.is_file()]
    assert len(stored) == 1, "identical content is still stored once"
    assert b"vault code" not in stored[0].read_bytes()
    _, body = owner.open(first.id)
    assert b"".join(body) == secret
    assert owner.presigned_url(first.id) is None
    mode = (drive.settings.master_key_path.stat().st_mode) & 0o777
    assert mode == 0o600


def test_each_owner_has_its_own_data_key(drive: Drive) -> None:
    a = drive.service(drive.user_id(f"a{uuid.uuid4().hex[:12]}"))
    b = drive.service(drive.user_id(f"b{uuid.uuid4().hex[:12]}"))
    a.upload(io.BytesIO(b"same bytes"), "x.txt")
    b.upload(io.BytesIO(b"same bytes"), "x.txt")
    with drive.db.session() as s:
        wrapped = s.execute(text("SELECT wrapped FROM data_keys WHERE scope = ANY(:s)"),
                            {"s": [str(a.owner), str(b.owner)]}).scalars().all()
    assert len(wrapped) == 2 and wrapped[0] != wrapped[1]


def test_a_rotated_master_key_opens_every_blob(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path / "home", database_url)
    drive = open_drive(settings, run_sweep=False)
    svc = drive.service(drive.user_id(f"u{uuid.uuid4().hex[:12]}"))
    info = svc.upload(io.BytesIO(b"before rotation"), "r.txt")
    store = drive.store
    assert isinstance(store, EncryptedBlobStore)
    new = MasterKey.generate()
    assert store.vault.rewrap(new) >= 1
    write_key_file(settings.master_key_path, new)
    drive.close()
    reopened = open_drive(settings, run_sweep=False)
    try:
        _, body = reopened.service(svc.owner).open(info.id)
        assert b"".join(body) == b"before rotation"
    finally:
        reopened.close()


@pytest.fixture(params=["local", "s3"])
def inner(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    bucket = request.getfixturevalue("s3_bucket")
    settings = Settings(_env_file=None, THEDRIVE_STORAGE=f"s3://{bucket}/enc",  # type: ignore[call-arg]
                        S3_ENDPOINT_URL=request.getfixturevalue("s3_endpoint"), S3_REGION="us-east-1",
                        S3_MULTIPART_THRESHOLD=5 * 1024 * 1024)
    return make_blob_store(settings)


def test_the_store_contract_holds_encrypted_over_local_and_s3(drive: Drive, inner: BlobStore, tmp_path: Path) -> None:
    store = EncryptedBlobStore(inner, KeyVault(drive.db, MasterKey.generate()), tmp_path / "spool")
    data = os.urandom(6 * 1024 * 1024 + 123)  # above the multipart threshold
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    key = f"{uuid.uuid4()}/ab/blob"
    store.put_file(key, src)
    assert store.exists(key) and key in set(store.list_keys())
    assert b"".join(store.iter_bytes(key)) == data
    raw = b"".join(inner.iter_bytes(key))
    assert raw != data and data[:4096] not in raw
    store.delete(key)
    assert not store.exists(key)
    assert list((tmp_path / "spool").iterdir()) == [], "no temp file left"
