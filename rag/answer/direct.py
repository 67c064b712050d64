"""The offline answer people read first: a direct short answer with its citation, then at most three supporting
sentences; or "I couldn't find this in your files" with the closest files when the evidence is too weak.

Citations are numbered 1..k in the order the answer first uses them, whatever the passages' retrieval ranks.
The evidence is judged by ``support``: how much of the question's wording the best passages cover (names
count double), how close the best sentence comes to the question, and how many of the question's names they
hold whole. Its threshold is calibrated by ``bench/eval_qa.py`` (and ``bench/answers.py``) on questions asked
of drives that lack their gold files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np

from drive.ml.embedder import Embedder
from rag.answer.asked import folded, phrases
from rag.answer.bridge import bridge_bonus, reached
from rag.answer.compose import (
    EXTRACTIVE_LEAD,
    NOTHING_FOUND,
    Ranked,
    ScoredSentence,
    citations_for,
    keywords,
    quote,
    rank_sentences,
)
from rag.answer.expect import NUMBER, expected_labels
from rag.answer.field import read_amount, read_field, read_named_amount
from rag.answer.roles import kind_and_label
from rag.answer.short import Evidence, ShortAnswer, compare, is_open, is_yes_no, options, short_answer
from rag.answer.supporting import RELEVANCE_FLOOR, SUPPORTING, supporting
from rag.answer.table import read_cell
from rag.types import Answer, Passage

NOT_FOUND = "I couldn't find this in your files."
CLOSEST_LEAD = "Closest matches:"
KEY_POINTS = 7  # an open question's answer: this many sentences, from different files where they fit
SUPPORT_PASSAGES = 5
FOUND_THRESHOLD = 0.55  # bench/answers.py: the highest keeping found=true >= 0.95 on all three dev sets
NAME_WEIGHT = 2.0
PART_NAME_WEIGHT = 0.5
# Words that say how to answer, not what: documents give the figures, not the word "changed".
FRAMING = keywords("change changed changes changing trend trends evolve evolved evolution "
                   "discussed mentioned covered described addressed talked")
_OVER_TIME = re.compile(r"\bover (?:time|the years)\b", re.IGNORECASE)


def support(question: str, passages: Sequence[Passage], ranked: Ranked) -> float:
    """How well the passages back an answer, 0..1: the share of the question's keywords (names double) that the
    best passages hold, averaged with the best sentence's relevance; when the question names things, averaged
    again with the share of those names that the best passages' files hold whole, in any of their passages in
    view (a report's header names the place, its second page the pilot's hours) or in their names. Words that
    frame the question ("how has revenue changed over time") are not asked of the files."""
    terms = keywords(_OVER_TIME.sub(" ", question)) - FRAMING
    own = ranked.own if ranked.own is not None else ranked.relevance
    if not terms:
        return float(own.max())
    names = {w for w in keywords(" ".join(_capitalised(question)))}
    best = passages[:SUPPORT_PASSAGES]
    held = set().union(*(keywords(p.text) for p in best)) if passages else set()
    weight = {t: NAME_WEIGHT if t in names else 1.0 for t in terms}
    coverage = sum(w for t, w in weight.items() if t in held) / sum(weight.values())
    strength = 0.5 * coverage + 0.5 * min(1.0, float(own.max()))
    named = phrases(question)
    if not named:
        return strength
    files = {p.file for p in best}  # a name is held by the best passages' files, wherever in view they say it
    return 0.5 * strength + 0.5 * names_held(named, [p for p in passages if p.file in files])


def names_held(names: Sequence[str], passages: Sequence[Passage]) -> float:
    """The share of the question's names that the passages (or their files' names) hold whole; a name held only
    in part counts half the share of its words that one passage holds ("Kerry Saxby-Junna" asks about her:
    passages holding "Kerry" and "Saxby" apart are about someone else)."""
    said = f" {folded(' '.join([p.text for p in passages] + [p.file for p in passages]))} "
    bags = [set(folded(f"{p.text} {p.file}").split()) for p in passages]
    total = 0.0
    for name in names:
        if f" {name} " in said:
            total += 1.0
            continue
        words = name.split()
        total += PART_NAME_WEIGHT * max((sum(w in bag for w in words) / len(words) for bag in bags), default=0.0)
    return total / len(names)


def _capitalised(question: str) -> list[str]:
    """Words written with a capital inside the question (not its first word): names, titles."""
    tokens = re.findall(r"[^\W_][\w'’-]*", question)
    return [t for t in tokens[1:] if t[:1].isupper() or t[:1].isdigit()]


def answer_offline(question: str, passages: Sequence[Passage], embedder: Embedder, nlp: Any,
                   *, mode: str = "hybrid", threshold: float = FOUND_THRESHOLD,
                   further: Sequence[Passage] = (), broad: bool = False) -> Answer:
    """The direct answer with its support, or "not found" with the closest files. ``further`` are the retrieved
    passages after ``passages``: a labelled field is also looked for in those of the same files (a protocol
    states its primary endpoint far from the words that name the study), and cited when it is read there.
    A ``broad`` question (about the drive as a whole: "What are the main themes?") gets key points from
    several files, whatever its words share with them."""
    ranked = rank_sentences(question, passages, embedder)
    if ranked is None:
        return Answer(text=NOTHING_FOUND, mode=mode, extractive=True, found=False)
    strength = support(question, passages, ranked)
    if strength < threshold and not broad:
        return not_found(passages, mode, strength)
    reach = reached(ranked.candidates, ranked.relevance, passages)  # sentences that name other files in view
    chain = _bridged(None, ranked, passages, reach)  # what the answer rests on: the links of its chain, both ways
    if not (options(question) or is_yes_no(question)):  # a choice or a yes/no names what it asks about: no hop
        ranked = _bridged(question, ranked, passages, reach)  # where it is read: a hop from the files asked about
    if broad or is_open(question):  # "Impact of fuel types on performance?": key points from several files
        # key points are sentences of prose, not form rows or contents lines; a broad question's words ("main
        # themes", "summarize q3.pdf") say nothing of the files: its key points are the most central sentences
        floor = 0.0 if broad else RELEVANCE_FLOOR
        ranked = _central_prose(ranked) if broad else _prose_first(ranked)
        picked = supporting(question, ranked, passages, None, k=KEY_POINTS, chain=False, floor=floor)
        return replace(compose(None, picked, passages, mode), support=strength)
    read = _read_as_written(question, passages, further, partial(cosines, embedder))
    if read and read.passage > len(passages):  # a field read in a further passage of the same files
        passages = [*passages, read.source]
        read = replace(read, passage=len(passages))
    evidence = _evidence(ranked, passages)
    short = ShortAnswer(read.text, read.passage, read.line) if read else short_answer(question, evidence, nlp)
    named = options(question)
    if named and compare(question, named, evidence) is None:  # a choice whose amounts were not both in view
        wider = _compare_further(question, passages, further, embedder)
        if wider:
            short, ranked, passages = wider
            chain = ranked
    picked = supporting(question, chain, passages, short)
    if read:  # the row and column, or the field, it was read from, said plainly, before the sentences around it
        top = picked[0].relevance if picked else 1.0
        picked = [ScoredSentence(read.line, read.passage, top), *picked[:SUPPORTING - 1]]
    answer = compose(short, picked, passages, mode)
    answer.support = strength
    return answer


_NOT_PROSE = re.compile(r"\.{4,}|\||_{3,}")  # a contents line's leader dots, a table row, a form's blank
# A form's field label: "Aircraft Damage:", "Flight Conducted Under:"; a line with two of them is a form row.
_FORM_LABEL = re.compile(r"(?<!\S)[A-Z][\w/&()'-]*(?: [\w/&()'-]+){0,3}:(?!\S)")
PROSE_WORDS = 6


def is_prose(text: str) -> bool:
    """A sentence of at least six words that is no contents line, table row or row of a form's fields."""
    return len(text.split()) >= PROSE_WORDS and not _NOT_PROSE.search(text) and len(_FORM_LABEL.findall(text)) < 2


def _prose_first(ranked: Ranked) -> Ranked:
    """The ranking with sentences that are not prose put below zero, unless no sentence is prose."""
    prose = np.array([is_prose(text) for text, _ in ranked.candidates])
    return replace(ranked, relevance=np.where(prose, ranked.relevance, -1.0)) if prose.any() else ranked


def _central_prose(ranked: Ranked) -> Ranked:
    """The sentences ranked by how close each comes to the mean of the sentences of prose (cosine), those that
    are not prose below zero; unchanged when no sentence is prose (a drive of forms and tables)."""
    prose = np.array([is_prose(text) for text, _ in ranked.candidates])
    if not prose.any():
        return ranked
    vectors = ranked.vectors / np.maximum(np.linalg.norm(ranked.vectors, axis=1, keepdims=True), 1e-12)
    centre = vectors[prose].mean(axis=0)
    centrality = vectors @ (centre / max(float(np.linalg.norm(centre)), 1e-12))
    return replace(ranked, relevance=np.where(prose, centrality, -1.0))


def _bridged(question: str | None, ranked: Ranked, passages: Sequence[Passage], reach: dict[str, float]) -> Ranked:
    """The ranking with each sentence also scored as the second hop of a chain (``rag.answer.bridge``)."""
    if not reach:
        return ranked
    bonus = bridge_bonus(question, ranked.candidates, passages, reach, ranked.relevance)
    return replace(ranked, relevance=ranked.relevance + bonus) if bonus.any() else ranked


def _evidence(ranked: Ranked, passages: Sequence[Passage]) -> list[Evidence]:
    return [Evidence(s.text, s.passage, s.relevance, passages[s.passage - 1].file)
            for s in ranked.best(len(ranked.candidates))]


def _compare_further(question: str, passages: Sequence[Passage], further: Sequence[Passage],
                     embedder: Embedder) -> tuple[ShortAnswer, Ranked, list[Passage]] | None:
    """"Which student had logged more flight time, at X or at Y?": each option's amount read in every retrieved
    passage of the files answered from, for a report's form may state it far from the passages that name the
    option. The choice, with the sentences and passages it was read from (those answered from come first), or
    None when an amount is still missing."""
    files = {p.file for p in passages}
    pool = [*passages, *(p for p in further if p.file in files)]
    if len(pool) == len(passages):
        return None
    ranked = rank_sentences(question, pool, embedder)
    found = compare(question, options(question), _evidence(ranked, pool)) if ranked else None
    return (found, ranked, pool) if found and ranked else None


@dataclass(frozen=True)
class _Read:
    text: str
    passage: int  # 1-based, counting ``further`` after the passages answered from
    line: str  # what it was read from, said plainly: a table's row and column, a form's field
    source: Passage


def _read_as_written(question: str, passages: Sequence[Passage], further: Sequence[Passage] = (),
                     similar: Callable[[str, list[str]], list[float]] | None = None) -> _Read | None:
    """An answer read from a table cell (amounts), or from a labelled field ("Primary endpoint: X") for a question
    asking for no particular kind, in the passages or the further passages of their files; None for choices and
    yes/no questions, or when neither is found."""
    if options(question) or is_yes_no(question):
        return None
    cell = read_cell(question, [p.text for p in passages])
    if cell:
        return _Read(cell.text, cell.passage, cell.describe(), passages[cell.passage - 1])
    files = {p.file for p in passages}
    pool = [*passages, *(p for p in further if p.file in files)]
    texts = [(p.file, p.text) for p in pool]
    labels = expected_labels(question)
    if labels & NUMBER:
        found = read_amount(question, texts, similar) or read_named_amount(question, texts, similar)
    else:  # a field answers a question of no kind, or one that names its kind and then the field's label
        found = read_field(question, texts) if not labels or kind_and_label(question) else None
    return _Read(found.text, found.passage, found.line, pool[found.passage - 1]) if found else None


def cosines(embedder: Embedder, phrase: str, words: list[str]) -> list[float]:
    """How close in meaning each word comes to ``phrase`` (cosine of their embeddings)."""
    vectors = np.asarray(embedder.embed([phrase, *words]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return [float(v) for v in vectors[1:] @ vectors[0]]


def not_found(passages: Sequence[Passage], mode: str, strength: float = 0.0) -> Answer:
    """No claim: say so, and name the closest files so the person can look themselves."""
    closest = list(dict.fromkeys(p.file for p in passages))[:3]
    lines = [NOT_FOUND]
    if closest:
        lines += ["", CLOSEST_LEAD, *[f"- {name}" for name in closest]]
    return Answer(text="\n".join(lines), mode=mode, extractive=True, found=False, support=strength)


def compose(short: ShortAnswer | None, picked: list[ScoredSentence], passages: Sequence[Passage],
            mode: str) -> Answer:
    """Short answer line then supporting lines, citations renumbered 1..k by first use."""
    order: dict[int, int] = {}

    def cite(passage: int) -> str:
        order.setdefault(passage, len(order) + 1)
        return f"[{order[passage]}]"

    head = [f"**{quote(short.text)}** {cite(short.passage)}", ""] if short else []
    lines = [f"- {quote(s.text)} {cite(s.passage)}" for s in picked]
    numbered = citations_for(passages, list(order))
    citations = [replace(c, n=order[c.n]) for c in numbered]
    return Answer(text="\n".join([*head, EXTRACTIVE_LEAD, "", *lines]), mode=mode, citations=citations,
                  extractive=True, short_answer=short.text if short else None, found=True)
