"""The second hop of a bridge question, read in the sentences: a sentence that names another file in view links to it.

"What was the population of the city where Kerry Saxby-Junna was born?": her file says "She was born in Young,
New South Wales", and the file named "Young, New South Wales" says "At the 2011 census, Young had a population of
6,960". That sentence shares few words with the question, so alone it ranks low; read as the end of a chain that
starts at a sentence close to the question, it is the answer. Retrieval follows the same links to bring the file
into view (``rag.search.link``); this module makes the answer follow them too.

A sentence of file F gains ``BRIDGE_WEIGHT`` times the relevance of the best sentence of another file that names
F's title (folded by ``drive.names.title_key``), so a chain counts both of its hops, discounted for the jump.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from drive.names import keys_of, proper_spans, title_key, title_of
from rag.answer.compose import keywords
from rag.types import Passage

BRIDGE_WEIGHT = 0.7  # measured at 0.3, 0.5, 0.7 on all three dev sets: README "A sentence's link to another file"
MIN_TITLE_CHARS = 3  # "US", "AI": too short to tell a name from a word


def file_titles(files: Iterable[str]) -> dict[str, str]:
    """File -> title key, for the files whose title is long enough to tell a name from a word."""
    return {f: key for f in dict.fromkeys(files) if len(key := title_key(title_of(f))) >= MIN_TITLE_CHARS}


def linked_files(sentence: str, titles: dict[str, str]) -> set[str]:
    """The files (of ``titles``: file -> title key) whose title the sentence names."""
    keys = set(keys_of(proper_spans(sentence)))
    return {f for f, key in titles.items() if key in keys}


def holding_files(sentence: str, titles: dict[str, str], own: str = "") -> set[str]:
    """The files whose title holds, as whole words, a run of capitalised words of the sentence ("a 2000 Hong
    Kong action film" -> "British Hong Kong"): a looser link, for when no title is named whole. Runs that the
    sentence's own file title ``own`` (a key) holds do not link: "Hernández" is not a namesake's file."""
    runs = [s for s in proper_spans(sentence) if all(w[:1].isupper() for w in s.split())]
    keys = {f" {k} " for k in keys_of(runs) if keywords(k)} - _word_runs(own)  # "The" alone names nothing
    return {f for f, key in titles.items() if any(k in f" {key} " for k in keys)}


def _word_runs(key: str) -> set[str]:
    words = key.split()
    return {f" {' '.join(words[i:j])} " for i in range(len(words)) for j in range(i + 1, len(words) + 1)}


def reached(candidates: Sequence[tuple[str, int]], relevance: np.ndarray,
            passages: Sequence[Passage], among: Sequence[str] | None = None) -> dict[str, float]:
    """For each file (of the candidates' files, or ``among``) that a sentence of another file names, the best
    relevance among such sentences."""
    files = [passages[n - 1].file for _, n in candidates]
    titles = file_titles(files if among is None else among)
    reach: dict[str, float] = {}
    for i, (sentence, _) in enumerate(candidates):
        for target in linked_files(sentence, titles) - {files[i]}:
            reach[target] = max(reach.get(target, 0.0), float(relevance[i]))
    return reach


def named_files(question: str, passages: Sequence[Passage]) -> list[str]:
    """The files in view whose title the question names ("the author of Brand" -> "Brand (play).txt"), in
    retrieval order: a chain's first hop."""
    asked = set(keys_of(proper_spans(question)))
    return [f for f, key in file_titles(p.file for p in passages).items() if key in asked]


def bridge_bonus(question: str | None, candidates: Sequence[tuple[str, int]], passages: Sequence[Passage],
                 reach: dict[str, float], relevance: np.ndarray | None = None) -> np.ndarray:
    """For each candidate (sentence, 1-based passage), ``BRIDGE_WEIGHT`` x its file's ``reached`` relevance; 0 for
    files no other file's sentence names and, given the ``question``, for files it names itself (those are the
    first hop, which the question's own words already find). A link from the file the question names (given
    the candidates' ``relevance``) is the chain's own second hop and counts undiscounted."""
    asked = set(keys_of(proper_spans(question))) if question else set()
    files = [passages[n - 1].file for _, n in candidates]
    gain = {f: 0.0 if title_key(title_of(f)) in asked else BRIDGE_WEIGHT * r for f, r in reach.items()}
    if question and relevance is not None:
        # also for a file the question names too: the chain still runs through it ("..., he was an Earl of which
        # location" names Tostig Godwinson, whose file the first hop's links to and which says "Northumbria")
        for f, r in _reach_from_start(question, candidates, relevance, passages).items():
            gain[f] = gain.get(f, 0.0) + (1.0 - BRIDGE_WEIGHT) * r
    return np.array([gain.get(f, 0.0) for f in files], dtype=np.float32)


def _reach_from_start(question: str, candidates: Sequence[tuple[str, int]], relevance: np.ndarray,
                      passages: Sequence[Passage]) -> dict[str, float]:
    """``reached``, counting only the sentences of the file the question names first (``named_files``)."""
    start = named_files(question, passages)[:1]
    if not start:
        return {}
    own = [i for i, (_, n) in enumerate(candidates) if passages[n - 1].file == start[0]]
    return reached([candidates[i] for i in own], relevance[own], passages, among=[p.file for p in passages])
