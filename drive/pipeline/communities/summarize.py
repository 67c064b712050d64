"""Community summaries: an offline one built from the graph and quoted sentences, or an LLM report.

``summarize_offline`` is pure and deterministic. ``summarize_llm`` asks a ChatModel for a short
report (prompt ``prompts/community_report.md``) and falls back to the offline summary when the
model refuses or the answer is unusable; an unreachable model raises, so the job is retried.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drive.errors import ModelError, ModelUnavailable
from drive.ml.fence import COMMUNITY

if TYPE_CHECKING:
    from drive.ml.chat import ChatModel
    from drive.ml.prompts import PromptTemplate

TITLE_ENTITIES = 3
KEY_RELATIONSHIPS = 6
MAX_QUOTES = 4
MIN_QUOTES = 2
MAX_QUOTE_CHARS = 300
MAX_REPORT_CHARS = 4000
MAX_TITLE_CHARS = 120
PROMPT_ENTITIES = 30
log = logging.getLogger(__name__)
PROMPT_RELATIONSHIPS = 30
PROMPT_SENTENCES = 12
_HEADING = re.compile(r"^#{1,6}\s+|^title:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class MemberEntity:
    name: str
    type: str
    mentions: int


@dataclass(frozen=True)
class MemberRelation:
    """A relationship inside the community, without direction; ``label`` is the verb or LLM label,
    None when the two were only seen in one sentence."""

    source: str
    target: str
    label: str | None
    weight: float


@dataclass(frozen=True)
class Sentence:
    """A sentence from a file that mentions community members."""

    text: str
    file: str


@dataclass(frozen=True)
class CommunityInput:
    entities: list[MemberEntity]
    relations: list[MemberRelation] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)


@dataclass(frozen=True)
class Summary:
    """``by`` is "offline" or "llm"; ``quotes`` are the sentences the offline text cites."""

    title: str
    text: str
    by: str
    quotes: tuple[Sentence, ...] = ()


def _top_entities(community: CommunityInput) -> list[MemberEntity]:
    return sorted(community.entities, key=lambda e: (-e.mentions, e.name.casefold(), e.name))


def _join_names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def offline_title(community: CommunityInput) -> str:
    """The most mentioned members: "Acme, Bob Smith and Globex"."""
    return _join_names([e.name for e in _top_entities(community)[:TITLE_ENTITIES]]) or "Unnamed group"


def _key_relations(community: CommunityInput) -> list[MemberRelation]:
    return sorted(community.relations, key=lambda r: (-r.weight, r.label is None, r.source, r.target))[
        :KEY_RELATIONSHIPS
    ]


def _relation_line(rel: MemberRelation) -> str:
    # Relations are stored without direction (source/target are sorted), so none is implied.
    times = f"{rel.weight:g} time" + ("" if rel.weight == 1 else "s")
    return f"- {rel.source} – {rel.target}: {rel.label or 'mentioned together'} ({times})"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def representative_sentences(community: CommunityInput, limit: int = MAX_QUOTES) -> list[Sentence]:
    """Sentences naming the most members, preferring files not quoted yet; no repeats."""
    names = [e.name.casefold() for e in community.entities if e.name]
    unique = {(" ".join(s.text.split()), s.file) for s in community.sentences if s.text.strip()}
    scored = sorted(
        ((sum(n in text.casefold() for n in names), text, file) for text, file in unique),
        key=lambda t: (-t[0], len(t[1]), t[2], t[1]),
    )
    picked: list[Sentence] = []
    seen_texts: set[str] = set()
    for pass_ in ("new files", "any file"):
        files = {s.file for s in picked}
        for score, text, file in scored:
            if len(picked) >= limit:
                break
            if text.casefold() in seen_texts or (pass_ == "new files" and file in files):
                continue
            if score == 0 and len(picked) >= MIN_QUOTES:
                continue
            picked.append(Sentence(text, file))
            seen_texts.add(text.casefold())
            files.add(file)
    return picked


def summarize_offline(community: CommunityInput) -> Summary:
    """Title from the top members, key relationships, and 2-4 quoted sentences with their file."""
    title = offline_title(community)
    members = _join_names([e.name for e in _top_entities(community)])
    lines = [f"This group links {members}." if len(community.entities) > 1 else f"About {members}."]
    relations = _key_relations(community)
    if relations:
        lines += ["", "Key relationships:", *(_relation_line(r) for r in relations)]
    quotes = representative_sentences(community)
    if quotes:
        lines += ["", "From the files:", *(f'- "{_clip(q.text, MAX_QUOTE_CHARS)}" ({q.file})' for q in quotes)]
    return Summary(title=title, text="\n".join(lines), by="offline", quotes=tuple(quotes))


# ---------------------------------------------------------------- with an LLM


def community_material(community: CommunityInput) -> str:
    """The community as fenced data for the prompt: members, relationships, sentences."""
    entities = [f"- {e.name} ({e.type}, {e.mentions} mentions)" for e in _top_entities(community)[:PROMPT_ENTITIES]]
    relations = [
        f"- {r.source} – {r.target}: {r.label or 'mentioned together'} ({r.weight:g})"
        for r in sorted(community.relations, key=lambda r: (-r.weight, r.source, r.target))[:PROMPT_RELATIONSHIPS]
    ]
    sentences = [
        f'- "{_clip(s.text, MAX_QUOTE_CHARS)}" ({s.file})'
        for s in representative_sentences(community, PROMPT_SENTENCES)
    ]
    body = "\n".join(
        ["Entities:", *entities, "", "Relationships (either direction):", *(relations or ["- none"]), "", "Sentences:", *sentences]
    )
    return COMMUNITY.wrap(body)


def parse_report(raw: str) -> tuple[str, str] | None:
    """(title, body) from a report whose first line is its title; None when unusable."""
    lines = [line.rstrip() for line in raw.strip().splitlines()]
    if len(lines) < 2:
        return None
    title = _HEADING.sub("", lines[0]).strip().strip("*").strip()
    body = "\n".join(lines[1:]).strip()
    if not title or len(title) > MAX_TITLE_CHARS or len(body) < 20 or COMMUNITY.close in raw:
        return None
    return title, body[:MAX_REPORT_CHARS]


def summarize_llm(chat: ChatModel, community: CommunityInput, prompt: PromptTemplate | None = None) -> Summary:
    """A written report by the LLM; the offline summary when the model refuses or answers unusably.

    ``ModelUnavailable`` propagates: the communities job is retried later instead of storing an offline
    summary under the community's digest, which would keep it until the community changed.
    """
    try:
        if prompt is None:
            from drive.ml.prompts import load_prompt

            prompt = load_prompt("community_report")
        messages = prompt.render(
            fence_open=COMMUNITY.open, fence_close=COMMUNITY.close, material=community_material(community)
        )
        parsed = parse_report(chat.complete(messages))
    except ModelUnavailable:
        raise
    except ModelError as exc:
        log.warning("community summary falls back offline: %s", exc)
        parsed = None
    if parsed is None:
        return summarize_offline(community)
    title, body = parsed
    return Summary(title=title, text=body, by="llm")


def summarize_community(community: CommunityInput, chat: ChatModel | None) -> tuple[str, str, str, int]:
    """(title, text, by, LLM tokens used) for the communities job; offline when ``chat`` is None."""
    if chat is None:
        summary = summarize_offline(community)
        return summary.title, summary.text, summary.by, 0
    summary = summarize_llm(chat, community)
    usage = getattr(chat, "last_usage", None)
    tokens = int(getattr(usage, "total_tokens", 0) or 0)  # spent even when the report was unusable
    return summary.title, summary.text, summary.by, tokens
