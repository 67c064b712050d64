"""Images (PNG, JPEG, TIFF) to text by OCR (the engine is ``drive.ml.ocr``, handed in by the caller)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from drive.errors import CorruptFile
from drive.pipeline.ingest.formats import clean_text, corrupt_as
from drive.records import Extracted, Section

if TYPE_CHECKING:
    from drive.ml.ocr import Ocr

def read(path: Path, mime: str, *, ocr: Ocr | None) -> Extracted:
    """OCR every frame of the image (multi-page TIFFs get page numbers); without OCR there is no text."""
    label = f"{mime.split('/')[1].upper()} image"
    sections: list[Section] = []
    frames = 0
    with _open(path, label) as img:
        count = getattr(img, "n_frames", 1)
        for number in range(1, count + 1):
            frame = _frame(img, number - 1, label)
            frames += 1
            text = clean_text(ocr.read(frame)) if ocr else ""
            if text:
                sections.append(Section(text=text, page=number if count > 1 else None))
    return Extracted(sections=sections, mime=mime, ocr_pages=frames if ocr else 0)


def _open(path: Path, label: str) -> Image.Image:
    with corrupt_as(label):
        try:
            return Image.open(path)
        except Image.DecompressionBombError as exc:
            raise CorruptFile(f"the image is too large to read safely: {exc}") from exc


def _frame(img: Image.Image, index: int, label: str) -> Image.Image:
    """Frame ``index`` decoded (raises CorruptFile for truncated data)."""
    with corrupt_as(label):
        try:
            img.seek(index)
            img.load()
        except Image.DecompressionBombError as exc:
            raise CorruptFile(f"the image is too large to read safely: {exc}") from exc
        return img.copy()
