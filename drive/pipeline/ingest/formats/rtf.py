"""RTF documents via striprtf: the text of the body (control words, fonts and pictures dropped).

One Section without a page. RTF is 7-bit text with escapes, so the bytes are read with the usual
text decoding (``read_text``) and striprtf resolves ``\\'xx`` and ``\\u`` escapes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from drive.errors import CorruptFile
from drive.pipeline.ingest.formats import clean_text, corrupt_as, read_text
from drive.records import Extracted, Section

if TYPE_CHECKING:
    from drive.ml.ocr import Ocr


def read(path: Path, mime: str, *, ocr: Ocr | None = None) -> Extracted:
    from striprtf.striprtf import rtf_to_text

    raw = read_text(path)
    if not raw.lstrip().startswith("{\\rtf"):
        raise CorruptFile("not a valid RTF document: it does not start with {\\rtf")
    with corrupt_as("RTF document"):
        text = clean_text(rtf_to_text(raw, errors="replace"))
    return Extracted(sections=[Section(text=text)] if text else [], mime=mime)
