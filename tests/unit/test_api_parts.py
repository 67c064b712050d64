"""The API's pure parts: Range parsing, the bad-token backoff, log redaction, the error-to-status table."""

from __future__ import annotations

import logging

import pytest

from drive.api.auth import Backoff
from drive.api.limits import RedactTokens
from drive.api.problems import status_of
from drive.api.ranges import parse_range
from drive.errors import DriveError, ModelError, ModelUnavailable, NameClash, NotFound, TooLarge, UnsupportedFile


@pytest.mark.parametrize(("header", "expected"), [
    (None, None), ("bytes=0-9", (0, 9)), ("bytes=90-", (90, 99)), ("bytes=-10", (90, 99)),
    ("bytes=95-200", (95, 99)), ("bytes=-500", (0, 99)), ("bytes=100-", "unsatisfiable"),
    ("bytes=0-1,5-6", None), ("items=0-1", None), ("bytes=9-2", None), ("bytes=a-b", None),
    ("bytes=-0", "unsatisfiable"),
])
def test_range_header(header: str | None, expected: object) -> None:
    assert parse_range(header, 100) == expected


def test_backoff_doubles_per_failure_up_to_the_cap_and_resets_on_success() -> None:
    b = Backoff(max_delay=1.0)
    assert b.delay("1.2.3.4") == 0
    delays = []
    for _ in range(6):
        b.failed("1.2.3.4")
        delays.append(b.delay("1.2.3.4"))
    assert delays == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    assert b.delay("5.6.7.8") == 0, "other clients are not slowed"
    b.succeeded("1.2.3.4")
    assert b.delay("1.2.3.4") == 0


def test_tokens_are_redacted_from_log_records() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "header %s and %s", (
        "Authorization: Bearer abc.def", "tdr_Secret-_123"), None)
    RedactTokens().filter(record)
    assert record.getMessage() == "header Authorization: [redacted] and [redacted]"


def test_error_statuses() -> None:
    assert [status_of(e) for e in (NotFound("x"), NameClash("x"), TooLarge("x"), UnsupportedFile("x"),
                                   ModelUnavailable("x"), ModelError("x"), DriveError("x"))] == [
        404, 409, 413, 422, 503, 502, 400]
