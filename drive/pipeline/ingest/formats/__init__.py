"""Text extractors, one module per family of formats, plus the small helpers they share.

Each module exposes readers ``(path, mime, *, ocr) -> Extracted``; ``drive.pipeline.ingest.extract`` picks one.
Library errors while parsing a file become ``CorruptFile`` with the format's name in the
message (see ``corrupt_as``); errors of our own machinery (OCR engine) are left alone.
"""

from __future__ import annotations

import codecs
import datetime
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from drive.errors import CorruptFile, DriveError
from drive.pipeline.ingest.sniff import bomless_utf16

# C0 controls except tab and newline; PostgreSQL text cannot hold NUL at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_SAMPLE_BYTES = 64 * 1024


def clean_text(text: str) -> str:
    """Normalise newlines, drop control characters and lone surrogates, trim blank runs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> '?'
    # Line by line, not a regex: ``[ \t]+\n`` is quadratic on a long run of spaces without a newline.
    text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


def table_line(cells: Iterable[object]) -> str:
    """One table row as a Markdown-style line: ``| a | b |``; newlines and pipes inside cells are flattened."""
    parts = [" ".join(cell_text(c).split()).replace("|", "/") for c in cells]
    return "| " + " | ".join(parts) + " |"


def markdown_table(rows: Iterable[list[str]]) -> str:
    """Rows as a Markdown table: the first row is the header, then ``| --- |``, every row padded to
    the widest one (the chunker repeats header and separator in each piece of a split table)."""
    grid = [r for r in rows if any(c.strip() for c in r)]
    if not grid:
        return ""
    width = max(len(r) for r in grid)
    grid = [r + [""] * (width - len(r)) for r in grid]
    return "\n".join([table_line(grid[0]), table_line(["---"] * width), *(table_line(r) for r in grid[1:])])


def cell_text(value: object) -> str:
    """A spreadsheet/table cell as text: whole floats without '.0', dates in ISO form, None as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def trim_row(cells: list[str]) -> list[str]:
    """Drop trailing empty cells (spreadsheets report the used range, often wider than the data)."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def detect_encoding(path: Path) -> str:
    """The encoding to read a text file with: BOM if any, UTF-16 without one, else UTF-8 if the sample decodes,
    else cp1252/latin-1."""
    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE_BYTES)
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if sample.startswith(bom):
            return name
    if bomless := bomless_utf16(sample):
        return bomless
    for name in ("utf-8", "cp1252"):
        try:
            codecs.getincrementaldecoder(name)().decode(sample, final=False)
            return name
        except UnicodeDecodeError:
            continue
    return "latin-1"  # decodes any byte


def read_text(path: Path) -> str:
    """The whole file decoded (see ``detect_encoding``); undecodable bytes become U+FFFD."""
    with path.open(encoding=detect_encoding(path), errors="replace", newline="") as fh:
        return fh.read()


def join_blocks(blocks: Iterator[str] | list[str]) -> str:
    """Non-empty blocks separated by blank lines."""
    return "\n\n".join(b for b in blocks if b.strip())


@contextmanager
def corrupt_as(label: str) -> Iterator[None]:
    """Turn any library error raised while parsing into ``CorruptFile('not a valid <label>: ...')``."""
    try:
        yield
    except DriveError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - parsers raise anything on malformed input
        detail = str(exc).strip() or type(exc).__name__
        raise CorruptFile(f"not a valid {label}: {detail}") from exc
