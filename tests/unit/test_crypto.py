"""Blob encryption: streamed AES-256-GCM segments that round-trip exactly and refuse any tampering."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from drive.errors import ConfigError, StorageError
from drive.store.crypto import SEGMENT, MasterKey, decrypt_stream, encrypt_file, load_master_key, new_data_key


def seal(key: bytes, data: bytes) -> bytes:
    out = io.BytesIO()
    encrypt_file(key, io.BytesIO(data), out)
    return out.getvalue()


def pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 100, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT + 5])
def test_round_trip_whatever_the_read_pieces(size: int) -> None:
    key, data = new_data_key(), os.urandom(size)
    sealed = seal(key, data)
    assert (size < 16 or data not in sealed) and len(sealed) < size + 100 + 16 * (size // SEGMENT + 1)
    for piece in (7, 4096, 1 << 20):
        assert b"".join(decrypt_stream(key, pieces(sealed, piece))) == data


def test_tampering_truncation_and_the_wrong_key_are_refused() -> None:
    key, data = new_data_key(), os.urandom(3 * SEGMENT)
    sealed = seal(key, data)
    flipped = bytearray(sealed)
    flipped[len(sealed) // 2] ^= 1
    cut = sealed[: 16 + 2 * (SEGMENT + 16)]  # whole segments dropped from the end
    for bad, k in ((bytes(flipped), key), (cut, key), (sealed, new_data_key())):
        with pytest.raises(StorageError):
            b"".join(decrypt_stream(k, [bad]))


def test_content_written_before_encryption_reads_as_it_is() -> None:
    legacy = b"plain old bytes" * 1000
    assert b"".join(decrypt_stream(new_data_key(), pieces(legacy, 100))) == legacy


def test_data_keys_are_wrapped_for_their_scope_only() -> None:
    master, key = MasterKey.generate(), new_data_key()
    wrapped = master.wrap(key, "owner-a")
    assert key not in wrapped and master.unwrap(wrapped, "owner-a") == key
    with pytest.raises(StorageError):
        master.unwrap(wrapped, "owner-b")
    with pytest.raises(StorageError):
        MasterKey.generate().unwrap(wrapped, "owner-a")


def test_the_master_key_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    path = tmp_path / "home" / "master.key"
    first = load_master_key(None, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_master_key(None, path).id == first.id
    from_env = MasterKey.generate()
    assert load_master_key(from_env.encoded(), path).id == from_env.id
    with pytest.raises(ConfigError):
        load_master_key("not base64!", path)
