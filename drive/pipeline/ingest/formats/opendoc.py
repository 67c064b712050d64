"""OpenDocument (LibreOffice): text (.odt), spreadsheets (.ods) and presentations (.odp), via odfpy.

* ODT: one Section; headings as Markdown ``#`` lines, list items ``- ``, tables as Markdown tables.
* ODS: one Section per sheet with data, ``page`` = sheet position, a Markdown table per sheet.
* ODP: one Section per slide, ``page`` = slide number, ``heading`` = the slide's name.

Callers must have run ``drive.pipeline.ingest.sniff.check_zip`` (zip-bomb limits) first. Repeated
cells (``number-columns-repeated``, which spreadsheets use for their empty tail) are capped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drive.pipeline.ingest.formats import clean_text, corrupt_as, join_blocks, markdown_table, trim_row
from drive.records import DocMeta, Extracted, Section

if TYPE_CHECKING:
    from drive.ml.ocr import Ocr

MAX_REPEAT = 64  # a repeated cell or row stands for at most this many copies
MAX_ROWS = 100_000


def read_odt(path: Path, mime: str, *, ocr: Ocr | None = None) -> Extracted:
    with corrupt_as("OpenDocument text"):
        doc = _load(path)
        text = clean_text(join_blocks(_blocks(doc.text)))
        meta = _meta(doc)
    return Extracted(sections=[Section(text=text)] if text else [], mime=mime, meta=meta)


def read_ods(path: Path, mime: str, *, ocr: Ocr | None = None) -> Extracted:
    from odf.table import Table

    sections = []
    with corrupt_as("OpenDocument spreadsheet"):
        doc = _load(path)
        for number, sheet in enumerate(doc.spreadsheet.getElementsByType(Table), start=1):
            name = str(sheet.getAttribute("name") or f"Sheet {number}")
            table = markdown_table(_rows(sheet))
            if table:
                sections.append(Section(text=clean_text(f"# {name}\n{table}"), page=number, heading=name))
        meta = _meta(doc)
    return Extracted(sections=sections, mime=mime, meta=meta)


def read_odp(path: Path, mime: str, *, ocr: Ocr | None = None) -> Extracted:
    from odf.draw import Page

    sections = []
    with corrupt_as("OpenDocument presentation"):
        doc = _load(path)
        for number, slide in enumerate(doc.presentation.getElementsByType(Page), start=1):
            text = clean_text(join_blocks(_blocks(slide)))
            if text:
                sections.append(Section(text=text, page=number, heading=str(slide.getAttribute("name") or "") or None))
        meta = _meta(doc)
    return Extracted(sections=sections, mime=mime, meta=meta)


def _load(path: Path) -> Any:
    from odf.opendocument import load

    return load(str(path))


def _meta(doc: Any) -> DocMeta:
    from odf import dc, meta

    def first(kind: Any) -> str:
        found = doc.meta.getElementsByType(kind)
        return _text(found[0]) if found else ""

    created = first(meta.CreationDate)[:10].replace("-", "")
    return DocMeta(title=first(dc.Title), author=first(dc.Creator) or first(meta.InitialCreator), created=created)


def _blocks(node: Any) -> Iterator[str]:
    """Headings, paragraphs, list items and tables under ``node``, in document order."""
    for child in node.childNodes:
        name = getattr(child, "qname", (None, None))[1]
        if name == "h":
            level = int(child.getAttribute("outlinelevel") or 1)
            yield "#" * min(level, 6) + " " + _text(child)
        elif name == "p":
            yield _text(child)
        elif name == "list-item":
            yield "\n".join("- " + b for b in _blocks(child) if b.strip())
        elif name == "table":
            yield markdown_table(_rows(child))
        elif getattr(child, "childNodes", None):
            yield from _blocks(child)


def _rows(table: Any) -> Iterator[list[str]]:
    from odf.table import TableCell, TableRow

    count = 0
    for row in table.getElementsByType(TableRow):
        cells: list[str] = []
        for cell in row.getElementsByType(TableCell):
            repeat = min(int(cell.getAttribute("numbercolumnsrepeated") or 1), MAX_REPEAT)
            cells += [_text(cell)] * repeat
        cells = trim_row(cells)
        if not cells:
            continue
        for _ in range(min(int(row.getAttribute("numberrowsrepeated") or 1), MAX_REPEAT)):
            count += 1
            if count > MAX_ROWS:
                return
            yield cells


def _text(node: Any) -> str:
    from odf import teletype

    return " ".join(teletype.extractText(node).split())
