"""Text-like files: plain text, Markdown and source code as they are, JSON pretty-printed, CSV as a table.

Bytes are decoded as UTF-8 (a BOM selects UTF-8/UTF-16), falling back to cp1252 and then latin-1,
so any text file reads; each is a single Section without a page number.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from drive.errors import CorruptFile
from drive.pipeline.ingest.formats import (
    clean_text,
    corrupt_as,
    detect_encoding,
    markdown_table,
    trim_row,
)
from drive.records import Extracted, Section

if TYPE_CHECKING:
    from drive.ml.ocr import Ocr

_CSV_SAMPLE_CHARS = 16 * 1024
# A single cell may hold a whole document (the default limit, 128 kB, refuses valid files).
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
# Python refuses to convert integers longer than this (quadratic time); longer JSON numbers stay text.
_MAX_INT_DIGITS = 4000
# Characters read from a text file at most; the sandbox sets it from the per-file text limit so a
# 500 MB one-line file is not loaded whole to keep its first few megabytes. None: everything.
READ_LIMIT_CHARS: int | None = None


def read_plain(path: Path, mime: str, *, ocr: Ocr | None = None) -> Extracted:
    """The decoded text, unchanged but for newline and control-character clean-up."""
    return _single(clean_text(read_text(path, capped=True)), mime)


def read_text(path: Path, *, capped: bool = False) -> str:
    """The file decoded (see ``detect_encoding``); ``capped``: at most ``READ_LIMIT_CHARS`` characters.

    JSON and CSV are read whole (a cut document would not parse); the sandbox's memory limit bounds them."""
    limit = READ_LIMIT_CHARS if capped and READ_LIMIT_CHARS is not None else -1
    with path.open(encoding=detect_encoding(path), errors="replace", newline="") as fh:
        return fh.read(limit)


def read_json(path: Path, mime: str, *, ocr: Ocr | None = None) -> Extracted:
    """JSON re-indented (2 spaces, non-ASCII kept) so nested keys sit on their own lines."""
    raw = read_text(path)
    try:
        value = json.loads(raw, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise CorruptFile(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
    except RecursionError as exc:
        raise CorruptFile("not valid JSON: nested too deeply to read") from exc
    return _single(clean_text(json.dumps(value, indent=2, ensure_ascii=False)), mime)


def read_csv(path: Path, mime: str, *, ocr: Ocr | None = None) -> Extracted:
    """One table Section: a ``| a | b |`` line per non-empty row; the delimiter is sniffed."""
    raw = read_text(path)
    dialect = _dialect(raw[:_CSV_SAMPLE_CHARS], tab=mime == "text/tab-separated-values")
    with corrupt_as("CSV file"):
        text = markdown_table(trim_row(row) for row in csv.reader(io.StringIO(raw), dialect))
    return _single(clean_text(text), mime)


def _int(digits: str) -> int | str:
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else digits


def _dialect(sample: str, *, tab: bool) -> type[csv.Dialect]:
    if tab:
        return csv.excel_tab
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _single(text: str, mime: str) -> Extracted:
    return Extracted(sections=[Section(text=text)] if text else [], mime=mime)
