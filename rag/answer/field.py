"""A short answer read from a labelled field, offline: "Primary endpoints: Negative rate of MRD" answers "What is the
primary endpoint of ...?".

Protocols, reports and forms state their key facts as fields: a label, a colon and the value, often on the next
line after a bullet, or the value with its label in parentheses ("Identity synthesis (primary outcome)"). Split
into sentences, the label and its value fall apart and neither sentence ranks well. Here the passages are read
as written: the question's label (``rag.answer.roles.asked_label``) followed by its value, in the file whose
passages hold most of the question's other words, better-ranked passages first; "how many X" reads its amount
the same way (``read_amount``). Pure functions over passage texts;
``rag.answer.direct`` offers the value as the short answer of a question that asks for no particular kind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.compose import keywords
from rag.answer.expect import measure_cues
from rag.answer.roles import asked_label
from rag.answer.sentences import split_sentences
from rag.answer.short import Evidence, amount_of

MIN_COVER = 0.5  # of the question's words besides the label, in the field's file
MAX_WORDS = 12
_BULLET = r"[•\x9f▪◦*·-]"
_COUNTED = re.compile(r"\bhow (?:many|much)\b")
_MANY = re.compile(r"\bhow many\b")
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
    held = _held(rest, passages)
    patterns = _patterns(label)
    found = [(len(held[file]) / (len(rest) or 1), -n, field) for n, (file, text) in enumerate(passages, start=1)
             if (field := _read(patterns, text, n)) is not None]
    best = max(found, key=lambda c: c[:2], default=None)
    return best[2] if best is not None and best[0] >= MIN_COVER else None


def read_amount(question: str, passages: Sequence[tuple[str, str]]) -> Field | None:
    """For "how many total flight hours had the pilot ...": the amount whose neighbours name what is counted
    ("Flight Time: 11000 hours (Total, all aircraft)"), read in the file the question is about, the one whose
    passages hold most of its other words (at least MIN_COVER), not in the forms of other files that rank well
    on the same words; None when no amount there stands beside half of them."""
    if not _COUNTED.search(question.lower()):
        return None
    attribute = keywords(" ".join(measure_cues(question)))  # "how many total flight hours had": total flight hour
    if not attribute:
        return None
    home = _home(keywords(question) - attribute, passages)
    sentences = [Evidence(sentence, n, 1.0 / n, file) for n, (file, text) in enumerate(passages, start=1)
                 if file == home for sentence in split_sentences(text)]
    found = amount_of(attribute, sentences, whole=_MANY.search(question.lower()) is not None)
    if found is None or 2 * found[3] < len(attribute):
        return None
    return Field(found[2], found[1].passage, found[1].text)


def _home(rest: set[str], passages: Sequence[tuple[str, str]]) -> str | None:
    """The file whose passages hold most of ``rest`` (the earliest on a tie), if it holds MIN_COVER of them."""
    held = _held(rest, passages)
    best = max(held, key=lambda f: len(held[f]), default=None)  # dicts keep the passages' order
    return best if best is not None and len(held[best]) >= MIN_COVER * len(rest) else None


def _held(rest: set[str], passages: Sequence[tuple[str, str]]) -> dict[str, set[str]]:
    """Which of ``rest`` each file's passages hold, files in the order they first appear."""
    held: dict[str, set[str]] = {}
    for file, text in passages:
        held.setdefault(file, set()).update(rest & keywords(text))
    return held


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
