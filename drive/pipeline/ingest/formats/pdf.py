"""PDF: each page's text layer through PDFium (pypdfium2), in reading order; scanned pages by OCR.

One Section per page that has text, ``page`` 1-based. PDFium reports the page's text rectangles;
``layout.page_text`` turns them into lines, two-column reading order and Markdown tables. A page is
OCRed when it has fewer than ``MIN_TEXT_CHARS`` characters of text (scans often carry only a page
number) and it draws an image; the OCR text replaces the text layer when it is longer.

A page PDFium cannot read is recorded in ``Extracted.unreadable_pages`` and the rest of the file
stays searchable; the file fails only when no page can be read. If PDFium cannot open the file at
all, pypdf is tried before giving up. A file without the ``%%EOF`` marker in its last KiB is refused
as truncated, as Acrobat does: a reader would otherwise silently "repair" it and return part of it.
"""

from __future__ import annotations

import ctypes
import logging
import re
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drive.errors import CorruptFile, UnsupportedFile
from drive.pipeline.ingest.formats import clean_text, corrupt_as
from drive.pipeline.ingest.formats.layout import CELL_GAP, Run, page_text
from drive.pipeline.ingest.formats.ruled import Rule
from drive.records import DocMeta, Extracted, Section

if TYPE_CHECKING:
    from drive.ml.ocr import Ocr

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 16
MIN_GLUED = 4  # characters: a shorter "word" is not looked into ("of a", "I am" glued are rare and cost as much)
SPACE_GAP = 0.1  # of the glyph box's height: a gap this wide inside a "word" is a space PDFium missed
OCR_DPI = 200
OCR_MAX_SIDE_PX = 2000  # the OCR engine shrinks larger images to this anyway
REOPEN_PAGES = 200  # bench/pdf_pages.py: 2,560 pages read in one opening kept 8 MB more than this
_EOF_WINDOW = 1024
_WORD_OR_BREAK = re.compile(r"[^\s\ufffe]+|\n")
_RTL_CHARS = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff"
_RTL = re.compile(f"[{_RTL_CHARS}]")
_LTR_STRETCH = re.compile(f"[^{_RTL_CHARS}\\s]+(?:\\s+[^{_RTL_CHARS}\\s]+)*")
_IMAGE_OBJECT = 3  # FPDF_PAGEOBJ_IMAGE
# PDFium is not thread-safe: every call into it holds this lock (OCR itself runs outside it).
_pdfium_lock = threading.RLock()


def read(path: Path, mime: str, *, ocr: Ocr | None) -> Extracted:
    """Per-page text, OCR for pages without a text layer when ``ocr`` is on."""
    _check_complete(path)
    try:
        doc = _open(path)
    except CorruptFile as exc:
        log.warning("PDFium cannot open %s (%s); trying pypdf", path.name, exc)
        return _read_with_pypdf(path, mime, exc)
    holder = [doc]
    try:
        return _read_pages(path, holder, mime, ocr)
    finally:
        with _pdfium_lock:
            holder[0].close()


def _read_pages(path: Path, holder: list[Any], mime: str, ocr: Ocr | None) -> Extracted:
    sections: list[Section] = []
    unreadable: list[int] = []
    ocr_pages = 0
    with _pdfium_lock:
        count = len(holder[0])
        meta = _metadata(holder[0])
    for index in range(count):
        if index and index % REOPEN_PAGES == 0:  # PDFium keeps every object it parsed until the file closes
            with _pdfium_lock:
                holder[0].close()
            holder[0] = _open(path)
        doc = holder[0]
        try:
            text, has_image, image = _page(doc, index, ocr)
        except CorruptFile as exc:
            log.warning("PDF page %d unreadable: %s", index + 1, exc)
            unreadable.append(index + 1)
            continue
        if image is not None and ocr is not None:
            scanned = clean_text(ocr.read(image))
            ocr_pages += 1
            text = scanned if len(scanned) > len(text) else text
        if text:
            sections.append(Section(text=text, page=index + 1))
    if count and len(unreadable) == count:
        raise CorruptFile("not a valid PDF: no page could be read")
    return Extracted(sections=sections, mime=mime, ocr_pages=ocr_pages, unreadable_pages=tuple(unreadable), meta=meta)


def _page(doc: Any, index: int, ocr: Ocr | None) -> tuple[str, bool, Any]:
    """(text, has_image, rendered image to OCR or None) of page ``index``."""
    with _pdfium_lock, corrupt_as("PDF page"):
        page = doc[index]
        try:
            textpage = page.get_textpage()
            try:
                width = page.get_width()
                text = clean_text(page_text(_runs(textpage), width, partial(_rules, page)))
            finally:
                textpage.close()
            sparse = len(text.replace(" ", "")) < MIN_TEXT_CHARS
            has_image = sparse and _has_image(page)
            image = _render(page) if ocr is not None and has_image else None
        finally:
            page.close()
    return text, has_image, image


MAX_OBJECTS = 20000  # a page's drawing objects looked at for rules: a chart of a million paths is not read whole
RULE_THICKNESS = 2.0  # points: a path no taller than this, and RULE_LENGTH long, is a horizontal rule
RULE_LENGTH = 10.0
BOX_SEGMENTS = 5  # a rectangle ("re"): a move, three lines and the close


def _rules(page: Any) -> list[Rule]:
    """The page's horizontal rules: thin paths (lines or filled bars) such as a table draws under its rows, and
    the top and bottom edges of boxes drawn round cells; in the page and the forms it draws, at most
    MAX_OBJECTS objects looked at. Through PDFium's C API: a Python object per text object costs more."""
    import pypdfium2.raw as raw

    rules: list[Rule] = []
    box = [ctypes.c_float() for _ in range(4)]
    stack = [(raw.FPDFPage_CountObjects(page.raw), partial(raw.FPDFPage_GetObject, page.raw), 0)]
    seen = 0
    while stack and seen < MAX_OBJECTS:
        count, get, depth = stack.pop()
        for i in range(min(count, MAX_OBJECTS - seen)):
            seen += 1
            obj = get(i)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_FORM and depth < 1:
                stack.append((raw.FPDFFormObj_CountObjects(obj), partial(raw.FPDFFormObj_GetObject, obj), depth + 1))
            elif kind == raw.FPDF_PAGEOBJ_PATH and raw.FPDFPageObj_GetBounds(obj, *map(ctypes.byref, box)):
                left, bottom, right, top = (b.value for b in box)
                rules += _edges(left, bottom, right, top, partial(raw.FPDFPath_CountSegments, obj))
    return rules


def _edges(left: float, bottom: float, right: float, top: float, segments: Callable[[], int]) -> list[Rule]:
    """A thin path's one rule, a box's top and bottom (a cell drawn round), else none."""
    if right - left < RULE_LENGTH:
        return []
    if top - bottom <= RULE_THICKNESS:
        return [Rule((top + bottom) / 2, left, right)]
    return [Rule(top, left, right), Rule(bottom, left, right)] if segments() <= BOX_SEGMENTS else []


def _runs(textpage: Any) -> list[Run]:
    """The page's characters in PDFium's order, cut into runs at its line breaks and at wide gaps.

    PDFium decides the spaces between words (real or generated from glyph gaps); we take its text
    and use the character boxes only to place each run on the page.
    """
    import pypdfium2.raw as raw

    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    if len(text) != count:  # characters outside the BMP shift indices: fall back to PDFium's rectangles
        return _rect_runs(textpage)
    cl, cb, cr, ct = (ctypes.c_double() for _ in range(4))
    refs = (ctypes.byref(cl), ctypes.byref(cr), ctypes.byref(cb), ctypes.byref(ct))
    get_box, handle = raw.FPDFText_GetCharBox, textpage.raw
    runs: list[Run] = []
    words: list[str] = []
    # Boxes of each word's first and last glyph only: a cell or column break falls between words.
    rl = rb = rr = rt = 0.0
    for match in _WORD_OR_BREAK.finditer(text):
        word = match.group()
        if word == "\n":  # PDFium's line break
            _flush(runs, words, rl, rb, rr, rt)
            continue
        word = _spaced(textpage, match.start(), word)
        get_box(handle, match.start(), *refs)
        left, bottom, right, top = cl.value, cb.value, cr.value, ct.value
        if len(word) > 1:
            get_box(handle, match.end() - 1, *refs)
            left, bottom = min(left, cl.value), min(bottom, cb.value)
            right, top = max(right, cr.value), max(top, ct.value)
        if words:
            height = max(rt - rb, top - bottom, 1.0)
            # Another run when the word steps back left, leaves the baseline or follows a wide gap.
            if (left < rr - height or abs(top + bottom - rt - rb) > 1.2 * height
                    or left - rr > max(CELL_GAP * height, 4.0)):
                _flush(runs, words, rl, rb, rr, rt)
        if words:
            rl, rb, rr, rt = min(rl, left), min(rb, bottom), max(rr, right), max(rt, top)
        else:
            rl, rb, rr, rt = left, bottom, right, top
        words.append(word)
    _flush(runs, words, rl, rb, rr, rt)
    return runs


def _spaced(textpage: Any, start: int, word: str) -> str:
    """The word with the spaces PDFium missed: a page that places each word with its own offset and draws no
    space glyph reads "UnitedStates" in PDFium's text. Between two glyphs' advance boxes a word has no gap (or
    a kerning overlap); a gap of ``SPACE_GAP`` of the line's height or more is a space, as poppler reads it."""
    import pypdfium2.raw as raw

    if len(word) < MIN_GLUED:
        return word
    box, handle, loose_box = raw.FS_RECTF(), textpage.raw, raw.FPDFText_GetLooseCharBox
    loose_box(handle, start, box)
    # the box's height, not the font size: a page may draw 1-point text scaled up
    right, gap = box.right, SPACE_GAP * abs(box.top - box.bottom)
    cuts = []
    for i in range(1, len(word)):
        loose_box(handle, start + i, box)
        if box.left - right >= gap > 0:
            cuts.append(i)
        right = box.right
    return " ".join(word[a:b] for a, b in zip([0, *cuts], [*cuts, len(word)], strict=True)) if cuts else word


def _flush(runs: list[Run], words: list[str], left: float, bottom: float, right: float, top: float) -> None:
    if words:
        text = " ".join(words)
        runs.append(Run(logical_order(text) if _RTL.search(text) else text, left, bottom, right, top))
    words.clear()


def logical_order(text: str) -> str:
    """Right-to-left text (Arabic, Hebrew) as PDFium gives it, in visual order, put back in reading
    order: the run reversed, then its left-to-right stretches (Latin words, numbers) turned back."""
    return _LTR_STRETCH.sub(lambda m: m.group()[::-1], text[::-1])


def _rect_runs(textpage: Any) -> list[Run]:
    runs = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = " ".join(textpage.get_text_bounded(left, bottom, right, top).split())
        if text:
            runs.append(Run(text, left, bottom, right, top))
    return runs


def _has_image(page: Any) -> bool:
    try:
        return next(iter(page.get_objects(filter=[_IMAGE_OBJECT], max_depth=3)), None) is not None
    except Exception:  # noqa: BLE001 - a malformed object tree: let OCR decide
        return True


def _render(page: Any) -> Any:
    width, height = page.get_size()
    scale = min(OCR_DPI / 72, OCR_MAX_SIDE_PX / max(width, height, 1))
    return page.render(scale=scale).to_pil()


def ocr_page(path: Path, index: int, ocr: Ocr) -> str:
    """Render page ``index`` (0-based) and OCR it."""
    doc = _open(path)
    try:
        with _pdfium_lock, corrupt_as("PDF"):
            page = doc[index]
            image = _render(page)
            page.close()
    finally:
        with _pdfium_lock:
            doc.close()
    return clean_text(ocr.read(image))


def _metadata(doc: Any) -> DocMeta:
    try:
        info = doc.get_metadata_dict(skip_empty=True)
    except Exception:  # noqa: BLE001 - a broken Info dictionary only costs the metadata
        return DocMeta()
    return DocMeta(title=clean_text(info.get("Title", "")), author=clean_text(info.get("Author", "")),
                   created=info.get("CreationDate", "") or info.get("ModDate", ""))


def _check_complete(path: Path) -> None:
    with path.open("rb") as fh:
        fh.seek(0, 2)
        fh.seek(max(0, fh.tell() - _EOF_WINDOW))
        tail = fh.read()
    if b"%%EOF" not in tail:
        raise CorruptFile("not a valid PDF: the file is truncated (no %%EOF end marker)")


def _open(path: Path) -> Any:
    import pypdfium2 as pdfium

    with _pdfium_lock:
        try:
            return pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise UnsupportedFile("the PDF is password-protected") from exc
            raise CorruptFile(f"not a valid PDF: {exc}") from exc


# ---------------------------------------------------------------- fallback


def _read_with_pypdf(path: Path, mime: str, first: CorruptFile) -> Extracted:
    """Plain text per page with pypdf, for files PDFium refuses (no OCR, no layout)."""
    from pypdf import PdfReader

    sections: list[Section] = []
    unreadable: list[int] = []
    with path.open("rb") as fh:
        try:
            with corrupt_as("PDF"):
                reader = PdfReader(fh)
                if reader.is_encrypted and not reader.decrypt(""):
                    raise UnsupportedFile("the PDF is password-protected")
                count = len(reader.pages)
        except CorruptFile:
            raise first from None
        for index in range(count):
            try:
                with corrupt_as("PDF"):
                    text = clean_text(reader.pages[index].extract_text() or "")
            except CorruptFile:
                unreadable.append(index + 1)
                continue
            if text:
                sections.append(Section(text=text, page=index + 1))
    if count == 0 or len(unreadable) == count:
        raise first
    return Extracted(sections=sections, mime=mime, unreadable_pages=tuple(unreadable))
