"""HTML: visible text with structure, via beautifulsoup4.

Scripts, styles, templates and other invisible parts are dropped. Headings become Markdown ``#``
lines, list items ``- `` lines, table rows ``| a | b |`` lines, ``<pre>`` keeps its layout, and
every other block element (p, div, section, ...) is a paragraph. One Section, no page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, PageElement, ProcessingInstruction, Tag

from drive.pipeline.ingest.formats import clean_text, corrupt_as, markdown_table, read_text
from drive.records import DocMeta, Extracted, Section

if TYPE_CHECKING:
    from drive.ml.ocr import Ocr

_DROP = {"script", "style", "noscript", "template", "head", "svg", "canvas", "iframe", "object", "button", "select"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "nav",
    "aside",
    "blockquote",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "caption",
    "figure",
    "figcaption",
    "address",
    "form",
    "fieldset",
    "details",
    "summary",
    "body",
    "html",
    "hr",
}
_SPACE = re.compile(r"\s+")
_BREAK = "\ue000"  # stands for <br> inside a block until whitespace is collapsed


@dataclass
class _Out:
    """Finished blocks (paragraphs, headings) and the inline text of the block being built."""

    blocks: list[str] = field(default_factory=list)
    inline: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    def flush(self) -> None:
        lines = (_SPACE.sub(" ", line).strip() for line in "".join(self.inline).split(_BREAK))
        text = "\n".join(line for line in lines if line)
        self.inline.clear()
        if text:
            self.end_table()
            self.blocks.append(text)

    def add(self, text: str) -> None:
        self.flush()
        self.end_table()
        if text.strip():
            self.blocks.append(text)

    def end_table(self) -> None:
        if self.rows:
            self.blocks.append(markdown_table(self.rows))
            self.rows.clear()


def read(path: Path, mime: str, *, ocr: Ocr | None = None) -> Extracted:
    """The page's title and visible text as Markdown-ish blocks."""
    with corrupt_as("HTML page"):
        title, text = html_text(read_text(path))
    return Extracted(sections=[Section(text=text)] if text else [], mime=mime, meta=DocMeta(title=title))


def html_text(markup: str | bytes) -> tuple[str, str]:
    """(title, visible text as Markdown-ish blocks) of an HTML or XHTML document (EPUB chapters too)."""
    soup = BeautifulSoup(markup, "lxml")
    out = _Out()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if title:
        out.add(f"# {title}")
    _walk(soup, out)
    out.flush()
    out.end_table()
    blocks = out.blocks[1:] if title and len(out.blocks) > 1 and out.blocks[1] == f"# {title}" else out.blocks
    return title, clean_text("\n\n".join(blocks))


def _walk(root: Tag, out: _Out) -> None:
    """Depth-first over the tree with an explicit stack: a page nested thousands of levels deep is read,
    not refused for Python's recursion limit. The stack holds child iterators and, below each, what to do
    once that element's children are done."""
    stack: list[Iterator[PageElement] | Callable[[], None]] = [iter(root.children)]
    while stack:
        top = stack[-1]
        if callable(top):
            stack.pop()
            top()
            continue
        child = next(top, None)
        if child is None:
            stack.pop()
        elif isinstance(child, Comment | Declaration | Doctype | ProcessingInstruction):
            continue
        elif isinstance(child, NavigableString):
            out.inline.append(str(child))
        elif isinstance(child, Tag):
            _enter(child, out, stack)


def _enter(tag: Tag, out: _Out, stack: list[Iterator[PageElement] | Callable[[], None]]) -> None:
    """Handle an element; one whose children must be read pushes them (and its closing step) on ``stack``."""
    name = tag.name.lower()
    after: Callable[[], None] | None = None
    if name in _DROP:
        return
    if name in _HEADINGS:
        out.add("#" * _HEADINGS[name] + " " + _inline_text(tag))
        return
    if name == "pre":
        out.add(tag.get_text())
        return
    if name == "br":
        out.inline.append(_BREAK)
        return
    if name == "tr":
        out.flush()
        cells = [_inline_text(c) for c in tag.find_all(["td", "th"], recursive=False)]
        if any(cells):
            out.rows.append(cells)
        return
    if name == "li":
        out.flush()
        after = _bullet(out, len(out.blocks))
    elif name == "table":
        out.flush()
        after = _close_table(out)
    elif name in _BLOCKS:
        out.flush()
        after = out.flush
    if after is not None:
        stack.append(after)
    stack.append(iter(tag.children))


def _bullet(out: _Out, before: int) -> Callable[[], None]:
    def close() -> None:
        out.flush()
        if len(out.blocks) > before:
            out.blocks[before] = "- " + out.blocks[before]
    return close


def _close_table(out: _Out) -> Callable[[], None]:
    def close() -> None:
        out.flush()
        out.end_table()
    return close


def _inline_text(tag: Tag) -> str:
    for dropped in tag.find_all(list(_DROP)):
        dropped.decompose()
    return _SPACE.sub(" ", tag.get_text(" ")).strip()
