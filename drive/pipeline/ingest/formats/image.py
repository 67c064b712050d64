"""Images (PNG, JPEG, TIFF) to text by OCR (the engine is ``drive.ml.ocr``, handed in by the caller).

The pixel count is checked from the header before anything is decoded (a 36 kB PNG may declare 13000²
pixels), JPEGs are shrunk while decoding (``Image.draft``) and other formats right after, so a frame never
lives at full size beside its converted copies.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from drive.errors import CorruptFile
from drive.ml.ocr import MAX_SIDE_PX
from drive.pipeline.ingest.formats import clean_text, corrupt_as
from drive.records import Extracted, Section

if TYPE_CHECKING:
    from drive.ml.ocr import Ocr

# Larger images are refused before decoding: 64 MP is a 9000 × 7000 scan, far finer than OCR needs,
# and still only ~256 MB while decoded.
MAX_PIXELS = 64_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # PIL's own check, for any other path into it


def read(path: Path, mime: str, *, ocr: Ocr | None) -> Extracted:
    """OCR every frame of the image (multi-page TIFFs get page numbers); without OCR there is no text."""
    label = f"{mime.split('/')[1].upper()} image"
    sections: list[Section] = []
    frames = 0
    with _open(path, label) as img:
        check_size(img.size)
        count = getattr(img, "n_frames", 1)
        for number in range(1, count + 1):
            frame = _frame(img, number - 1, label)
            frames += 1
            text = clean_text(ocr.read(frame)) if ocr else ""
            if text:
                sections.append(Section(text=text, page=number if count > 1 else None))
    return Extracted(sections=sections, mime=mime, ocr_pages=frames if ocr else 0)


def check_size(size: tuple[int, int]) -> None:
    """Refuse an image whose header declares more than ``MAX_PIXELS``, before decoding it."""
    width, height = size
    if width * height > MAX_PIXELS:
        raise CorruptFile(f"the image is {width} × {height} pixels, more than the "
                          f"{MAX_PIXELS // 1_000_000} megapixels that can be read safely")


def _open(path: Path, label: str) -> Image.Image:
    with corrupt_as(label):
        try:
            return Image.open(path)
        except Image.DecompressionBombError as exc:
            raise CorruptFile(f"the image is more than the {MAX_PIXELS // 1_000_000} megapixels "
                              "that can be read safely") from exc


def _frame(img: Image.Image, index: int, label: str) -> Image.Image:
    """Frame ``index`` decoded at no more than about twice the size OCR uses (CorruptFile for bad data)."""
    with corrupt_as(label):
        try:
            img.seek(index)
            check_size(img.size)
            if img.format == "JPEG":
                img.draft(img.mode, (MAX_SIDE_PX, MAX_SIDE_PX))  # DCT scaling: decoded smaller
            img.load()
        except Image.DecompressionBombError as exc:
            raise CorruptFile(f"the image is more than the {MAX_PIXELS // 1_000_000} megapixels "
                              "that can be read safely") from exc
        factor = max(img.size) // MAX_SIDE_PX
        return img.reduce(factor) if factor > 1 else img.copy()
