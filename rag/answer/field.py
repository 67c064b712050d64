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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.answer.compose import keywords
from rag.answer.expect import SPANS_OF_TIME, amount_label, measure_cues, singular
from rag.answer.roles import asked_label
from rag.answer.sentences import split_sentences
from rag.answer.short import Evidence, amount_digits, amount_of
from rag.answer.spans import AMOUNT, DURATION

MIN_COVER = 0.5  # of the question's words besides the label, in the field's file
MAX_WORDS = 12
SUB_ITEM_LINES = 8  # lines between a heading ("Outcome measures:") and the sub-item read ("b. Secondary:")
LABEL_WORDS = 5  # a form's label: "Type of Flight Plan Filed"
_JOINERS = frozenset({"of", "at", "and", "the", "for", "in", "to", "from", "on", "by", "with", "&", "/"})
_LABEL_END = re.compile(r":(?=\s|$)")  # not the colon of "12:30" or "A:B"
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


# How close (cosine) a word beside an amount must come to what is counted for the amount to be read by meaning.
RELATED_MIN = 0.5
_PUNCTUATED = 0.8  # a word across a comma or a colon from the amount says less about it
Similar = Callable[[str, list[str]], list[float]]


def read_amount(question: str, passages: Sequence[tuple[str, str]], similar: Similar | None = None) -> Field | None:
    """For "how many total flight hours had the pilot ...": the amount whose neighbours name what is counted
    ("Flight Time: 11000 hours (Total, all aircraft)"), read in the file the question is about, the one whose
    passages hold most of its other words (at least MIN_COVER), not in the forms of other files that rank well
    on the same words. When no amount there stands beside half of those words, and ``similar`` (the cosine of
    a phrase to each of some words) is given, the amount whose next word means what is counted ("people
    died" -> "Injuries: 3 Fatal"); else None."""
    if not _COUNTED.search(question.lower()):
        return None
    cues = measure_cues(question)
    attribute = keywords(" ".join(cues))  # "how many total flight hours had": total flight hour
    if not attribute:
        return None
    home = _home(keywords(question) - attribute, passages)
    sentences = [Evidence(sentence, n, 1.0 / n, file) for n, (file, text) in enumerate(passages, start=1)
                 if file == home for sentence in split_sentences(text)]
    whole = _MANY.search(question.lower()) is not None
    found = amount_of(attribute, sentences, whole=whole)
    if found is not None and 2 * found[3] >= len(attribute):
        return Field(found[2], found[1].passage, found[1].text)
    if similar is None:
        return None
    return _amount_by_meaning(_asked_phrase(question, cues), sentences, similar, whole)


LABEL_REACH = 6  # words between a named amount's noun and its value: "the sample size required per institution is"
_YEAR = re.compile(r"(?:1[89]|20)\d\d")  # "the 2021 census population": a year is no amount of it


def read_named_amount(question: str, passages: Sequence[tuple[str, str]],
                      similar: Similar | None = None) -> Field | None:
    """For "what minimum sample size ... was calculated": the amount within LABEL_REACH words after the noun
    that names it ("the minimum sample size required per institution is 1,151"), read in the file the question
    is about (as ``read_amount`` finds it), in the sentence closest in meaning to the question (given
    ``similar``), else holding most of its other words, better-ranked passages first on a tie; None when the
    question names no such noun or no amount follows one. A protocol states it pages away from the words that
    name the study, and may name a dose twice: "the dose of IL-2 given after each vaccination" is not the
    lysate's "dose of 60 Gy"."""
    label = amount_label(question)
    if not label:
        return None
    rest = keywords(question) - keywords(" ".join(label))
    home = _home(rest, passages)
    found = [f for n, (file, text) in enumerate(passages, start=1) if file == home for f in _named(label, text, n)]
    if similar is not None and len(found) > 1:
        closeness = similar(question, [f.line for f in found])
    else:
        closeness = [float(len(keywords(f.line) & rest)) for f in found]
    return max(zip(closeness, found, strict=True), key=lambda c: (c[0], -c[1].passage))[1] if found else None


def _named(label: frozenset[str], text: str, n: int) -> list[Field]:
    """Each sentence's first amount within LABEL_REACH words after a word of the label; not a year, and not a
    stretch of time unless the label names one ("every 2 weeks" is no dose)."""
    found = []
    for sentence in split_sentences(text):
        for m in AMOUNT.finditer(sentence):
            before = re.findall(r"[^\W\d_]+", sentence[:m.start()].lower())[-LABEL_REACH:]
            timed = DURATION.match(m.group(0)) is not None and not label & SPANS_OF_TIME
            if {singular(w) for w in before} & label and not _YEAR.fullmatch(m.group(0)) and not timed:
                found.append(Field(m.group(0), n, sentence))
                break
    return found


def _asked_phrase(question: str, cues: frozenset[str]) -> str:
    """The words after "how many" as the question writes them ("people died")."""
    after = re.split(r"\bhow (?:many|much)\b", question.lower(), maxsplit=1)[-1]
    return " ".join(w for w in re.findall(r"[^\W\d_]+", after)[:len(cues)])


def _amount_by_meaning(asked: str, sentences: Sequence[Evidence], similar: Similar, whole: bool) -> Field | None:
    """The amount whose word before or after comes closest in meaning to ``asked`` (at least RELATED_MIN; a
    word across a comma or colon counts less), better-ranked passages first on a tie."""
    beside: list[tuple[str, float, Evidence, str]] = []  # (word, weight, sentence, amount as written)
    for ev in sentences:
        for m in AMOUNT.finditer(ev.text):
            if amount_digits(ev.text, m, whole) is None:
                continue
            before = re.search(r"([^\W\d_]{3,})(\W*)$", ev.text[max(0, m.start() - 40):m.start()])
            after = re.match(r"(\W*)([^\W\d_]{3,})", ev.text[m.end():m.end() + 40])
            if before:
                beside.append((before.group(1).lower(), _weight(before.group(2)), ev, m.group(0)))
            if after:
                beside.append((after.group(2).lower(), _weight(after.group(1)), ev, m.group(0)))
    if not beside:
        return None
    words = sorted({w for w, _, _, _ in beside})
    cosine = dict(zip(words, similar(asked, words), strict=True))
    word, weight, ev, amount = max(beside, key=lambda b: (cosine[b[0]] * b[1], b[2].relevance))
    return Field(amount, ev.passage, ev.text) if cosine[word] * weight >= RELATED_MIN else None


def _weight(between: str) -> float:
    return _PUNCTUATED if re.search(r"[,:;]", between) else 1.0


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
    parentheses ("X (primary outcome)"), a line opening with the label and ending in a colon, with the value
    on the next line, and a heading holding all but the label's first word, its sub-item that word. Each word
    may be inflected ("endpoints", "measures")."""
    words = r"[\s-]+".join(_stem(w) for w in label)
    after = re.compile(rf"\b{words}(?:\s+\w+)?\s*(?:\(s\))?\s*[:=–—]\s*(?:\n\s*)?(?:{_BULLET}\s*)?(?P<value>[^\n]+)",
                       re.IGNORECASE)
    before = re.compile(rf"(?P<value>[^\n.;:()]{{3,80}}?)\s*\(\s*{words}\s*\)", re.IGNORECASE)
    # "the probable cause(s) of this accident to be:\nThe pilot's improper flare": a line ending in a colon; the
    # words before the colon go on in lowercase ("Sponsor R&D No:" is another field's label)
    heading = re.compile(rf"(?i:\b{words})[^\n:.A-Z]{{0,48}}:[ \t]*\n\s*(?:{_BULLET}\s*)?(?P<value>[^\n]+)")
    if len(label) < 2:
        return after, before, heading
    # "main outcome measure": "Research outcome measures:\na. Primary (main):\nPostoperative recurrence rate", the
    # label's first word the sub-item of a heading that holds the rest
    first, rest = _stem(label[0]), r"[\s-]+".join(_stem(w) for w in label[1:])
    split = re.compile(rf"\b{rest}\s*(?:\(s\))?\s*:[ \t]*\n(?:[^\n]*\n){{0,{SUB_ITEM_LINES}}}?\s*"
                       rf"(?:(?:[a-z0-9]{{1,2}}[.)]|{_BULLET})\s*)?"
                       rf"[^\n:]{{0,24}}?\b{first}[^\n:]{{0,24}}:\s*(?:\n\s*)?(?P<value>[^\n]+)", re.IGNORECASE)
    return after, before, heading, split


def _stem(word: str) -> str:
    """A label word that may be inflected ("endpoints", "measures")."""
    return rf"{re.escape(word[:max(3, len(word) - 2)])}\w*"


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
    if _LABEL_END.search(value):  # a form's line holds two fields: "Overcast / 200 ft agl Visibility (RVR):"
        value = _before_label(_LABEL_END.split(value, 1)[0])
    if not value or not re.search(r"[^\W_]", value):  # "Wind Speed/Gusts: /": another field
        return ""
    return " ".join(value.split()[:MAX_WORDS])


def _before_label(text: str) -> str:
    """``text`` without the next field's label at its end, the longest run of at most LABEL_WORDS capitalised
    words (joiners and parenthesised codes inside) before its colon: "Overcast / 200 ft agl Visibility (RVR)" ->
    "Overcast / 200 ft agl"; "" when the label takes it all."""
    words = text.split()
    start = len(words)
    for i in range(len(words) - 1, max(-1, len(words) - 1 - LABEL_WORDS), -1):
        word = words[i].strip("()")
        if word[:1].isupper():
            start = i
        elif word.lower() not in _JOINERS:
            break
    return " ".join(words[:start]).strip(" ,.;/") if start < len(words) else ""
