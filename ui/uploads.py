"""Storing browser uploads in the drive: each file streamed to the service, errors kept per file."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from drive.errors import DriveError
from drive.records import ItemInfo
from drive.service import DriveService

MIB = 1024 * 1024


class NamedStream(Protocol):
    """What ``st.file_uploader`` hands over (``UploadedFile``): a readable stream with a name."""

    name: str

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...


@dataclass
class UploadReport:
    added: list[ItemInfo] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file name, why it was refused)


def upload_all(
    svc: DriveService,
    files: Sequence[NamedStream],
    folder: uuid.UUID | None = None,
    on_progress: Callable[[int, str], None] | None = None,
) -> UploadReport:
    """Store every file; a refused one (too large, bad name, name taken, empty) does not stop the others.

    ``on_progress(i, name)`` is called before file ``i`` (0-based) is stored.
    """
    report = UploadReport()
    for i, upload in enumerate(files):
        if on_progress:
            on_progress(i, upload.name)
        try:
            upload.seek(0)
            stream: BinaryIO = upload  # type: ignore[assignment]  # read in pieces by the service
            report.added.append(svc.upload(stream, upload.name, folder))
        except DriveError as exc:
            report.errors.append((upload.name, str(exc)))
            svc.note_refused(upload.name, str(exc))  # listed with its reason, after a reload too
    return report


def widget_limit_mb(max_upload_bytes: int, server_limit_mb: int) -> int:
    """The uploader's per-file limit in whole MB: the drive's limit rounded up, never above the server's."""
    return max(1, min(math.ceil(max_upload_bytes / MIB), server_limit_mb))


# A failure the worker gave up on after retries ("gave up after 3 attempts", or the last exception as
# "TypeName: message") may pass another time; a file the readers refused (corrupt, unsupported, too big
# for the sandbox) fails the same way every time, so it gets no retry button.
_TRANSIENT = re.compile(r"^(gave up after \d+ attempts|[A-Z]\w*(Error|Exception|Unavailable|Timeout)\w*: )")


def retry_helps(error: str | None) -> bool:
    """Whether retrying a failed file can change the outcome (see ``_TRANSIENT``)."""
    return bool(error) and _TRANSIENT.match(error or "") is not None
