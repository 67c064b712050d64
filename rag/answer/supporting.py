"""Which sentences an offline answer cites: the short answer's sentence, then those that best complete it.

A sentence completes the answer by being relevant, by holding the question's words that the chosen ones lack,
and by coming from a file not yet cited; a chain across files (a bridge question) is followed three ways: the
file the question names and the file its sentences name (``_chain_start``), a name of the question held whole
in another file (``_naming``), and a name that a chosen sentence shares with one other file (``_linking``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache, partial

from rag.answer.asked import folded, phrases
from rag.answer.bridge import file_titles, holding_files, linked_files, named_files
from rag.answer.compose import Ranked, ScoredSentence, keywords
from rag.answer.short import ShortAnswer
from rag.types import Passage

SUPPORTING = 4  # the short answer's sentence and at most three that complete it
NEW_FILE_BONUS = 0.6
COVER_WEIGHT = 0.5
# A new file's sentence that names what a chosen sentence names is the chain's next hop ("born in Hiroshima" ->
# "the bomb dropped on Hiroshima"); 0.3 / 0.6 / 1.0 measured, 0.6 and 1.0 alike on all three dev sets.
LINK_BONUS = 0.6
NAMED_WORDS = 2  # measured 1 and 2: 1 also cites namesakes' files and lost two answers on MuSiQue, one on HotpotQA
LINK_FILES = 2  # a name that more files in view say ("Windhoek" in five biographies) links nothing in particular
RELEVANCE_FLOOR = 0.5


def supporting(question: str, ranked: Ranked, passages: Sequence[Passage], short: ShortAnswer | None,
               k: int = SUPPORTING, *, chain: bool = True, floor: float = RELEVANCE_FLOOR) -> list[ScoredSentence]:
    """The sentence the short answer comes from, then the sentences that best complete it: relevant, holding
    the question's words that the chosen ones lack (a bridge question's other hop), from files not yet used,
    so that an answer joining facts from several files cites each of them. Without ``chain`` (an open
    question's key points, which spread over files rather than follow one), shared names link nothing. Sentences
    below ``floor`` times the best one's relevance are left out."""
    every = ranked.best(len(ranked.candidates))
    top = every[0].relevance if every else 0.0
    pool = [s for s in every if s.relevance >= floor * top]
    chosen = [s for s in pool if short and s.text == short.sentence][:1] or pool[:1]
    if short:  # what else the short answer rests on (a comparison's other amount) comes next
        rested = {e.text for e in short.also}
        chosen += [s for s in every if s.text in rested and s not in chosen][:k - 1]
    for start in _chain_start(question, every, passages):  # cited even when it says little of what is asked
        if len(chosen) < k and passages[start.passage - 1].file not in {passages[c.passage - 1].file for c in chosen}:
            chosen.append(start)
    chosen += _naming(question, every, chosen, passages)[:max(0, k - len(chosen))]
    weights = term_weights(question, [s.text for s in pool])
    linking = _linking(question, pool, passages) if chain else frozenset()
    while len(chosen) < k:
        texts = {s.text for s in chosen}
        rest = [s for s in pool if s.text not in texts]
        if not rest:
            break
        links = linking & frozenset().union(*(_names_in(c.text) for c in chosen))
        chosen.append(max(rest, key=partial(_gain, chosen=list(chosen), passages=passages, weights=weights,
                                            links=links)))
    return chosen


def _naming(question: str, every: Sequence[ScoredSentence], chosen: Sequence[ScoredSentence],
            passages: Sequence[Passage]) -> list[ScoredSentence]:
    """For each name of at least two words that the question asks about and no chosen sentence holds, the best
    sentence of another file that holds it whole: "the city where the Philbrook Museum is located" is answered
    by a state's file that mentions it in passing, far below the museums that share the question's words. A
    one-word name ("Tennessee") is said in passing by too many files to be read this way."""
    held = f" {folded(' '.join(c.text for c in chosen))} "
    files = {passages[c.passage - 1].file for c in chosen}
    found = []
    for name in phrases(question):
        if len(name.split()) < NAMED_WORDS or f" {name} " in held:
            continue
        best = next((s for s in every if passages[s.passage - 1].file not in files
                     and f" {name} " in f" {folded(s.text)} "), None)
        if best:
            found.append(best)
            files.add(passages[best.passage - 1].file)
    return found


def _linking(question: str, pool: Sequence[ScoredSentence], passages: Sequence[Passage]) -> frozenset[str]:
    """The names that can link two files: said in at most ``LINK_FILES`` files of the pool, not named by the
    question and not made of its words only ("Leader of the Opposition" for "opposition leader"), for those
    the question's own words already find."""
    files: dict[str, set[str]] = {}
    for s in pool:
        for name in _names_in(s.text):
            files.setdefault(name, set()).add(passages[s.passage - 1].file)
    asked, words = set(phrases(question)), keywords(question)
    return frozenset(n for n, where in files.items()
                     if len(where) <= LINK_FILES and n not in asked and not keywords(n) <= words)


@lru_cache(maxsize=4096)
def _names_in(sentence: str) -> frozenset[str]:
    return frozenset(phrases(sentence))


def _chain_start(question: str, every: Sequence[ScoredSentence], passages: Sequence[Passage]) -> list[ScoredSentence]:
    """The best sentence of the file the question names, and of a file that one's sentences name: the hops a
    chain starts with ("What country was the author of Brand a citizen of?": "Brand is a play by Henrik Ibsen",
    then Ibsen's file), whatever their words share with the question. A title named whole is a link; failing
    one, a title that holds a name of the first hop's best sentence ("a Hong Kong film" -> "British Hong Kong").
    Following a third hop the same way was measured and lost more than it gained (README)."""
    found: list[ScoredSentence] = []
    for file in named_files(question, passages)[:1]:
        own = [s for s in every if passages[s.passage - 1].file == file]
        all_titles = file_titles(p.file for p in passages)
        titles = {f: key for f, key in all_titles.items() if f != file}
        linked = set().union(*(linked_files(s.text, titles) for s in own)) or \
            set().union(*(holding_files(s.text, titles, all_titles.get(file, "")) for s in own[:1]))
        found += own[:1] + [s for s in every if passages[s.passage - 1].file in linked][:1]
    return found


def _gain(s: ScoredSentence, chosen: list[ScoredSentence], passages: Sequence[Passage],
          weights: dict[str, float], links: frozenset[str] = frozenset()) -> float:
    covered = set().union(*(keywords(c.text) for c in chosen))
    new_terms = sum(w for t, w in weights.items() if t not in covered and t in keywords(s.text))
    if passages[s.passage - 1].file in {passages[c.passage - 1].file for c in chosen}:
        return s.relevance + COVER_WEIGHT * new_terms
    linked = bool(links & _names_in(s.text))
    return s.relevance + COVER_WEIGHT * new_terms + NEW_FILE_BONUS + (LINK_BONUS if linked else 0.0)


def term_weights(question: str, sentences: Sequence[str]) -> dict[str, float]:
    """The question's keywords weighted by rarity among the sentences (IDF), summing to 1."""
    terms = keywords(question)
    bags = [keywords(s) for s in sentences]
    raw = {t: math.log1p(len(bags) / (1.0 + sum(t in b for b in bags))) for t in terms}
    total = sum(raw.values()) or 1.0
    return {t: w / total for t, w in raw.items()}
