"""Images (PNG, JPEG, TIFF) to text by OCR, and the shared OCR engine (also used for scanned PDF pages).

The engine is rapidocr 3.x on onnxruntime with the models shipped inside its wheel: nothing is
downloaded. It is built on first use (about 1 s, RSS about +300-500 MB), kept for the life of the
process, and calls are serialised by a lock because rapidocr keeps per-call state on the instance
(onnxruntime already uses every core for one image).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from drive.errors import CorruptFile
from drive.formats import clean_text, corrupt_as
from drive.records import Extracted, Section

# rapidocr's default detector upscales the short side to 736 px, which makes a wide one-line image
# ~10x slower; capping the long side instead keeps small text readable and is much faster.
_OCR_PARAMS = {
    "Global.log_level": "error",  # "no text found" is a normal answer, not a warning
    "Det.limit_type": "max",
    "Det.limit_side_len": 2000,
}

MAX_SIDE_PX = 2000  # rapidocr's Global.max_side_len
_engine: Any = None
_engine_lock = threading.Lock()
_run_lock = threading.Lock()


def ocr_engine() -> Any:
    """The process-wide RapidOCR instance, created on first call (thread-safe)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                from rapidocr import RapidOCR

                _engine = RapidOCR(params=_OCR_PARAMS)
    return _engine


def ocr_image(image: Image.Image) -> str:
    """The text of an image, one output line per visual line (reading order: top-down, left-right)."""
    rgb = to_rgb(ImageOps.exif_transpose(image))  # phone photos are often stored sideways
    rgb.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))  # the engine would shrink it to this anyway
    engine = ocr_engine()
    with _run_lock:
        result = engine(rgb)
    if result.boxes is None or not result.txts:
        return ""
    return clean_text(join_lines([_box_span(b) for b in result.boxes], list(result.txts)))


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB on a white background (transparent text-on-nothing would otherwise turn black-on-black)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def join_lines(spans: list[tuple[float, float, float]], texts: list[str]) -> str:
    """Group text boxes into lines: boxes whose vertical centres are within half a box height share a line.

    ``spans`` are (top, bottom, left) per box, in the same order as ``texts``.
    """
    order = sorted(range(len(texts)), key=lambda i: (spans[i][0] + spans[i][1]) / 2)
    lines: list[list[int]] = []
    for i in order:
        top, bottom, _ = spans[i]
        centre, half = (top + bottom) / 2, (bottom - top) / 2
        if lines:
            last = spans[lines[-1][-1]]
            if abs(centre - (last[0] + last[1]) / 2) <= max(half, (last[1] - last[0]) / 2):
                lines[-1].append(i)
                continue
        lines.append([i])
    return "\n".join(" ".join(texts[i] for i in sorted(line, key=lambda i: spans[i][2])) for line in lines)


def read(path: Path, mime: str, *, ocr: bool) -> Extracted:
    """OCR every frame of the image (multi-page TIFFs get page numbers); without OCR there is no text."""
    label = f"{mime.split('/')[1].upper()} image"
    sections: list[Section] = []
    frames = 0
    with _open(path, label) as img:
        count = getattr(img, "n_frames", 1)
        for number in range(1, count + 1):
            frame = _frame(img, number - 1, label)
            frames += 1
            text = ocr_image(frame) if ocr else ""
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


def _box_span(box: Any) -> tuple[float, float, float]:
    ys = [float(p[1]) for p in box]
    xs = [float(p[0]) for p in box]
    return min(ys), max(ys), min(xs)
