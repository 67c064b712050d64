"""Splitting a passage into sentences: PDF hard wraps joined back, list items kept apart, abbreviations kept whole."""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "fig", "no",
        "nr", "inc", "ltd", "co", "corp", "dept", "approx", "jan", "feb", "mar", "apr", "jun",
        "jul", "aug", "sep", "sept", "oct", "nov", "dec", "al",
        # titles written before a name ("... to hold the position is Hon. Winnie Kiiza")
        "hon", "rev", "gen", "capt", "col", "lt", "sgt", "cmdr", "gov", "sen", "rep", "messrs", "mt",
    }
)
_BOUNDARY = re.compile(r"[.!?…][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_BULLET = re.compile(r"^\s*(?:[-*•▪◦]|\d{1,3}[.)])\s+")
MIN_WORDS = 3
MAX_SENTENCE_CHARS = 500


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage; hard-wrapped lines (PDF layout) are joined back first."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        for unit in _paragraph_units(paragraph):
            sentences.extend(_split_unit(unit))
    return [_clip(s) for s in sentences if len(s.split()) >= MIN_WORDS]


def _paragraph_units(paragraph: str) -> list[str]:
    """Lines joined into running text; list items and headings stay separate units."""
    units: list[str] = []
    for line in paragraph.splitlines():
        line = line.strip()
        if not line:
            continue
        starts_new = not units or _BULLET.match(line) or units[-1].endswith(":") or line.startswith("#")
        if starts_new:
            units.append(_BULLET.sub("", line).lstrip("# "))
        else:
            units[-1] = f"{units[-1]} {line}"
    return units


def _split_unit(unit: str) -> list[str]:
    pieces, start = [], 0
    for match in _BOUNDARY.finditer(unit):
        words = unit[start : match.start() + 1].split()
        last = words[-1].rstrip(".").lower() if words else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue  # "Dr. Curie", "J. Smith": not a sentence end
        pieces.append(unit[start : match.end()].strip())
        start = match.end()
    pieces.append(unit[start:].strip())
    return [p for p in pieces if p]


def _clip(sentence: str) -> str:
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return sentence
    return sentence[:MAX_SENTENCE_CHARS].rsplit(" ", 1)[0] + " …"
