"""The extract stage: a local file -> ``Extracted`` (ordered Sections with page numbers, and its MIME type).

``sniff`` decides the format from extension and content (see its docstring for the mismatch
policy); the matching module in ``drive.pipeline.ingest.formats`` reads it. Bad input raises ``UnsupportedFile``
or ``CorruptFile`` (both ``PermanentError``) with a message meant for the person who uploaded it.
The document's title, author, date and period are filled in (``metadata``); running headers,
footers and page numbers are dropped (``boilerplate``). A file that yields no text (a photo without words, an empty sheet) is not an error: it returns
zero Sections.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from drive.pipeline.ingest.boilerplate import strip_repeated_lines
from drive.pipeline.ingest.formats import epub, html, image, mail, office, opendoc, pdf, rtf, text
from drive.pipeline.ingest.metadata import describe
from drive.pipeline.ingest.sniff import EXTENSIONS, Family, sniff
from drive.records import Extracted

if TYPE_CHECKING:
    from drive.ml.ocr import Ocr

Reader = Callable[..., Extracted]

_READERS: dict[Family, Reader] = {
    Family.PDF: pdf.read,
    Family.DOCX: office.read_docx,
    Family.PPTX: office.read_pptx,
    Family.XLSX: office.read_xlsx,
    Family.CSV: text.read_csv,
    Family.HTML: html.read,
    Family.TEXT: text.read_plain,
    Family.JSON: text.read_json,
    Family.IMAGE: image.read,
    Family.EPUB: epub.read,
    Family.ODT: opendoc.read_odt,
    Family.ODS: opendoc.read_ods,
    Family.ODP: opendoc.read_odp,
    Family.RTF: rtf.read,
}

# Lower-case, with the dot. Files without an extension are read too when their content is text.
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(EXTENSIONS)


def extract(path: Path, filename: str, *, ocr: Ocr | None) -> Extracted:
    """Text of the file at ``path``; ``filename`` is the user's name for it (its extension counts).

    With an ``ocr`` engine, images and PDF pages without a text layer are read by OCR; without, they
    give no text.
    """
    kind = sniff(path, filename)
    if kind.family is Family.EMAIL:  # attachments are read like files of their own (one level deep)
        return describe(mail.read(path, kind.mime, ocr=ocr, read_attachment=_attachment_reader(ocr)), filename)
    # Metadata first: a running header ("Annual Performance Report FY 2017") is evidence of the period.
    return strip_repeated_lines(describe(_READERS[kind.family](path, kind.mime, ocr=ocr), filename))


def _attachment_reader(ocr: Ocr | None) -> Callable[[Path, str], Extracted]:
    def read_attachment(path: Path, filename: str) -> Extracted:
        kind = sniff(path, filename)
        if kind.family is Family.EMAIL:
            return mail.read(path, kind.mime, ocr=ocr)  # a forwarded mail: its attachments are only named
        return _READERS[kind.family](path, kind.mime, ocr=ocr)

    return read_attachment
