"""The few specific exceptions of the drive (and of answering), caught at the edges (CLI, UI, API, worker).

The language-model policy, the same for every caller:
- ``ModelUnavailable`` (network, timeout, rate limit, HTTP 5xx) is transient. A background job lets it
  propagate, so the queue retries the job with backoff; it never stores an offline fallback in its place.
  A live question, which cannot wait for a retry, answers offline and says so.
- ``ModelError`` (the endpoint refused the request, unusable output) is permanent: every caller falls back
  to its offline result and records or says that it did.
"""

from __future__ import annotations


class DriveError(Exception):
    """Base class: the message is meant for the person using the drive."""


class NotFound(DriveError):
    """No such item for this owner (also raised for another owner's item: no existence leak)."""


class NameClash(DriveError):
    """An item with that name already exists in the target folder."""


class InvalidName(DriveError):
    """A file or folder name that cannot be stored."""


class TooLarge(DriveError):
    """An upload over the configured size limit."""


class EmptyFile(DriveError):
    """A 0-byte upload."""


class InvalidMove(DriveError):
    """Moving a folder into itself or into a file."""


class Busy(DriveError):
    """A change kept colliding with concurrent changes to the same items (deadlocks, retried): try again."""


class ConfigError(DriveError):
    """A setting names something that does not exist; the message lists the valid choices."""


class StorageError(DriveError):
    """The blob store failed or could not be reached."""


class BackupError(DriveError):
    """A backup that cannot be written or restored (damaged, truncated, newer schema, target not empty)."""


class PermanentError(DriveError):
    """Processing a file cannot succeed however often it is retried (corrupt, unsupported)."""


class UnsupportedFile(PermanentError):
    """No extractor for this kind of file."""


class CorruptFile(PermanentError):
    """The file claims a format but cannot be read as it."""


class TransientError(DriveError):
    """A failure worth retrying with backoff (network, endpoint busy)."""


class ModelError(DriveError):
    """The language model refused the request or answered with something unusable: fall back offline."""


class ModelUnavailable(ModelError, TransientError):
    """The language model could not be reached right now (network, timeout, rate limit, 5xx): retry later."""
