"""The encrypting blob store: any ``BlobStore`` (local or S3) with every object encrypted at rest.

Keys of blobs start with their owner's id (``<owner>/<sha[:2]>/<sha>``): the first path segment picks
the data key, created on first use, kept wrapped in the ``data_keys`` table (``KeyVault``). Dedup is
unchanged (it works on the plaintext's sha256, in the database); downloads stream the decrypted bytes;
presigned links are off (the store only holds ciphertext). S3 server-side encryption still applies on top.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text

from drive.store.blobs import PIECE, BlobStore
from drive.store.crypto import MasterKey, decrypt_stream, encrypt_file, new_data_key
from drive.store.db import Database

log = logging.getLogger(__name__)


class KeyVault:
    """Data keys by scope (an owner id), stored wrapped in the database; cached unwrapped in memory."""

    def __init__(self, db: Database, master: MasterKey) -> None:
        self.db, self.master = db, master
        self._cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def key_for(self, scope: str) -> bytes:
        """The scope's data key, created if it has none (concurrent creators agree on the first one)."""
        with self._lock:
            if scope in self._cache:
                return self._cache[scope]
        with self.db.session() as s:
            others = s.execute(text("SELECT count(*) FROM data_keys WHERE scope = :s AND master_id <> :m"),
                               {"s": scope, "m": self.master.id}).scalar_one()
            if others:  # blobs written by processes with another master key will not decrypt here
                log.warning("master key %s is not the one other processes of this drive use for %s: give every "
                            "process the same THEDRIVE_MASTER_KEY", self.master.id, scope)
            s.execute(text("""INSERT INTO data_keys (scope, wrapped, master_id) VALUES (:s, :w, :m)
                              ON CONFLICT (scope, master_id) DO NOTHING"""),
                      {"s": scope, "w": self.master.wrap(new_data_key(), scope), "m": self.master.id})
            wrapped = s.execute(text("SELECT wrapped FROM data_keys WHERE scope = :s AND master_id = :m"),
                                {"s": scope, "m": self.master.id}).scalar_one()
        key = self.master.unwrap(bytes(wrapped), scope)
        with self._lock:
            self._cache[scope] = key
        return key

    def rewrap(self, new: MasterKey) -> int:
        """Re-wrap every data key of the current master under ``new`` (one transaction); how many there were."""
        with self.db.session() as s:
            rows = s.execute(text("SELECT scope, wrapped FROM data_keys WHERE master_id = :m FOR UPDATE"),
                             {"m": self.master.id}).all()
            for scope, wrapped in rows:
                key = self.master.unwrap(bytes(wrapped), scope)
                s.execute(text("UPDATE data_keys SET wrapped = :w, master_id = :m WHERE scope = :s AND master_id = :old"),
                          {"w": new.wrap(key, scope), "m": new.id, "s": scope, "old": self.master.id})
        self.master = new
        return len(rows)


class EncryptedBlobStore:
    """A ``BlobStore`` that encrypts on the way in and decrypts on the way out."""

    def __init__(self, inner: BlobStore, vault: KeyVault, spool_dir: Path) -> None:
        self.inner, self.vault, self.spool_dir = inner, vault, spool_dir
        self.name = getattr(inner, "name", "store")

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.spool_dir, prefix="tmpenc-") as sealed, path.open("rb") as src:
            encrypt_file(self.vault.key_for(_scope(key)), src, sealed)
            sealed.flush()
            self.inner.put_file(key, Path(sealed.name), content_type)

    def iter_bytes(self, key: str, piece: int = PIECE, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Plaintext bytes ``start``..``end`` (inclusive). Segments are authenticated as a whole, so a range
        is decrypted from the start of the object and trimmed."""
        plain = decrypt_stream(self.vault.key_for(_scope(key)), self.inner.iter_bytes(key, piece))
        if start == 0 and end is None:
            return plain
        return _trim(plain, start, end)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        return self.inner.list_keys(prefix)

    def presigned_url(self, key: str, filename: str, expires: int = 3600) -> str | None:
        return None  # the object holds ciphertext: downloads go through the drive

    def describe(self) -> str:
        return f"{self.inner.describe()}, encrypted (AES-256-GCM, master key {self.vault.master.id})"


def _trim(pieces: Iterator[bytes], start: int, end: int | None) -> Iterator[bytes]:
    offset = 0
    for data in pieces:
        lo, hi = max(start - offset, 0), len(data) if end is None else min(end + 1 - offset, len(data))
        offset += len(data)
        if lo < hi:
            yield data[lo:hi]
        if end is not None and offset > end:
            return


def _scope(key: str) -> str:
    return key.split("/", 1)[0]
