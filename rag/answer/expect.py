"""What kind of answer a question expects ("what year" -> a date, "who" -> a person), offline.

The extractive answerer prefers sentences that hold such an answer and not only the question's own
words: a small, explicit rule set, English only. For an amount, also what it should measure ("how old" ->
an age, "what share" -> a percentage).
"""

from __future__ import annotations

import re
from typing import Any

DATE = frozenset({"DATE", "TIME"})
PLACE = frozenset({"GPE", "LOC", "FAC"})
PERSON = frozenset({"PERSON"})
ORG = frozenset({"ORG"})
NUMBER = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL"})
# Words that carry no content in a question (and end the noun after "how many").
STOP = frozenset({"the", "a", "an", "of", "in", "on", "at", "to", "for", "by", "and", "or", "is", "was", "are",
                  "were", "which", "what", "who", "whom", "whose", "when", "where", "how", "did", "does", "do",
                  "that", "this", "with", "from", "as", "it", "its", "be", "been", "has", "have", "had", "first"})

_RULES: list[tuple[re.Pattern[str], frozenset[str]]] = [
    (re.compile(r"\b(when|what (year|date|decade|century|month)|which year|how long ago|since when)\b"), DATE),
    (re.compile(r"\bhow (many|much|old|long|tall|big|far|large)\b|"
                r"\bwhat (number|percentage|percent|amount|share|proportion|fraction)\b"), NUMBER),
    (re.compile(r"\b(what|which) ([\w-]+ ){0,2}(actor|actress|singer|player|author|writer|director|musician|"
                r"composer|poet|painter|artist|politician|president|king|queen|prince|princess|emperor|man|woman|"
                r"person|character|footballer|coach|producer|novelist|wife|husband|son|daughter|father|mother)\b"),
     PERSON),
    (re.compile(r"\b(where|what|which) ?(city|town|state|country|county|region|province|island|location)?\b.*\b"
                r"(located|based|born|from)\b|\b(what|which) ([\w-]+ )?(city|town|state|country|county|province|island)\b"),
     PLACE),
    (re.compile(r"\bwhere\b"), PLACE),
    (re.compile(r"\b(what|which) (language|nationality)\b"), frozenset({"LANGUAGE", "NORP"})),
    (re.compile(r"\b(what|which) (company|organi[sz]ation|band|group|team|network|station|label|studio|"
                r"university|school|party|club|publisher)\b"), ORG),
    (re.compile(r"\b(who|whom|whose)\b"), PERSON | ORG),
]


def expected_labels(question: str) -> frozenset[str]:
    """The entity labels an answer to this question would carry; empty when it cannot tell."""
    q = " ".join(question.lower().split())
    for pattern, labels in _RULES:
        if pattern.search(q):
            return labels
    return frozenset()


def preferred_labels(question: str) -> frozenset[str]:
    """The labels to try first: "who" asks for a person far more often than for an organisation."""
    labels = expected_labels(question)
    return PERSON if labels == PERSON | ORG else labels


def holds_answer(entities: set[tuple[str, str]], labels: frozenset[str], question: str) -> bool:
    """Does a sentence name something of the expected kind that the question does not already name?"""
    q = question.lower()
    return any(label in labels and text.lower() not in q for text, label in entities)


# What an amount's neighbours say it measures, by the question's "how ...": "age 85" answers "how old", "1,364
# hours" "how many flight hours"; for "how many/much" the cues are the question's own words that follow it.
_HOW = re.compile(r"\bhow (old|far|long|tall|high|many|much)\b((?:\s+[a-z-]+){0,3})")
_SHARE = re.compile(r"\bwhat (share|percentage|percent|proportion|fraction)\b")
_LENGTHS = ("mile", "kilometer", "kilometre", "km", "nautical", "feet", "foot", "ft", "meter", "metre", "inch")
_CUES = {"old": ("age", "aged", "old"), "far": _LENGTHS, "tall": _LENGTHS, "high": _LENGTHS,
         "long": ("second", "minute", "hour", "day", "week", "month", "year", *_LENGTHS)}


def measure_cues(question: str) -> frozenset[str]:
    """Words that, next to an amount, show it measures what the question asks (stemmed); empty when unknown."""
    if _SHARE.search(question.lower()):
        return frozenset({"%", "percent"})
    found = _HOW.search(question.lower())
    if not found:
        return frozenset()
    if found.group(1) in ("many", "much"):
        words: list[str] = []
        for word in found.group(2).split():
            if word in STOP:
                break
            words.append(word)
        return frozenset(_plain(w) for w in words)
    return frozenset(_CUES[found.group(1)])


def _plain(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def measures(doc: Any, span: Any, cues: frozenset[str]) -> bool:
    """Does a word of the amount or just around it say it measures what is asked ("age 85", "85 years old",
    "57.3%")?"""
    around = [*doc[max(0, span.start - 2) : span.end + 4]]
    return any(_plain(t.lower_) in cues for t in around)
