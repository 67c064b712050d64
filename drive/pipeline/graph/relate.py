"""Relationships between entities: offline from sentence co-occurrence, optionally refined by an LLM.

``relate`` is pure: every pair of distinct resolved entities sharing a sentence gives one
record, oriented by key so that "Acme acquired Globex" and "Globex was acquired by
Acme" give the same pair. ``llm_relations`` asks a ChatModel for labelled relationships and
trusts nothing it returns: any answer that is not exactly the expected JSON about the given
entities yields no relationships (the caller keeps the offline ones).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from drive.errors import ModelError, ModelUnavailable
from drive.ml.fence import TEXT, unfence
from drive.records import RelationRecord, ResolvedMention

if TYPE_CHECKING:
    from drive.ml.chat import ChatModel
    from drive.pipeline.graph.recognize import ChunkAnalysis

Entity = tuple[str, str]  # (label, key)

MAX_LLM_RELATIONS = 30
MAX_PROMPT_ENTITIES = 60
MAX_TEXT_CHARS = 8000
_CODE_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n(.*)\n```\s*$", re.DOTALL)
_LABEL = re.compile(r"^[a-z][a-z' -]{0,38}[a-z]$")
# Phrases with no business in a relationship description: an answer carrying them is
# following instructions planted in the document, so all of it is discarded.
_HOSTILE = re.compile(
    r"ignore (all |any )?(previous|prior|above)|disregard|system prompt|instructions?|"
    r"you are now|jailbreak|<script|https?://|api[_ -]?key|password",
    re.IGNORECASE,
)


def ordered(a: Entity, b: Entity) -> tuple[Entity, Entity]:
    """A pair in its canonical order, by key first: a name's type may differ between files (it is voted)."""
    first, second = sorted((a, b), key=lambda e: (e[1], e[0]))
    return first, second


def relate(analyses: list[ChunkAnalysis], resolved: list[ResolvedMention]) -> list[RelationRecord]:
    """One record per distinct pair of resolved entities per sentence, sorted.

    The verb is the first one the parser found for any mention pair of those two entities in
    that sentence (in text order). Mentions without a resolved key are ignored.
    """
    key_of = {r.mention: (r.mention.label, r.key) for r in resolved if r.key}
    found: dict[tuple[int, int, Entity, Entity], str | None] = {}
    for analysis in analyses:
        for i, j, verb in sorted(analysis.pairs, key=lambda p: (p[0], p[1])):
            first, second = analysis.mentions[i], analysis.mentions[j]
            a, b = key_of.get(first), key_of.get(second)
            if a is None or b is None or a[1] == b[1]:
                continue
            source, target = ordered(a, b)
            slot = (first.chunk_index, first.sentence, source, target)
            if found.get(slot) is None:
                found[slot] = verb
    return [
        RelationRecord(chunk_index=chunk, source=source, target=target, verb=verb)
        for (chunk, _, source, target), verb in sorted(found.items(), key=lambda kv: kv[0])
    ]


class _LlmRelation(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: int
    target: int
    label: str = Field(min_length=2, max_length=40)
    description: str = Field(default="", max_length=200)

    @field_validator("label")
    @classmethod
    def _short_label(cls, value: str) -> str:
        value = value.lower()
        if not _LABEL.match(value) or len(value.split()) > 4:
            raise ValueError("a label is 1-4 lowercase words")
        return value


class _LlmAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    relations: list[_LlmRelation] = Field(max_length=MAX_LLM_RELATIONS)


def _entity_list(entities: list[Entity]) -> str:
    return "\n".join(f"{n}. {key} ({label})" for n, (label, key) in enumerate(entities, start=1))


def _parse_answer(raw: str, entities: list[Entity]) -> list[RelationRecord]:
    """Records from a model answer; raises ValueError (or ValidationError) on anything unexpected."""
    text = raw.strip()
    fenced = _CODE_FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    if _HOSTILE.search(text):
        raise ValueError("answer carries instruction-like text")
    answer = _LlmAnswer.model_validate(json.loads(text))
    records = []
    for rel in answer.relations:
        if not (1 <= rel.source <= len(entities) and 1 <= rel.target <= len(entities)):
            raise ValueError("relation names an entity that was not given")
        if rel.source == rel.target:
            continue
        source, target = ordered(entities[rel.source - 1], entities[rel.target - 1])
        records.append(RelationRecord(0, source, target, rel.label, rel.description or None))
    return records


def llm_relations(
    chat: ChatModel, chunk_text: str, entities: list[Entity], chunk_index: int = 0
) -> list[RelationRecord]:
    """Relationships an LLM reads in one chunk between the given (label, key) entities.

    Never raises: a failing call, or an answer that is not valid JSON about exactly these
    entities, gives []. Source and target are ordered like ``relate`` orders them.
    """
    from drive.ml.prompts import load_prompt

    given = sorted(set(entities))[:MAX_PROMPT_ENTITIES]
    if len(given) < 2:
        return []
    try:
        messages = load_prompt("extract_relations").render(
            fence_open=TEXT.open,
            fence_close=TEXT.close,
            entities=unfence(_entity_list(given)),
            text=TEXT.wrap(chunk_text[:MAX_TEXT_CHARS]),
        )
        records = _parse_answer(chat.complete(messages), given)
    except ValueError:  # JSON or validation errors (pydantic's are ValueErrors): an unusable answer
        return []
    except ModelUnavailable:
        raise  # the graph job retries later rather than storing the file's graph without them
    except ModelError:
        return []  # the model refused: this chunk has the offline relations only
    return sorted(
        {RelationRecord(chunk_index, r.source, r.target, r.verb, r.description) for r in records},
        key=lambda r: (r.source, r.target, r.verb or ""),
    )
