"""Ask the drive: route the question, retrieve (vector, keyword, graph local, graph global), answer, remember.

``ask`` is the one entry point the UI and the CLI use. It works offline (extractive answers with
citations) and, with a ChatModel configured, streams an LLM answer whose citations are validated.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from drive.errors import ModelError
from drive.ml.chat import ChatModel
from drive.store import chats as sessions
from rag.answer.compose import answer_with_llm, keywords, parse_answer
from rag.answer.direct import answer_offline
from rag.answer.short import is_open, options
from rag.rewrite import rewrite_followup
from rag.search.link import bridge_chunks
from rag.search.local import LocalResult, local_search, names_anything
from rag.search.period import by_period
from rag.search.ppr import ppr_search
from rag.search.repeats import spread_repeats
from rag.search.retrieve import chunks_by_id, files_named, keyword_search, rrf, vector_search
from rag.search.route import GLOBAL, KEYWORD, LOCAL, VECTOR, Route, named_file_tails, route
from rag.types import Answer, Filters, Passage, Scope, Turn

if TYPE_CHECKING:
    from drive.core import Drive
    from drive.ml.models import Models

log = logging.getLogger(__name__)
MODES = ("auto", "local", "global", "vector", "keyword", "hybrid")
CONTEXT_PASSAGES = 10
# Reciprocal-rank-fusion weights per mode. Full-text ranks weigh less than meaning: a question's rare word that is
# no name ("in charge") can lead BM25 astray; 0.75 was the best of 0.5 / 0.75 / 1.0 on all three dev sets.
FUSION_WEIGHTS = {VECTOR: 1.0, KEYWORD: 0.75, LOCAL: 1.5, GLOBAL: 1.0}
PPR_WEIGHT = 0.7  # the walk re-ranks the fused list: it adds second hops, it does not replace the first
# The answer also reads this many lower-ranked passages of the first FOCUS_FILES files (1-3 files, 3-6 passages
# gave the same dev answers: bench/answers.py).
FOCUS_FILES = 2
FOCUS_FURTHER = 3
OPEN_WIDTH = 2  # offline key points of an open question come from this many times the usual passages
THEMES_PENDING = ("The themes of your files are still being worked out (the entity graph's communities); "
                  "until then, these are key points from several of your files.")
RRF_K = 20  # sharper than the usual 60: the head of each ranking matters most for 5-10 passages


@dataclass
class Retrieved:
    route: Route
    passages: list[Passage]
    entities: list[str] = field(default_factory=list)
    relations: list[str] = field(default_factory=list)
    communities: list = field(default_factory=list)  # rag.answer.synthesize.CommunitySummary
    timings_ms: dict[str, float] = field(default_factory=dict)
    about: tuple[uuid.UUID, ...] = ()  # the files the question names, to which retrieval was narrowed


def forced_route(mode: str) -> Route | None:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    return {
        "auto": None, "local": Route([LOCAL], "asked for local"), "global": Route([GLOBAL], "asked for global"),
        "vector": Route([VECTOR], "asked for vector"), "keyword": Route([KEYWORD], "asked for keyword"),
        "hybrid": Route([VECTOR, KEYWORD], "asked for hybrid"),
    }[mode]


def retrieve(drive: Drive, models: Models, owner: uuid.UUID, question: str, *, mode: str = "auto",
             filters: Filters | None = None, k: int = CONTEXT_PASSAGES) -> Retrieved:
    """Every passage the chosen modes find, fused by reciprocal rank."""
    timings: dict[str, float] = {}
    with drive.db.session() as s:
        scope = Scope(s, owner, filters)
        about = () if filters and filters.files else files_named(scope, question, named_file_tails(question))
        if about:  # "Summarize q3.pdf": that file's passages, whatever else resembles the question
            scope = Scope(s, owner, replace(filters or Filters(), files=about))
        t = time.perf_counter()
        chosen = forced_route(mode) or route(question, names_anything(scope, question))
        rankings: list[list[Passage]] = []
        weights: list[float] = []
        local = LocalResult([], [], [])
        qvec = None
        if {VECTOR, GLOBAL, LOCAL} & set(chosen.modes):
            qvec = models.embedder.embed([question])[0]
            timings["embed"] = _ms(t)
        if VECTOR in chosen.modes:
            t = time.perf_counter()
            rankings.append(vector_search(scope, qvec, 3 * k))
            weights.append(FUSION_WEIGHTS[VECTOR])
            timings["vector"] = _ms(t)
        if KEYWORD in chosen.modes:
            t = time.perf_counter()
            rankings.append(keyword_search(scope, question, 3 * k))
            weights.append(FUSION_WEIGHTS[KEYWORD])
            timings["keyword"] = _ms(t)
        if LOCAL in chosen.modes:
            t = time.perf_counter()
            local = local_search(scope, question, k, qvec)
            rankings.append(local.passages)
            weights.append(FUSION_WEIGHTS[LOCAL])
            timings["local"] = _ms(t)
        communities = []
        if GLOBAL in chosen.modes:
            from rag.search.global_search import rank_communities

            t = time.perf_counter()
            communities = rank_communities(scope, qvec)
            if not communities:  # no graph yet: fall back to plain retrieval
                rankings.append(vector_search(scope, qvec, 3 * k))
                weights.append(FUSION_WEIGHTS[GLOBAL])
            timings["global"] = _ms(t)
        fused = rrf(rankings, k=RRF_K, weights=weights)
        if len(chosen.modes) > 1 or LOCAL in chosen.modes:  # forced single modes stay plain (baselines)
            t = time.perf_counter()
            walked = ppr_search(scope, fused, [e.id for e in local.entities], 3 * k)
            fused = rrf([fused, walked], k=RRF_K, weights=[1.0, PPR_WEIGHT]) if walked else fused
            timings["ppr"] = _ms(t)
        if LOCAL in chosen.modes and qvec is not None:
            fused = with_bridges(scope, fused, qvec)
        if mode not in (VECTOR, KEYWORD):  # the single-mode baselines stay plain
            fused = with_options(scope, question, by_period(scope, question, spread_repeats(fused)), k)
    return Retrieved(chosen, fused[: 3 * k], [e.name for e in local.entities], local.relations, communities, timings,
                     about)


def with_bridges(scope: Scope, fused: list[Passage], qvec: Any, lead: int = 2) -> list[Passage]:
    """Put the second hop right after the best files: the files that the top passages name.

    Fused by rank at equal weight, such a file lands below passages that merely resemble the question.
    """
    top_files = list(dict.fromkeys(p.file for p in fused))[:lead]
    head = [p for p in fused if p.file in top_files]
    first_chunks = [next(p.chunk_id for p in fused if p.file == f) for f in top_files]
    bridges = chunks_by_id(scope, bridge_chunks(scope, first_chunks, qvec, n=lead), "bridge")
    bridges = [b for b in bridges if b.file not in top_files]
    seen = {p.chunk_id for p in head} | {b.chunk_id for b in bridges}
    return head + bridges + [p for p in fused if p.chunk_id not in seen]


def with_options(scope: Scope, question: str, fused: list[Passage], k: int) -> list[Passage]:
    """A choice between two named things ("Which trial enrolls more: X or Y?") reads each: an option that no
    passage among the first ``k`` names (half its words) gets its best keyword passage moved to the middle of
    them. Fused on the whole question, the passages of one option can crowd out the other's file."""
    named = options(question)
    if not named:
        return fused
    head = fused[:k]
    for option in named:
        words = keywords(option)
        if not words or any(2 * len(words & keywords(f"{p.text} {p.file}")) >= len(words) for p in head):
            continue
        found = [p for p in keyword_search(scope, option, 3) if p.file not in {h.file for h in head}][:1]
        head = head[: k // 2] + found + head[k // 2:]
    head = _each_files_best(scope, question, head, k)
    seen = {p.chunk_id for p in head}
    return head + [p for p in fused if p.chunk_id not in seen]


CHOICE_FILES = 4  # files of a choice that each get their best passage for the whole question


def _each_files_best(scope: Scope, question: str, head: list[Passage], k: int) -> list[Passage]:
    """Each file among the first ``k`` (at most ``CHOICE_FILES``) with its best keyword passage for the whole
    question: a choice compares what two files say, and the passage that brought a file in may only name its
    option ("the Education Department" on one page, the engagement index asked about on another)."""
    for item in list(dict.fromkeys(p.item_id for p in head))[:CHOICE_FILES]:
        within = replace(scope, filters=replace(scope.filters or Filters(), files=(item,)))
        best = keyword_search(within, question, 1)
        if best and best[0].chunk_id not in {p.chunk_id for p in head}:
            head = head[: k // 2] + best + head[k // 2:]
    return head


def ask(drive: Drive, models: Models, owner: uuid.UUID, question: str, *, mode: str = "auto",
        session_id: uuid.UUID | None = None, on_token: Callable[[str], None] | None = None,
        filters: Filters | None = None, k: int = CONTEXT_PASSAGES,
        on_stage: Callable[[str], None] | None = None, question_id: int | None = None) -> Answer:
    """``on_token`` receives a model's answer as it is written; ``on_stage`` a line per stage (searching,
    reading N passages, composing), so that a slow answer shows what it is doing.

    In a conversation the question is stored before it is answered, so that an answer cut short (the client
    left) leaves the question there; ``question_id`` names it when the caller stored it already."""
    start = time.perf_counter()
    forced_route(mode)  # a bad request is refused before anything is stored
    stage = on_stage or (lambda _: None)
    history = _history(drive, owner, session_id)
    if session_id is not None and question_id is None:
        question_id = sessions.add_message(drive.db, owner, session_id,
                                           sessions.StoredMessage("user", question, None, [], []))
    chat = models.chat
    stage("Searching your files…")
    standalone = rewrite_followup(question, history, chat)
    found = retrieve(drive, models, owner, standalone, mode=mode, filters=filters, k=k)
    stage(reading_stage(found, k))
    stage("Writing the answer with the language model…" if chat else "Composing the answer from your files…")
    t = time.perf_counter()
    answer = _answer(models, standalone, found, history, on_token, k)
    answer.mode = "+".join(found.route.modes)
    answer.timings_ms = {**found.timings_ms, "answer": _ms(t), "total": _ms(start)}
    if session_id is not None and question_id is not None:
        cites = [c.to_json() for c in answer.citations]
        sessions.add_answer(drive.db, owner, session_id, question_id,
                            sessions.StoredMessage("assistant", answer.text, answer.mode, cites, []), found.entities)
    return answer


def reading_stage(found: Retrieved, k: int = CONTEXT_PASSAGES) -> str:
    """What the answer is read from: "Reading 10 passages from 3 files…" (or the community summaries)."""
    if found.communities:
        n = len(found.communities)
        return f"Reading {n} topic summar{'ies' if n != 1 else 'y'}…"
    context = found.passages[:k]
    files = len({p.file for p in context})
    return (f"Reading {len(context)} passage{'s' if len(context) != 1 else ''} "
            f"from {files} file{'s' if files != 1 else ''}…")


def answer_from(models: Models, question: str, found: Retrieved, k: int = CONTEXT_PASSAGES) -> Answer:
    """The answer to ``question`` from passages already retrieved (no history, no streaming): lets a benchmark
    answer from a retrieval it has altered, e.g. without the files that hold the answer."""
    answer = _answer(models, question, found, [], None, k)
    answer.mode = "+".join(found.route.modes)
    return answer


def _answer(models: Models, question: str, found: Retrieved, history: list[Turn],
            on_token: Callable[[str], None] | None, k: int) -> Answer:
    try:
        return _answer_with(models.chat, models, question, found, history, on_token, k)
    except ModelError as exc:  # a live question cannot wait for a retry: answer offline, and say so
        log.warning("LLM failed (%s); answering extractively", exc)
        answer = _answer_with(None, models, question, found, history, None, k)
        answer.note = f"The language model could not answer ({exc}); this answer is extracted from your files."
        return answer


def _answer_with(chat: ChatModel | None, models: Models, question: str, found: Retrieved, history: list[Turn],
                 on_token: Callable[[str], None] | None, k: int) -> Answer:
    if found.communities:
        from rag.answer.synthesize import map_reduce, numbered_passages, synthesize_offline

        if chat is None:
            return synthesize_offline(question, found.communities, found.passages[:k], models.embedder)
        return parse_answer(_stream(map_reduce(chat, question, found.communities), on_token),
                            numbered_passages(found.communities), mode=GLOBAL)
    context = _focused(found.passages, k)
    if chat is None:  # an open question ("Impact of fuel types on performance?") is read across twice the passages
        broad = GLOBAL in found.route.modes  # with no communities yet: key points of the files, said to be so
        whole_file = bool(found.about) and is_open(question)  # "Summarize q3.pdf": its key points
        wide = found.passages[:OPEN_WIDTH * k] if broad or is_open(question) else context
        read = {p.chunk_id for p in wide}
        rest = [p for p in found.passages if p.chunk_id not in read]
        answer = answer_offline(question, wide, models.embedder, models.nlp, further=rest,
                                broad=broad or whole_file)
        answer.note = THEMES_PENDING if broad and answer.found else None
        return answer
    return parse_answer(_stream(answer_with_llm(chat, question, context, history), on_token), context)


def _focused(passages: list[Passage], k: int) -> list[Passage]:
    """The first ``k`` passages and the further passages of the files the first two come from: a report's header
    names the place and the aircraft the question asks about, its narrative (ranked lower) says what happened."""
    files = {p.file for p in passages[:FOCUS_FILES]}
    return passages[:k] + [p for p in passages[k:] if p.file in files][:FOCUS_FURTHER]


def _stream(pieces, on_token: Callable[[str], None] | None) -> str:  # type: ignore[no-untyped-def]
    out = []
    for piece in pieces:
        out.append(piece)
        if on_token:
            on_token(piece)
    return "".join(out)


def _history(drive: Drive, owner: uuid.UUID, session_id: uuid.UUID | None) -> list[Turn]:
    """The conversation's last exchanges; a question left without an answer (interrupted) is not one."""
    if session_id is None:
        return []
    stored = sessions.messages(drive.db, owner, session_id)
    skip = sessions.unanswered(stored)
    kept = [m for i, m in enumerate(stored) if i not in skip]
    return [Turn(m.role, m.content, m.entities) for m in kept[-8:]]  # type: ignore[arg-type]


def _ms(t: float) -> float:
    return round((time.perf_counter() - t) * 1000, 1)
