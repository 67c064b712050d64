"""The chunk stage: ``Extracted`` -> passages of at most ``size`` characters, ready to embed.

Each Section is split on its own, so a chunk never spans two pages. Inside a Section the cut is
made at the latest of the strongest boundaries that still leave the chunk a fair length (a quarter
of ``size`` for paragraph breaks, half for the rest), strongest first:
blank line or heading, line end (keeps ``| table |`` rows whole), sentence end, space, and only
then anywhere; never just after a heading line, and, unless that level offers no other cut, not between a
table and the two lines above it (its title) nor between its header and first row. When the cut falls inside a
paragraph, the next chunk starts up to ``overlap`` characters earlier, at the strongest boundary inside that
overlap (a sentence or line start if there is one, else a word start); after a paragraph break it starts
cleanly at the new paragraph.

Work is done on offsets, never on copies, so ``c.text`` ends with ``doc.text[c.char_start:c.char_end]``
by construction; chunks are stripped of surrounding whitespace and whitespace-only ones are skipped.
The one addition: a chunk that starts inside a Markdown table (``| a | b |`` rows, header, then
``| --- |``) begins with that table's context -- its caption or nearest line above, and its header
and separator rows -- so every piece of a split table says what its numbers are. Sections holding a
table are cut with room for that context, so no chunk exceeds ``size``.
"""

from __future__ import annotations

import re

from drive.records import SECTION_SEPARATOR, ChunkRecord, Extracted

# A boundary is the offset where a new chunk may begin; earlier patterns are stronger.
_LEVELS = [
    re.compile(r"\n[ \t]*\n\s*|\n(?=#{1,6} )"),  # paragraph, or a Markdown heading line
    re.compile(r"\n"),  # line
    re.compile(r"[.!?\u3002\uff01\uff1f][\"'\u201d\u2019)\]]*\s+"),  # sentence
    re.compile(r"\s+"),  # word
]
_NON_SPACE = re.compile(r"\S")
_HEADING = re.compile(r"#{1,6} ")
_LOOKBEHIND = 8
_SEPARATOR = re.compile(r"\|(?: ?:?-{3,}:? ?\|)+[ \t]*$", re.MULTILINE)
_SEPARATOR_LINE = re.compile(r"^\|(?: ?:?-{3,}:? ?\|)+[ \t]*$", re.MULTILINE)
_CAPTION_WINDOW = 400
_CAPTION_LINES = 2  # lines above a table that travel with it into its chunk (a cut may fall just above them)
_LINE_REACH = 2000  # characters: a longer line is neither a title nor a row worth keeping whole
_CAPTION_CHARS = 160  # a sentence boundary's punctuation may sit just before the searched window


def chunk(doc: Extracted, size: int = 1000, overlap: int = 150) -> list[ChunkRecord]:
    """Chunks of ``doc`` numbered 0..n-1, each within one Section and at most ``size`` characters."""
    if size <= 0:
        raise ValueError(f"chunk size must be positive, got {size}")
    if not 0 <= overlap < size:
        raise ValueError(f"chunk overlap must be >= 0 and smaller than the size ({size}), got {overlap}")
    chunks: list[ChunkRecord] = []
    base = 0
    for section in doc.sections:
        room = min(_longest_context(section.text), size // 3)
        for start, end in split_spans(section.text, size - room, min(overlap, (size - room) // 2)):
            text = section.text[start:end]
            context = table_context(section.text, start)[:room]
            chunks.append(ChunkRecord(len(chunks), context + text, section.page, base + start, base + end))
        base += len(section.text) + len(SECTION_SEPARATOR)
    return chunks


def table_context(text: str, start: int) -> str:
    """For a chunk starting at ``start`` inside a table's body: the table's caption line (if any),
    header row and separator row, each ending in a newline; otherwise ''."""
    line_start = text.rfind("\n", 0, start) + 1
    if not text.startswith("|", line_start):
        return ""
    first = line_start
    while first > 0:
        previous = text.rfind("\n", 0, first - 1) + 1
        if not text.startswith("|", previous):
            break
        first = previous
    header_end = text.find("\n", first)
    separator_end = text.find("\n", header_end + 1) if header_end >= 0 else -1
    if separator_end < 0 or not _SEPARATOR.match(text, header_end + 1) or start < separator_end:
        return ""
    return _caption(text, first) + text[first:separator_end + 1]


def _caption(text: str, table_start: int) -> str:
    """The nearest non-blank line above the table (its caption or heading), cut short; '' if none."""
    before = text[max(0, table_start - _CAPTION_WINDOW):table_start].rstrip()
    line = before[before.rfind("\n") + 1:].strip()
    if not line or line.startswith("|"):
        return ""
    return line[:_CAPTION_CHARS] + "\n"


def _longest_context(text: str) -> int:
    """Length of the longest table context this section's chunks may carry (0 without tables)."""
    longest = 0
    for match in _SEPARATOR_LINE.finditer(text):
        longest = max(longest, len(table_context(text, match.end() + 1)) if match.end() < len(text) else 0)
    return longest


def split_spans(text: str, size: int, overlap: int) -> list[tuple[int, int]]:
    """(start, end) offsets of the chunks of one text: stripped, non-empty, at most ``size`` long."""
    spans: list[tuple[int, int]] = []
    start, floor, length = 0, 0, len(text)
    while True:
        start = _skip_space(text, start)
        if start >= length:
            return spans
        # ``floor`` is the first character the previous chunk left out: each chunk must take it,
        # so none repeats or contains another.
        if start + size <= floor:
            start = floor
        end = length if length - start <= size else _cut(text, start, start + size, floor)
        spans.append((start, start + len(text[start:end].rstrip())))
        floor = _skip_space(text, end)
        if floor >= length:
            return spans
        start = _restart(text, start, end, overlap)


def _skip_space(text: str, i: int) -> int:
    found = _NON_SPACE.search(text, i)
    return found.start() if found else len(text)


def _cut(text: str, start: int, limit: int, floor: int) -> int:
    """Where the chunk beginning at ``start`` ends (always past ``floor``, the previous chunk's end):
    the strongest boundary past its minimum length (a quarter of the window for paragraphs, half for
    the rest), the latest of that level; else the strongest anywhere; else a hard cut at ``limit``.
    Never right after a heading."""
    window = limit - start
    for minimum in ([window // 4, window // 2, window // 2, window // 2], [0] * len(_LEVELS)):
        for pattern, least in zip(_LEVELS, minimum, strict=True):
            lowest = max(start + least, floor)
            ends = [m.end() for m in pattern.finditer(text, start, limit) if m.end() > lowest]
            # a cut that parts a table from its title or header only when this level has no other
            kept = [end for end in reversed(ends) if not _after_heading(text, start, end)]
            best = next((end for end in kept if not _before_table(text, end)), kept[0] if kept else None)
            if best is not None:
                return best
    return limit


def _after_heading(text: str, start: int, end: int) -> bool:
    """Whether the last non-blank line before ``end`` is a Markdown heading (it belongs to what follows)."""
    last = end
    while last > start and text[last - 1].isspace():
        last -= 1
    line_start = text.rfind("\n", start, last) + 1 or start
    return _HEADING.match(text, max(line_start, start), last) is not None


def _before_table(text: str, end: int) -> bool:
    """Whether a cut at ``end`` parts a table from its title or its header from its rows: the table starts
    within the next ``_CAPTION_LINES`` short lines, or right at ``end`` below a short line that is not one of
    its rows ("2.4.H Aidan Users" goes with its table, not at the end of the chunk before), or ``end`` falls
    next to its ``| --- |`` row."""
    at = first = _skip_space(text, end)
    last = text[max(0, end - _CAPTION_WINDOW):end].rstrip()  # the line before the cut
    last = last[last.rfind("\n") + 1:]
    if _SEPARATOR_LINE.match(text, at) or _SEPARATOR_LINE.fullmatch(last):
        return True  # nor between a table's header and its first row
    for _ in range(_CAPTION_LINES):
        line_end = text.find("\n", at, at + _LINE_REACH)  # bounded: a file may be one long line
        if line_end < 0:
            return False
        if text.startswith("|", at):
            if _SEPARATOR_LINE.match(text, line_end + 1) is None:
                return False
            if at > first:  # the lines between are its title
                return True
            return bool(last) and not last.startswith("|") and len(last) <= _CAPTION_CHARS
        if line_end - at > _CAPTION_CHARS:
            return False
        at = _skip_space(text, line_end)
    return False


def _restart(text: str, start: int, end: int, overlap: int) -> int:
    """Where the next chunk begins: the strongest boundary in the last ``overlap`` characters
    before ``end``, the earliest of that level. No overlap after a cut at a paragraph or heading:
    the next chunk then starts cleanly with it."""
    lo = max(start + 1, end - overlap)
    if overlap == 0 or lo >= end or _at_paragraph(text, start, end):
        return end
    for pattern in _LEVELS:
        for m in pattern.finditer(text, max(start, lo - _LOOKBEHIND), end):
            if lo <= m.end() < end:
                return m.end()
    return end


def _at_paragraph(text: str, start: int, end: int) -> bool:
    gap = end
    while gap > start and text[gap - 1].isspace():
        gap -= 1
    return text.count("\n", gap, end) >= 2 or (text[gap:end].endswith("\n") and _HEADING.match(text, end) is not None)
