"""Office Open XML: Word (python-docx), PowerPoint (python-pptx), Excel (openpyxl).

* DOCX: one Section (Word has no stable pages) of paragraphs and tables in document order;
  headings become Markdown ``#`` lines so the chunker can break on them, tables ``| a | b |`` rows.
* PPTX: one Section per slide with text, ``page`` = slide number, ``heading`` = slide title;
  shapes in reading order (top, then left), tables as rows, speaker notes last.
* XLSX: one Section per sheet with data, ``page`` = sheet position, ``heading`` = sheet name;
  first line ``# <sheet name>``, then one ``| a | b |`` line per non-empty row (cached values).

Callers must have run ``drive.pipeline.ingest.sniff.check_zip`` (zip-bomb limits) before calling these.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drive.pipeline.ingest.formats import cell_text, clean_text, corrupt_as, join_blocks, markdown_table, trim_row
from drive.records import DocMeta, Extracted, Section

if TYPE_CHECKING:
    from drive.ml.ocr import Ocr

_HEADING_STYLE = re.compile(r"^(?:Heading|Überschrift|Titre|Título)\s*(\d)$", re.IGNORECASE)


# ---------------------------------------------------------------- Word


def read_docx(path: Path, mime: str, *, ocr: Ocr | None = None) -> Extracted:
    """Paragraphs (headings as ``#`` lines) and tables of the document body, in order."""
    import docx

    with corrupt_as("Word document"):
        document = docx.Document(str(path))
        text = clean_text(join_blocks(_docx_blocks(document)))
        meta = core_meta(document.core_properties)
    return Extracted(sections=[Section(text=text)] if text else [], mime=mime, meta=meta)


def core_meta(props: Any) -> DocMeta:
    """Title, author and creation date from an Office file's core properties."""
    created = props.created.date().isoformat() if props.created else ""
    return DocMeta(title=clean_text(props.title or ""), author=clean_text(props.author or ""),
                   created=created.replace("-", ""))


def _docx_blocks(document: Any) -> Iterator[str]:
    from docx.table import Table

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            yield markdown_table(_docx_rows(block))
        else:
            yield _docx_paragraph(block)


def _docx_paragraph(paragraph: Any) -> str:
    text = paragraph.text.strip()
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style == "Title":
        return f"# {text}"
    match = _HEADING_STYLE.match(style)
    if match:
        return "#" * min(int(match.group(1)), 6) + " " + text
    if style.startswith("List"):
        return f"- {text}"
    return text


def _docx_rows(table: Any) -> Iterator[list[str]]:
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:  # a merged cell is reported once per grid column it spans
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text)
        cells = trim_row(cells)
        if cells:
            yield cells


# ---------------------------------------------------------------- PowerPoint


def read_pptx(path: Path, mime: str, *, ocr: Ocr | None = None) -> Extracted:
    """One Section per slide that has any text (title, shapes, tables, notes)."""
    import pptx

    sections = []
    with corrupt_as("PowerPoint presentation"):
        presentation = pptx.Presentation(str(path))
        for number, slide in enumerate(presentation.slides, start=1):
            title = _slide_title(slide)
            body = [b for b in _shape_blocks(_reading_order(slide.shapes)) if b != title]
            notes = _slide_notes(slide)
            blocks = [f"# {title}" if title else "", *body, f"Notes: {notes}" if notes else ""]
            text = clean_text(join_blocks(blocks))
            if text:
                sections.append(Section(text=text, page=number, heading=title or None))
    return Extracted(sections=sections, mime=mime)


def _slide_title(slide: Any) -> str:
    shape = slide.shapes.title
    return " ".join(shape.text_frame.text.split()) if shape is not None and shape.has_text_frame else ""


def _slide_notes(slide: Any) -> str:
    if not slide.has_notes_slide:
        return ""
    frame = slide.notes_slide.notes_text_frame
    return frame.text.strip() if frame is not None else ""


def _reading_order(shapes: Any) -> list[Any]:
    return sorted(shapes, key=lambda s: (s.top or 0, s.left or 0))


def _shape_blocks(shapes: list[Any]) -> Iterator[str]:
    for shape in shapes:
        if getattr(shape, "shapes", None) is not None:  # group shape
            yield from _shape_blocks(_reading_order(shape.shapes))
        elif getattr(shape, "has_table", False) and shape.has_table:
            yield markdown_table(trim_row([cell.text for cell in row.cells]) for row in shape.table.rows)
        elif shape.has_text_frame:
            lines = (" ".join(p.text.split()) for p in shape.text_frame.paragraphs)
            yield "\n".join(line for line in lines if line)


# ---------------------------------------------------------------- Excel


def read_xlsx(path: Path, mime: str, *, ocr: Ocr | None = None) -> Extracted:
    """One Section per worksheet with data; rows streamed (read-only mode), formulas as cached values."""
    import openpyxl

    sections = []
    with corrupt_as("Excel workbook"):
        workbook = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
        try:
            # Numbered by tab position, chart sheets included, as the user sees them.
            for number, name in enumerate(workbook.sheetnames, start=1):
                sheet = workbook[name]
                if not hasattr(sheet, "iter_rows"):  # chart sheets have no cells
                    continue
                table = markdown_table(_sheet_rows(sheet))
                if table:
                    text = clean_text(f"# {sheet.title}\n{table}")
                    sections.append(Section(text=text, page=number, heading=sheet.title))
        finally:
            workbook.close()
    return Extracted(sections=sections, mime=mime)


def _sheet_rows(sheet: Any) -> Iterator[list[str]]:
    for values in sheet.iter_rows(values_only=True):
        cells = trim_row([cell_text(v) for v in values])
        if cells:
            yield cells
