"""The source viewer's PDF page: the cited passage is painted over the drawn page where PDFium places its
characters, and only there; the page's text comes with the same spans."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from tests.filegen import make_pdf
from ui.source_render import render_pdf_page

PAGES = ["The orchard report lists apples and pears.",
         "The cooperative pressed 41,300 litres of cider that autumn. The tractor was repaired twice."]


def painted(png: bytes) -> set[tuple[int, int]]:
    """Where the page shows the highlighter's yellow (white paper and black ink are never that colour)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = image.load()
    assert pixels is not None
    found = set()
    for x in range(0, image.width, 2):
        for y in range(0, image.height, 2):
            r, g, b = pixels[x, y]  # type: ignore[misc]
            if r > 200 and 180 < g < 240 and b < 180:
                found.add((x, y))
    return found


def test_the_passage_is_painted_on_its_page_and_nowhere_else(tmp_path: Path) -> None:
    data = make_pdf(tmp_path / "orchard.pdf", PAGES).read_bytes()
    shown = render_pdf_page(data, 2, "pressed 41,300 litres of cider")
    assert (shown.number, shown.count) == (2, 2)
    assert [shown.text[a:b] for a, b in shown.spans] == ["pressed 41,300 litres of cider"]
    marks = painted(shown.png)
    assert marks, "the passage is highlighted on the drawn page"
    width = Image.open(io.BytesIO(shown.png)).width
    assert max(x for x, _ in marks) < width * 0.8  # the passage only, not the whole line of the page

    assert not painted(render_pdf_page(data, 2, "").png)  # nothing cited: nothing painted
    assert not painted(render_pdf_page(data, 1, "pressed 41,300 litres of cider").png)  # not on this page
