"""Passages repeated across files: a certification, a signature block, a legal notice, a disclaimer. Only the
best-ranked copy keeps its place; the other files' copies move behind everything else, so five filings'
identical certification cannot take the five places an answer cites, and the next file gets its turn.

Copies are found by their word 3-grams (Jaccard similarity), so a copy with another name, date or page
number in it still counts. Copies inside one file are left alone: chunk overlap makes neighbours alike.
"""

from __future__ import annotations

import re

from rag.types import Passage

SHINGLE = 3
SIMILAR = 0.7  # share of 3-grams in common: a copy with another name, date or page number in it still counts
_WORD = re.compile(r"[^\W_]+")


def shingles(text: str) -> frozenset[tuple[str, ...]]:
    """Word 3-grams of a text, lower-cased, numbers kept: forms alike but for their values are not copies."""
    words = [w.lower() for w in _WORD.findall(text)]
    return frozenset(tuple(words[i:i + SHINGLE]) for i in range(max(0, len(words) - SHINGLE + 1)))


def similarity(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def spread_repeats(passages: list[Passage]) -> list[Passage]:
    """``passages`` with every copy of a better-ranked passage from another file moved to the end."""
    kept: list[tuple[Passage, frozenset[tuple[str, ...]]]] = []
    copies: list[Passage] = []
    for p in passages:
        grams = shingles(p.text)
        if any(q.file != p.file and similarity(grams, seen) >= SIMILAR for q, seen in kept):
            copies.append(p)
        else:
            kept.append((p, grams))
    return [p for p, _ in kept] + copies
