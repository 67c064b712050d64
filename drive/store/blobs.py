"""BlobStore: where file contents live. A local folder store (default) and S3 through boto3.

Keys are opaque strings chosen by the service; both stores stream in pieces and never hold a whole
file in memory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlparse

from drive.errors import ConfigError, StorageError
from drive.settings import Settings

PIECE = 1024 * 1024
STORAGE_CHOICES = "unset (local folder under THEDRIVE_HOME), file:///path, or s3://bucket[/prefix]"


class BlobStore(Protocol):
    name: str

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None: ...

    def iter_bytes(self, key: str, piece: int = PIECE, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The object's bytes from ``start`` up to and including ``end`` (None: to the end), in pieces."""
        ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def list_keys(self, prefix: str = "") -> Iterator[str]: ...

    def presigned_url(self, key: str, filename: str, expires: int = 3600) -> str | None: ...

    def describe(self) -> str: ...


class LocalBlobStore:
    """Blobs as files under a root folder; writes land atomically (temp file + rename)."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root.expanduser().resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise StorageError(f"blob key escapes the store: {key!r}")
        return path

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".put-")
        try:
            with os.fdopen(fd, "wb") as out, path.open("rb") as src:
                shutil.copyfileobj(src, out, PIECE)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def iter_bytes(self, key: str, piece: int = PIECE, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        try:
            f = self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise StorageError(f"blob missing from the store: {key}") from exc
        with f:
            f.seek(start)
            left = None if end is None else end + 1 - start
            while (left is None or left > 0) and (data := f.read(piece if left is None else min(piece, left))):
                if left is not None:
                    left -= len(data)
                yield data

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(".put-"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def presigned_url(self, key: str, filename: str, expires: int = 3600) -> str | None:
        return None

    def describe(self) -> str:
        return f"local folder {self.root}"


class S3BlobStore:
    """Blobs in an S3 bucket (AWS, MinIO, R2, moto...). Large files go up as multipart uploads."""

    name = "s3"

    def __init__(self, bucket: str, prefix: str, client: Any, *, sse: str | None, multipart_threshold: int):
        from boto3.s3.transfer import TransferConfig

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client
        self.sse = sse
        self.transfer = TransferConfig(multipart_threshold=multipart_threshold, multipart_chunksize=multipart_threshold)

    def _key(self, key: str) -> str:
        return self.prefix + key

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        extra: dict[str, str] = {}
        if content_type:
            extra["ContentType"] = content_type
        if self.sse:
            extra["ServerSideEncryption"] = self.sse
        try:
            self.client.upload_file(str(path), self.bucket, self._key(key), ExtraArgs=extra, Config=self.transfer)
        except Exception as exc:  # boto3 raises many types; the edge wants one
            raise StorageError(f"S3 upload failed: {exc}") from exc

    def iter_bytes(self, key: str, piece: int = PIECE, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        ranged = {"Range": f"bytes={start}-{'' if end is None else end}"} if start or end is not None else {}
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key), **ranged)["Body"]
        except Exception as exc:
            raise StorageError(f"S3 download failed for {key}: {exc}") from exc
        try:
            yield from body.iter_chunks(piece)
        finally:
            body.close()

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            raise StorageError(f"S3 delete failed for {key}: {exc}") from exc

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise StorageError(f"S3 head failed for {key}: {exc}") from exc

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._key(prefix)
        )
        for page in pages:
            for obj in page.get("Contents", []):
                yield obj["Key"][len(self.prefix) :]

    def presigned_url(self, key: str, filename: str, expires: int = 3600) -> str | None:
        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self._key(key), "ResponseContentDisposition": disposition},
                ExpiresIn=expires,
            )
        )

    def describe(self) -> str:
        endpoint = self.client.meta.endpoint_url
        return f"s3://{self.bucket}/{self.prefix} at {endpoint}"


def make_blob_store(settings: Settings) -> BlobStore:
    """Pick the store from ``settings.storage_url``; refuse anything else, naming the valid choices."""
    url = settings.storage_url
    if not url:
        return LocalBlobStore(settings.blob_dir)
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalBlobStore(Path(parsed.path))
    if parsed.scheme == "s3" and parsed.netloc:
        import boto3

        client = boto3.client("s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region)
        return S3BlobStore(
            parsed.netloc,
            parsed.path,
            client,
            sse=settings.s3_sse,
            multipart_threshold=settings.s3_multipart_threshold,
        )
    raise ConfigError(f"unknown storage {url!r}: use {STORAGE_CHOICES}")


def local_root(store: BlobStore) -> Path | None:
    """The folder of a local store (where its half-written ``.put-*`` files may be left), else None."""
    inner = getattr(store, "inner", store)  # through a wrapping store
    return inner.root if isinstance(inner, LocalBlobStore) else None
