"""Text-like files: plain text, Markdown and source code as they are, JSON pretty-printed, CSV as a table.

Bytes are decoded as UTF-8 (a BOM selects UTF-8/UTF-16), falling back to cp1252 and then latin-1,
so any text file reads; each is a single Section without a page number.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from drive.errors import CorruptFile
from drive.pipeline.ingest.formats import clean_text, corrupt_as, markdown_table, read_text, trim_row
from drive.records import Extracted, Section

if TYPE_CHECKING:
    from drive.ml.ocr import Ocr

_CSV_SAMPLE_CHARS = 16 * 1024


def read_plain(path: Path, mime: str, *, ocr: Ocr | None = None) -> Extracted:
    """The decoded text, unchanged but for newline and control-character clean-up."""
    return _single(clean_text(read_text(path)), mime)


def read_json(path: Path, mime: str, *, ocr: Ocr | None = None) -> Extracted:
    """JSON re-indented (2 spaces, non-ASCII kept) so nested keys sit on their own lines."""
    raw = read_text(path)
    try:
        value = json.loads(raw)
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


def _dialect(sample: str, *, tab: bool) -> type[csv.Dialect]:
    if tab:
        return csv.excel_tab
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _single(text: str, mime: str) -> Extracted:
    return Extracted(sections=[Section(text=text)] if text else [], mime=mime)
