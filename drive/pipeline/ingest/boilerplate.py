"""Running headers, footers and page numbers: lines repeated on most pages of a document, dropped.

Pure: ``strip_repeated_lines(doc)`` returns a copy of the Extracted without them. Only the first
and last ``EDGE_LINES`` lines of each page are candidates (where running heads and feet sit); a line
is boilerplate when, with its digits ignored ("Page 3 of 40" ~ "Page 7 of 40"), it recurs on at least
``MIN_SHARE`` of the pages (and on ``MIN_PAGES`` of them). Bare page numbers ("12", "- 12 -",
"Page 12") at a page's edge go too, on documents of several pages. Table rows are never dropped:
a table continued over pages repeats its header on purpose.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from drive.records import Extracted, Section

EDGE_LINES = 3
MIN_SHARE = 0.5
MIN_PAGES = 3
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—\s]*\d{1,4}[-–—\s]*(?:(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)


def strip_repeated_lines(doc: Extracted) -> Extracted:
    """The document without its running headers, footers and page numbers (paged documents only)."""
    paged = [s for s in doc.sections if s.page is not None]
    if len(paged) < MIN_PAGES:
        return doc
    counts: Counter[str] = Counter()
    for section in paged:
        counts.update({_key(line) for line in _edges(section.text.split("\n"))})
    threshold = max(MIN_PAGES, MIN_SHARE * len(paged))
    repeated = {key for key, n in counts.items() if n >= threshold and key}
    sections = [_strip(s, repeated) if s.page is not None else s for s in doc.sections]
    return replace(doc, sections=[s for s in sections if s.text.strip()])


def _strip(section: Section, repeated: set[str]) -> Section:
    lines = section.text.split("\n")
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    edge = set(nonblank[:EDGE_LINES] + nonblank[-EDGE_LINES:])
    kept = [line for i, line in enumerate(lines)
            if not (i in edge and not line.startswith("|")
                    and (_key(line) in repeated or _PAGE_NUMBER.match(line.strip())))]
    text = "\n".join(kept).strip()
    return section if text == section.text else replace(section, text=text)


def _edges(lines: list[str]) -> list[str]:
    nonblank = [line for line in lines if line.strip()]
    return nonblank[:EDGE_LINES] + nonblank[-EDGE_LINES:]


def _key(line: str) -> str:
    """A line compared with its digits and spacing ignored; '' for table rows and blank lines."""
    if line.startswith("|"):
        return ""
    return " ".join(_DIGITS.sub("#", line).lower().split())
