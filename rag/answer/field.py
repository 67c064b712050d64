"""A short answer read from a labelled field, offline: "Primary endpoints: Negative rate of MRD" answers "What is the
primary endpoint of ...?".

Protocols, reports and forms state their key facts as fields: a label, a colon and the value, often on the next
line after a bullet, or the value with its label in parentheses ("Identity synthesis (primary outcome)"). Split
into sentences, the label and its value fall apart and neither sentence ranks well. Here the passages are read
as written: the question's label (``rag.answer.roles.asked_label``) followed by its value, in the passage that
holds most of the question's other words, better-ranked passages first. Pure functions over passage texts;
``rag.answer.direct`` offers the value as the short answer of a question that asks for no particular kind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.compose import keywords
from rag.answer.roles import asked_label

MIN_COVER = 0.5  # of the question's words besides the label, in the field's file
MAX_WORDS = 12
_BULLET = r"[•\x9f▪◦*·-]"
_END = re.compile(r"(?<=\w{3})\.\s|[;|]|\s{3,}")


@dataclass(frozen=True)
class Field:
    """A labelled value: what it says, where (1-based passage number), and the line it was read from."""

    text: str
    passage: int
    line: str


def read_field(question: str, passages: Sequence[tuple[str, str]]) -> Field | None:
    """The value of the field the question asks for, from ``passages`` ((file, text), best first), or None. The
    field's file must hold MIN_COVER of the question's other words in its passages: a protocol states its
    primary endpoint far from the words that name the study."""
    label = asked_label(question)
    if not label:
        return None
    rest = keywords(question) - keywords(" ".join(label))
    held: dict[str, set[str]] = {}
    for file, text in passages:
        held.setdefault(file, set()).update(rest & keywords(text))
    patterns = _patterns(label)
    found = [(len(held[file]) / (len(rest) or 1), -n, field) for n, (file, text) in enumerate(passages, start=1)
             if (field := _read(patterns, text, n)) is not None]
    best = max(found, key=lambda c: c[:2], default=None)
    return best[2] if best is not None and best[0] >= MIN_COVER else None


def _patterns(label: list[str]) -> tuple[re.Pattern[str], ...]:
    """The label followed by its value ("Primary endpoints:\\n• X"), the value followed by its label in
    parentheses ("X (primary outcome)"), and a line opening with the label and ending in a colon, with the value
    on the next line. Each word may be inflected ("endpoints", "measures")."""
    words = r"[\s-]+".join(rf"{re.escape(w[:max(3, len(w) - 2)])}\w*" for w in label)
    after = re.compile(rf"\b{words}(?:\s+\w+)?\s*(?:\(s\))?\s*[:=–—]\s*(?:\n\s*)?(?:{_BULLET}\s*)?(?P<value>[^\n]+)",
                       re.IGNORECASE)
    before = re.compile(rf"(?P<value>[^\n.;:()]{{3,80}}?)\s*\(\s*{words}\s*\)", re.IGNORECASE)
    # "the probable cause(s) of this accident to be:\nThe pilot's improper flare": a line ending in a colon
    heading = re.compile(rf"\b{words}[^\n:.]{{0,48}}:[ \t]*\n\s*(?:{_BULLET}\s*)?(?P<value>[^\n]+)", re.IGNORECASE)
    return after, before, heading


def _read(patterns: tuple[re.Pattern[str], ...], text: str, passage: int) -> Field | None:
    for pattern in patterns:
        for match in pattern.finditer(text):
            value = _clean(match.group("value"))
            if value:
                return Field(value, passage, " ".join(match.group(0).split()))
    return None


def _clean(value: str) -> str:
    """The value up to its sentence's end, at most MAX_WORDS words; "" when it is another field's label."""
    value = _END.split(value.strip(), 1)[0].strip(" ,.")
    value = re.sub(rf"^{_BULLET}\s*", "", value)
    if not value or ":" in value or not re.search(r"[^\W\d_]", value):  # "Wind Speed/Gusts: /": another field
        return ""
    return " ".join(value.split()[:MAX_WORDS])
