"""Encryption at rest: AES-256-GCM in authenticated segments, data keys wrapped by a master key.

A blob is ``MAGIC | 8-byte nonce prefix`` followed by segments of up to ``SEGMENT`` plaintext bytes, each
sealed with the nonce ``prefix | segment number`` and, as associated data, the header and whether it is the
last segment: reordering, dropping, truncating or appending segments, or any flipped bit, fails to decrypt
(``StorageError``). Files are streamed, never held whole in memory. Content without the magic (written
before encryption was on) is passed through as it is.

Each owner has a random 256-bit data key; what is stored is that key wrapped (AES-GCM) by the master key,
tagged with the master key's id (the first 8 bytes of its SHA-256), so ``rotate-key`` re-wraps data keys
without touching any blob.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from drive.errors import ConfigError, StorageError

MAGIC = b"TDENC1\x00\x00"
HEADER = len(MAGIC) + 8
SEGMENT = 64 * 1024
TAG = 16
_WRAP_MAGIC = b"TDKEY1"


# ---------------------------------------------------------------- blobs


def encrypt_file(key: bytes, src: IO[bytes], dst: IO[bytes]) -> None:
    """Write ``src`` encrypted to ``dst``, one segment at a time."""
    header = MAGIC + secrets.token_bytes(8)
    dst.write(header)
    aes, number = AESGCM(key), 0
    piece = src.read(SEGMENT)
    while True:
        following = src.read(SEGMENT)
        last = not following
        dst.write(aes.encrypt(_nonce(header, number), piece, _aad(header, last)))
        if last:
            return
        piece, number = following, number + 1


def decrypt_stream(key: bytes | None, pieces: Iterable[bytes], out_piece: int = SEGMENT) -> Iterator[bytes]:
    """The plaintext of a stored blob given as byte pieces; legacy (unencrypted) content as it is."""
    stream = _Rechunk(iter(pieces))
    head = stream.take(HEADER)
    if not head.startswith(MAGIC):
        yield head
        yield from stream.rest()
        return
    if key is None or len(head) < HEADER:
        raise StorageError("this blob is encrypted but its key is not available")
    aes, number = AESGCM(key), 0
    while True:
        sealed = stream.take(SEGMENT + TAG)
        last = stream.at_end()
        try:
            yield aes.decrypt(_nonce(head, number), sealed, _aad(head, last))
        except InvalidTag:
            raise StorageError("a stored blob failed its integrity check: damaged, tampered with, or written by a "
                               "process with another master key (THEDRIVE_MASTER_KEY)") from None
        if last:
            return
        number += 1


def _nonce(header: bytes, number: int) -> bytes:
    return header[len(MAGIC):HEADER] + struct.pack(">I", number)


def _aad(header: bytes, last: bool) -> bytes:
    return header + (b"\x01" if last else b"\x00")


class _Rechunk:
    """Exact-size reads over an iterator of arbitrary pieces, with a look-ahead for the end."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self.pieces, self.buffer = pieces, bytearray()

    def _fill(self, size: int) -> None:
        while len(self.buffer) < size:
            piece = next(self.pieces, None)
            if piece is None:
                return
            self.buffer += piece

    def take(self, size: int) -> bytes:
        self._fill(size)
        out = bytes(self.buffer[:size])
        del self.buffer[:size]
        return out

    def at_end(self) -> bool:
        self._fill(1)
        return not self.buffer

    def rest(self) -> Iterator[bytes]:
        if self.buffer:
            yield bytes(self.buffer)
            self.buffer.clear()
        yield from self.pieces


# ---------------------------------------------------------------- keys


class MasterKey:
    """The key that wraps every data key; ``id`` names it in what it wrapped."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32:
            raise ConfigError("the master key must be 32 bytes (base64 of 32 random bytes)")
        self.secret = secret
        self.id = hashlib.sha256(secret).hexdigest()[:16]

    @classmethod
    def parse(cls, text: str) -> MasterKey:
        try:
            return cls(base64.b64decode(text.strip(), validate=True))
        except (binascii.Error, ValueError):
            raise ConfigError("THEDRIVE_MASTER_KEY is not valid base64 of 32 bytes") from None

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(secrets.token_bytes(32))

    def encoded(self) -> str:
        return base64.b64encode(self.secret).decode()

    def wrap(self, data_key: bytes, scope: str) -> bytes:
        nonce = secrets.token_bytes(12)
        return _WRAP_MAGIC + nonce + AESGCM(self.secret).encrypt(nonce, data_key, scope.encode())

    def unwrap(self, wrapped: bytes, scope: str) -> bytes:
        if not wrapped.startswith(_WRAP_MAGIC):
            raise StorageError("a stored data key is damaged")
        nonce, sealed = wrapped[6:18], wrapped[18:]
        try:
            return AESGCM(self.secret).decrypt(nonce, sealed, scope.encode())
        except InvalidTag:
            raise StorageError("a data key cannot be opened with this master key") from None


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def load_master_key(env_value: str | None, path: Path) -> MasterKey:
    """From ``THEDRIVE_MASTER_KEY``, else the key file in the data home, created (0600) on first start."""
    if env_value:
        return MasterKey.parse(env_value)
    if path.exists():
        return MasterKey.parse(path.read_text())
    key = MasterKey.generate()
    write_key_file(path, key)
    return key


def write_key_file(path: Path, key: MasterKey) -> None:
    """Write the key with owner-only permissions, atomically (never a half-written key file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.encoded() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
