"""Global answers: questions about the whole drive, answered from community summaries.

With an LLM: map each top community (title, summary, its backing passages) to partial
answers, then reduce the partials into one streamed answer. Citations [n] number the
communities' passages as ``numbered_passages`` lists them; hand that same list to
``rag.answer.compose.parse_answer`` with the joined stream. Offline: one line per top community,
its title and the sentence of its passages that best carries the theme, cited.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from drive.ml.chat import ChatModel, Message
from drive.ml.fence import DOCUMENTS, unfence
from drive.ml.prompts import load_prompt
from rag.answer.compose import (
    NOTHING_FOUND,
    Embedder,
    answer_extractive,
    build_context,
    parse_answer,
    pick_sentences,
    quote,
)
from rag.answer.sentences import split_sentences
from rag.types import Answer, Passage

MAP_TOP = 8
MAP_WORKERS = 4
OFFLINE_TOP = 5
PASSAGES_PER_COMMUNITY = 5
NO_INFO = "NO RELEVANT INFORMATION"
THEMES_LEAD = "From your files, the main themes:"


@dataclass(frozen=True)
class CommunitySummary:
    """A community of the entity graph as global search sees it; ``passages`` back its summary."""

    id: str
    title: str
    summary: str
    score: float = 0.0
    passages: tuple[Passage, ...] = ()


def top_summaries(summaries: Sequence[CommunitySummary], limit: int = MAP_TOP) -> list[CommunitySummary]:
    """The ``limit`` best-scored communities (stable for equal scores)."""
    return sorted(summaries, key=lambda s: -s.score)[:limit]


def backing_passages(summary: CommunitySummary) -> list[Passage]:
    """The community's passages used in prompts and lines, without repeats."""
    unique = {p.chunk_id: p for p in reversed(summary.passages)}
    ordered = [unique.pop(p.chunk_id) for p in summary.passages if p.chunk_id in unique]
    return ordered[:PASSAGES_PER_COMMUNITY]


def numbered_passages(summaries: Sequence[CommunitySummary], limit: int = MAP_TOP) -> list[Passage]:
    """Passages of the top communities, numbered [1]..[n] in this order by every prompt here."""
    seen: dict[int, Passage] = {}
    for summary in top_summaries(summaries, limit):
        for passage in backing_passages(summary):
            seen.setdefault(passage.chunk_id, passage)
    return list(seen.values())


# ---------------------------------------------------------------- with an LLM


def map_reduce(
    chat: ChatModel,
    question: str,
    summaries: Sequence[CommunitySummary],
    *,
    limit: int = MAP_TOP,
    workers: int = MAP_WORKERS,
) -> Iterator[str]:
    """Stream a global answer citing ``numbered_passages(summaries, limit)``."""
    top = top_summaries(summaries, limit)
    numbers = {p.chunk_id: n for n, p in enumerate(numbered_passages(summaries, limit), start=1)}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        partials = list(pool.map(lambda s: _map_one(chat, question, s, numbers), top))
    notes = [(s, text) for s, text in zip(top, partials, strict=True) if text]
    if not notes:
        yield NOTHING_FOUND
    elif len(notes) == 1:
        yield notes[0][1]
    else:
        yield from chat.stream(_reduce_messages(question, notes))


def _map_one(chat: ChatModel, question: str, summary: CommunitySummary, numbers: dict[int, int]) -> str:
    """One community's partial answer, or "" when it has nothing for the question."""
    passages = backing_passages(summary)
    context = build_context(
        passages,
        numbers=[numbers[p.chunk_id] for p in passages],
        preamble=f"Theme: {summary.title}\nSummary: {summary.summary}",
    )
    messages = load_prompt("global_map").render(
        fence_open=DOCUMENTS.open, fence_close=DOCUMENTS.close, context=context, question=question.strip()
    )
    reply = chat.complete(messages).strip()
    return "" if not reply or NO_INFO in reply.upper() else reply


def _reduce_messages(question: str, notes: list[tuple[CommunitySummary, str]]) -> list[Message]:
    # Partials keep their [n] citations, so only the fence runs are neutralised here.
    body = "\n\n".join(f"Theme: {unfence(s.title)}\n{unfence(text)}" for s, text in notes)
    return load_prompt("global_reduce").render(
        fence_open=DOCUMENTS.open, fence_close=DOCUMENTS.close, notes=body, question=question.strip()
    )


# ---------------------------------------------------------------- offline


def synthesize_offline(
    question: str,
    summaries: Sequence[CommunitySummary],
    passages: Sequence[Passage],
    embedder: Embedder,
    *,
    limit: int = OFFLINE_TOP,
) -> Answer:
    """Extractive synthesis: per top community, its title and its most representative sentence.

    ``passages`` (ordinary retrieval results) answer the question instead when no community
    has anything to show.
    """
    numbered = numbered_passages(summaries, limit)
    lines: list[str] = []
    cited: list[int] = []
    for summary in top_summaries(summaries, limit):
        line, n = _theme_line(summary, numbered, embedder, used={numbered[c - 1].file for c in cited})
        if line and (n is None or n not in cited):  # no passage cited twice
            lines.append(line)
            cited += [n] if n else []
    if not lines:
        return answer_extractive(question, passages, embedder, mode="global")
    answer = parse_answer("\n".join([THEMES_LEAD, "", *lines]), numbered, mode="global")  # numbers 1..k by use
    answer.extractive = True
    return answer


def _theme_line(
    summary: CommunitySummary, numbered: list[Passage], embedder: Embedder, used: set[str] | None = None
) -> tuple[str, int | None]:
    """``- **title**: sentence [n]``, from a file no earlier line cited when one fits; the summary's first
    sentence when no passage backs it."""
    title = " ".join(summary.title.split()) or f"Theme {summary.id}"
    backing = backing_passages(summary)
    picked = pick_sentences(f"{title}. {summary.summary}", backing, embedder, k=3) if backing else []
    fresh = [p for p in picked if backing[p.passage - 1].file not in (used or set())]
    if picked:
        best = (fresh or picked)[0]
        chunk_id = backing[best.passage - 1].chunk_id
        n = next(i for i, p in enumerate(numbered, start=1) if p.chunk_id == chunk_id)
        return f"- **{title}**: {quote(best.text)} [{n}]", n
    first = next(iter(split_sentences(summary.summary)), summary.summary.strip())
    return (f"- **{title}**: {quote(first)}" if first else ""), None

