"""EPUB e-books via ebooklib: one Section per chapter of the reading order (the spine).

``page`` is the chapter's position, so a citation can say which chapter; each chapter's XHTML goes
through the HTML reader's conversion (headings, lists, tables). Title and author come from the
book's Dublin Core metadata. Callers must have run ``sniff.check_zip`` first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from drive.pipeline.ingest.formats import clean_text, corrupt_as
from drive.pipeline.ingest.formats.html import html_text
from drive.records import DocMeta, Extracted, Section

if TYPE_CHECKING:
    from drive.ml.ocr import Ocr


def read(path: Path, mime: str, *, ocr: Ocr | None = None) -> Extracted:
    from ebooklib import ITEM_DOCUMENT, epub

    sections = []
    with corrupt_as("EPUB e-book"):
        book = epub.read_epub(str(path), options={"ignore_ncx": True})
        chapters = [book.get_item_with_id(ref) for ref, _ in book.spine]
        documents = [c for c in chapters if c is not None and c.get_type() == ITEM_DOCUMENT]
        for number, chapter in enumerate(documents, start=1):
            title, text = html_text(chapter.get_content())
            if text:
                sections.append(Section(text=text, page=number, heading=title or _first_heading(text) or None))
        meta = DocMeta(title=_first(book, "title"), author=_first(book, "creator"),
                       created=_first(book, "date")[:10].replace("-", ""))
    return Extracted(sections=sections, mime=mime, meta=meta)


def _first_heading(text: str) -> str:
    first = text.split("\n", 1)[0]
    return first.lstrip("#").strip() if first.startswith("#") else ""


def _first(book: Any, name: str) -> str:
    values = book.get_metadata("DC", name)
    return clean_text(str(values[0][0])) if values else ""
