"""OCR: rapidocr 3.x on onnxruntime, with the models shipped inside its wheel (nothing is downloaded).

The engine is built on first use (about 1 s, RSS about +300-500 MB) and kept for the life of the
process (``load_ocr``, reached through ``drive.ml.models.Models.ocr``). Calls are serialised by a lock
because rapidocr keeps per-call state on the instance (onnxruntime already uses every core for one image).
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from PIL import Image, ImageOps

# rapidocr's default detector upscales the short side to 736 px, which makes a wide one-line image
# ~10x slower; capping the long side instead keeps small text readable and is much faster.
_OCR_PARAMS = {
    "Global.log_level": "error",  # "no text found" is a normal answer, not a warning
    "Det.limit_type": "max",
    "Det.limit_side_len": 2000,
}
MAX_SIDE_PX = 2000  # rapidocr's Global.max_side_len


class Ocr:
    """Reads the text of an image, one output line per visual line (top-down, left-right)."""

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        self.engine: Any = RapidOCR(params=_OCR_PARAMS)
        self._lock = threading.Lock()

    def read(self, image: Image.Image) -> str:
        rgb = to_rgb(ImageOps.exif_transpose(image))  # phone photos are often stored sideways
        rgb.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))  # the engine would shrink it to this anyway
        with self._lock:
            result = self.engine(rgb)
        if result.boxes is None or not result.txts:
            return ""
        return join_lines([_box_span(b) for b in result.boxes], list(result.txts))


_load_lock = threading.Lock()


@cache
def _load() -> Ocr:
    return Ocr()


def load_ocr() -> Ocr:
    """The process-wide OCR engine, created on first call (thread-safe)."""
    with _load_lock:
        return _load()


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


def _box_span(box: Any) -> tuple[float, float, float]:
    ys = [float(p[1]) for p in box]
    xs = [float(p[0]) for p in box]
    return min(ys), max(ys), min(xs)
