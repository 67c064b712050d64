"""A bridge question's chain, read in the answer's sentences: the answer is said of what the named file leads to.

"Who was in charge of the country Ceelmakoile is located in?": the file the question names says "Ceelmakoile
is a town in the central Hiran region of Somalia". Of the sentences that name a person in charge, "parliament
elected Hassan Sheikh Mohamud as the new President of Somalia" continues that chain; "Fulbert Youlou ruled as
the country's first president" (of another country's file) stands nearer the question's words but not on the
chain. A sentence of another file continues the chain when it names a name the named file's sentences name (not
a date, nor the question's own words in another form: "Australian" for "South Australia"), or when its file's
title holds one ("Leader of Opposition (Uganda)"). With no file named by the question, none does.

A question that asks one relation of what it names ("Who is the author of Brand?") is answered in the named file
itself ("Brand is a play by the Norwegian playwright Henrik Ibsen"), not by a sentence of another file that
holds the relation's word ("a biography by English author Andrew Morton"): ``relations`` counts them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from drive.names import keys_of, proper_spans, title_key, title_of
from rag.answer.compose import keywords

STEM = 5  # letters that tell a word's family: "Australia", "Australian"
# Dates and numbers are not links: "born 17 April 1967" does not continue a chain through "25 April 1845".
_DATE_WORDS = re.compile(r"\d|\b(?:january|february|march|april|may|june|july|august|september|october|november|"
                         r"december)\b")


class Sentence(Protocol):
    """A sentence and the file it comes from (``rag.answer.spans.Evidence``)."""

    @property
    def text(self) -> str: ...

    @property
    def source(self) -> str: ...


@dataclass(frozen=True)
class Chain:
    """The files the question names and the names their sentences add (title keys)."""

    start: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()

    def continues(self, sentence: Sentence) -> bool:
        """Does a sentence of another file than those the chain starts at continue it?"""
        if not self.start or sentence.source in self.start:
            return False
        if self.names & set(keys_of(proper_spans(sentence.text))):
            return True
        title = f" {title_key(_unbracketed(title_of(sentence.source)))} "  # "(Uganda)" counts here
        return any(f" {name} " in title for name in self.names)


def _unbracketed(title: str) -> str:
    return title.replace("(", " ").replace(")", " ")


def chain_of(question: str, sentences: Sequence[Sentence]) -> Chain:
    """The chain that starts at the files among the sentences' whose title the question names."""
    asked = set(keys_of(proper_spans(question)))
    start = frozenset(s.source for s in sentences if title_key(title_of(s.source)) in asked)
    if not start:
        return Chain()
    said = set().union(*(keys_of(proper_spans(s.text)) for s in sentences if s.source in start))
    # names of something ("The", "He" open sentences; they name nothing) that the question does not already
    # say in some form ("Australian" for "South Australia" links every Australian's file)
    stems = {_stem(w) for w in keywords(question)}
    return Chain(start, frozenset(k for k in said if keywords(k) and not _DATE_WORDS.search(k)
                                  and not {_stem(w) for w in keywords(k)} & stems))


def _stem(word: str) -> str:
    return word[:STEM]


def relations(question: Any) -> int:
    """How many relations a parsed question asks through from the names it gives to what it asks: the common
    nouns on the way from a capitalised word up to the root, the most of any ("Who is the spouse of the
    director of Jump for Glory?": spouse, director; "Who is the performer of Decade?": performer; "Who wrote
    Brand?": none). The first word is capitalised anyway; names count whatever the tagger calls them."""
    most = 0
    for token in question:
        if token.i == 0 or not token.text[:1].isupper():
            continue
        count, head = 0, token
        while head.head.i != head.i:
            head = head.head
            count += head.pos_ == "NOUN" and head.text.islower()
        most = max(most, count)
    return most
