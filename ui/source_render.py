"""What the source viewer draws, without Streamlit: a PDF page as an image (pypdfium2) with the cited
passage painted over it, any text with the passage marked, and text split into pages.

Document text is data: every piece of it goes through ``html.escape`` before it is wrapped in the
viewer's own ``<mark>`` tags, so nothing in a file is ever read as HTML or Markdown.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass

SCALE = 1.5  # 108 dpi: a letter page is 918 px wide, readable in the viewer
TEXT_PAGE_CHARS = 4000  # a "page" of a file without pages
_PIECE_WORDS = 8  # a passage not found whole is looked for in pieces of this many words


@dataclass(frozen=True)
class PdfPage:
    png: bytes
    text: str
    spans: list[tuple[int, int]]  # the passage in ``text`` (character offsets)
    count: int  # pages in the document
    number: int  # this page, 1-based (clamped into the document)


def _normalise(text: str) -> tuple[str, list[int]]:
    """Lower-cased text with every run of whitespace as one space, and each character's original offset."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            if out and out[-1] == " ":
                continue
            ch = " "
        out.append(ch.lower())
        where.append(i)
    return "".join(out), where


def find_spans(text: str, passage: str) -> list[tuple[int, int]]:
    """Where ``passage`` is in ``text``, whitespace and case aside: the whole of it, or else each piece of
    it that can be found (a passage may carry a repeated heading, or end on the next page)."""
    hay, where = _normalise(text)
    needle = _normalise(passage)[0].strip()
    if not needle or not hay:
        return []
    at = hay.find(needle)
    if at >= 0:
        return [(where[at], where[at + len(needle) - 1] + 1)]
    words = needle.split(" ")
    spans: list[tuple[int, int]] = []
    for k in range(0, len(words), _PIECE_WORDS):
        piece = " ".join(words[k:k + _PIECE_WORDS])
        if len(piece) < 12:
            continue
        at = hay.find(piece)
        if at >= 0:
            spans.append((where[at], where[at + len(piece) - 1] + 1))
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 2:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def marked_html(text: str, spans: list[tuple[int, int]]) -> str:
    """The text as escaped HTML in a pre-wrapped block, each span inside ``<mark>``."""
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts.append(html.escape(text[last:start]))
        parts.append('<mark style="background:#fde68a;padding:0 1px">' + html.escape(text[start:end]) + "</mark>")
        last = end
    parts.append(html.escape(text[last:]))
    body = "".join(parts)
    return ('<div class="source-text" style="white-space:pre-wrap;font-family:inherit;line-height:1.5;'
            f'max-height:28rem;overflow-y:auto">{body}</div>')


def text_pages(text: str, size: int = TEXT_PAGE_CHARS) -> list[tuple[int, int]]:
    """Split text into pages of about ``size`` characters, each ending at a paragraph or line break when one
    is near (so a page rarely cuts a sentence)."""
    pages: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = max(text.rfind("\n\n", start + size // 2, end), text.rfind("\n", start + size // 2, end))
            end = cut + 1 if cut > start else end
        pages.append((start, end))
        start = end
    return pages or [(0, 0)]


def page_of(pages: list[tuple[int, int]], offset: int) -> int:
    """The 1-based page holding character ``offset``."""
    for n, (start, end) in enumerate(pages, 1):
        if start <= offset < end:
            return n
    return 1


def render_pdf_page(data: bytes, number: int, passage: str, scale: float = SCALE) -> PdfPage:
    """Page ``number`` (1-based, clamped) of a PDF as a PNG, the passage painted in translucent yellow where
    PDFium places its characters, and the page's text with the same spans."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    doc = pdfium.PdfDocument(data)
    try:
        count = len(doc)
        number = max(1, min(number, count))
        page = doc[number - 1]
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        spans = find_spans(text, passage)
        image = page.render(scale=scale).to_pil().convert("RGB")
        height = page.get_height()
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for start, end in spans:
            for i in range(textpage.count_rects(start, end - start)):
                left, bottom, right, top = textpage.get_rect(i)
                draw.rectangle([left * scale, (height - top) * scale, right * scale, (height - bottom) * scale],
                               fill=(250, 204, 21, 110))
        image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
        out = io.BytesIO()
        image.save(out, format="PNG")
        return PdfPage(out.getvalue(), text, spans, count, number)
    finally:
        doc.close()


def looks_like_pdf(data: bytes, mime: str | None) -> bool:
    return (mime or "").endswith("/pdf") or data[:5] == b"%PDF-"


_IMAGE = re.compile(r"^image/(png|jpe?g|gif|webp|bmp)$")


def shows_as_image(mime: str | None) -> bool:
    """Images the browser draws itself (TIFF and HEIC are shown by their text only)."""
    return bool(_IMAGE.match(mime or ""))
