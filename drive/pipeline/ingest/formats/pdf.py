"""PDF: the text layer of each page with pypdf; pages without one are rendered with pypdfium2 and OCRed.

One Section per page that has text, ``page`` 1-based. A page is OCRed when pypdf finds fewer than
``MIN_TEXT_CHARS`` characters on it (scans often carry only a page number) and it draws an image;
the OCR text replaces the text layer when it is longer. A file without the ``%%EOF`` marker in its last KiB is refused as truncated, as
Acrobat does: pypdf would otherwise silently "repair" it and return part of the document.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drive.errors import CorruptFile, UnsupportedFile
from drive.pipeline.ingest.formats import clean_text, corrupt_as
from drive.records import Extracted, Section

if TYPE_CHECKING:
    from drive.ml.ocr import Ocr

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 16
OCR_DPI = 200
OCR_MAX_SIDE_PX = 2000  # the OCR engine shrinks larger images to this anyway
_EOF_WINDOW = 1024
# PDFium is not thread-safe; rendering is quick next to OCR, so one lock is cheap.
_pdfium_lock = threading.Lock()


def read(path: Path, mime: str, *, ocr: Ocr | None) -> Extracted:
    """Per-page text, OCR for pages without a text layer when ``ocr`` is on."""
    _check_complete(path)
    sections: list[Section] = []
    ocr_pages = 0
    with path.open("rb") as fh:  # an open handle: pypdf reads on demand instead of loading the file
        reader = _open(fh)
        with corrupt_as("PDF"):
            count = len(reader.pages)
        errors: list[str] = []
        for index in range(count):
            text = _page_text(reader, index, errors)
            if ocr and len(text.replace(" ", "")) < MIN_TEXT_CHARS and _has_images(reader, index):
                scanned = ocr_page(path, index, ocr)
                ocr_pages += 1
                text = scanned if len(scanned) > len(text) else text
            if text:
                sections.append(Section(text=text, page=index + 1))
    if count and len(errors) == count and not sections:
        raise CorruptFile(f"not a valid PDF: no page could be read ({errors[0]})")
    return Extracted(sections=sections, mime=mime, ocr_pages=ocr_pages)


def ocr_page(path: Path, index: int, ocr: Ocr) -> str:
    """Render page ``index`` (0-based) and OCR it."""
    import pypdfium2 as pdfium

    with _pdfium_lock, corrupt_as("PDF"):
        doc = pdfium.PdfDocument(str(path))
        try:
            page = doc[index]
            width, height = page.get_size()
            scale = min(OCR_DPI / 72, OCR_MAX_SIDE_PX / max(width, height, 1))
            image = page.render(scale=scale).to_pil()
            page.close()
        finally:
            doc.close()
    return clean_text(ocr.read(image))


def _check_complete(path: Path) -> None:
    with path.open("rb") as fh:
        fh.seek(0, 2)
        fh.seek(max(0, fh.tell() - _EOF_WINDOW))
        tail = fh.read()
    if b"%%EOF" not in tail:
        raise CorruptFile("not a valid PDF: the file is truncated (no %%EOF end marker)")


def _open(fh: Any) -> Any:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    with corrupt_as("PDF"):
        reader = PdfReader(fh)
        if not reader.is_encrypted:
            return reader
        try:
            decrypted = reader.decrypt("")
        except DependencyError as exc:
            raise UnsupportedFile(f"the PDF is encrypted with a cipher this installation cannot read: {exc}") from exc
        if not decrypted:
            raise UnsupportedFile("the PDF is password-protected")
        return reader


def _page_text(reader: Any, index: int, errors: list[str]) -> str:
    """One page's text layer; a page that fails to parse is logged and treated as having none."""
    try:
        with corrupt_as("PDF"):
            return clean_text(reader.pages[index].extract_text() or "")
    except CorruptFile as exc:
        log.warning("PDF page %d unreadable: %s", index + 1, exc)
        errors.append(str(exc))
        return ""


def _has_images(reader: Any, index: int) -> bool:
    """Whether the page draws an image, directly or inside a form XObject (unsure: True)."""
    try:
        return _resources_have_image(reader.pages[index].get("/Resources"), depth=0)
    except Exception:  # noqa: BLE001 - a malformed resource tree; let OCR decide
        return True


def _resources_have_image(resources: Any, depth: int) -> bool:
    if resources is None or depth > 3:
        return False
    xobjects = resources.get_object().get("/XObject")
    if xobjects is None:
        return False
    for ref in xobjects.get_object().values():
        xobject = ref.get_object()
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            return True
        if subtype == "/Form" and _resources_have_image(xobject.get("/Resources"), depth + 1):
            return True
    return False
