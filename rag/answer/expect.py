"""What kind of answer a question expects ("what year" -> a date, "who" -> a person), offline.

The extractive answerer prefers sentences that hold such an answer and not only the question's own
words: a small, explicit rule set, English only.
"""

from __future__ import annotations

import re

DATE = frozenset({"DATE", "TIME"})
PLACE = frozenset({"GPE", "LOC", "FAC"})
PERSON = frozenset({"PERSON"})
ORG = frozenset({"ORG"})
NUMBER = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL"})

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
