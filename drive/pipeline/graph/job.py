"""The graph job: a ready file's stored chunks -> entities and relations, merged into the owner's graph.

It runs after the ingest job has made the file searchable, at a lower priority than ingestion
(see drive.store.queue.claim). The pure stages are recognize, clean (names that are not names),
resolve_file and relate (plus, when configured, LLM relations); this module reads the chunks and stores what they found. If the file
was reprocessed or deleted while this ran, the result is discarded: the newer chunks have a graph
job of their own.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from drive.pipeline.graph.recognize import ChunkAnalysis
from drive.records import RelationRecord, ResolvedMention, Status
from drive.store import chunks, items
from drive.store import queue as jobs
from drive.store.graph import detach_items, store_graph

if TYPE_CHECKING:
    from drive.core import Drive
    from drive.jobs.context import JobContext


def run_graph_job(ctx: JobContext) -> None:
    job, drive = ctx.job, ctx.drive
    assert job.item_id is not None
    chunks = load_chunks(drive, job.owner_id, job.item_id)
    if chunks is None:
        return  # deleted, or waiting to be processed again
    mentions, relations = find_graph(ctx, [t for _, _, t in chunks])
    ctx.check()
    save_graph(drive, job.owner_id, job.item_id, {idx: cid for cid, idx, _ in chunks}, mentions, relations)


def load_chunks(drive: Drive, owner: uuid.UUID, item_id: uuid.UUID) -> list[tuple[int, int, str]] | None:
    """(chunk id, index, text) of a ready file in order; None when the file is gone or not ready."""
    with drive.db.session() as s:
        if items.status_of(s, owner, item_id) != Status.READY:
            return None
        return chunks.of_item(s, owner, item_id)


def find_graph(ctx: JobContext, texts: list[str]) -> tuple[list[ResolvedMention], list[RelationRecord]]:
    """Resolved entity mentions and relations of one file's chunk texts (index = chunk index)."""
    from drive.pipeline.graph.clean import common_word_names, heading_mentions
    from drive.pipeline.graph.recognize import recognize
    from drive.pipeline.graph.relate import relate
    from drive.pipeline.graph.resolve import resolve_file

    if not texts:
        return [], []
    distinct = list(dict.fromkeys(texts))  # a repeated passage (a running header) is parsed once
    processes = ctx.drive.settings.nlp_processes
    if processes > 0:
        from drive.pipeline.graph.pool import recognize_in_pool

        found = recognize_in_pool(distinct, processes, ctx.cancelled)
        ctx.check()
        assert found is not None
        analyses = found
    else:
        analyses = recognize(distinct, ctx.models.nlp)
    if len(distinct) < len(texts):
        analyses = spread(analyses, distinct, texts)
    analyses = typed_as_defined(texts, analyses)
    mentions = [m for a in analyses for m in a.mentions]
    # Dropped here, so relate ignores their pairs too.
    common, headings = common_word_names(texts, mentions), heading_mentions(texts, mentions)
    resolved = resolve_file([m for m in mentions if m.surface not in common and m not in headings], texts)
    relations = relate(analyses, resolved)
    chat = ctx.models.chat if ctx.drive.settings.llm_relations else None
    if chat is not None:
        relations += _llm_relations(chat, texts, resolved)
    return resolved, relations


def typed_as_defined(texts: list[str], analyses: list[ChunkAnalysis]) -> list[ChunkAnalysis]:
    """The analyses with the abbreviations the file defines typed as it defines them: a term's as a term (kept,
    for search finds passages through them, but not a name), a body's as an organisation; those it counts ("a VIN
    with") as terms too, those it quotes as titles; and the names its brands, lists and versions show mistyped
    (``drive.pipeline.graph.retype``). Only those are ``ruled`` (they weigh in the drive's vote): an abbreviation
    means what one file defines it as in that file alone ("direct current (DC)" beside "Washington, D.C.")."""
    from drive.pipeline.graph.clean import TERM, defined_bodies, defined_terms
    from drive.pipeline.graph.retype import (
        counted_abbreviations,
        typed_by_brand,
        typed_by_kind,
        typed_by_quotes,
        typed_by_version,
    )

    found = [m for a in analyses for m in a.mentions]
    ruled = typed_by_kind(texts, found) | typed_by_brand(texts, found) | typed_by_version(texts, found)
    terms = defined_terms(texts, found) | counted_abbreviations(texts, found)
    relabel = typed_by_quotes(texts, found) | ruled | {s: "ORG" for s in defined_bodies(texts, found)} | {
        s: TERM for s in terms}
    if not relabel:
        return analyses
    return [ChunkAnalysis([replace(m, label=relabel[m.surface], ruled=m.surface in ruled) if m.surface in relabel
                           else m for m in a.mentions], list(a.pairs)) for a in analyses]


def spread(analyses: list[ChunkAnalysis], distinct: list[str], texts: list[str]) -> list[ChunkAnalysis]:
    """The analyses of the distinct texts, one per text again, each mention at its own chunk index."""
    of = dict(zip(distinct, analyses, strict=True))
    return [ChunkAnalysis([replace(m, chunk_index=n) for m in of[t].mentions], list(of[t].pairs))
            for n, t in enumerate(texts)]


def _llm_relations(chat: Any, texts: list[str], resolved: list[ResolvedMention]) -> list[RelationRecord]:
    from drive.pipeline.graph.relate import llm_relations

    extra: list[RelationRecord] = []
    for index, chunk_text in enumerate(texts):
        ents = sorted({(r.mention.label, r.key) for r in resolved if r.mention.chunk_index == index})
        if len(ents) >= 2:
            extra += llm_relations(chat, chunk_text, ents, chunk_index=index)
    return extra


def save_graph(
    drive: Drive,
    owner: uuid.UUID,
    item_id: uuid.UUID,
    chunk_ids: dict[int, int],
    mentions: list[ResolvedMention],
    relations: list[RelationRecord],
) -> bool:
    """Replace the file's graph evidence in one transaction; False (nothing stored) when its chunks
    changed since they were read."""
    with drive.db.session() as s:
        if not items.lock_item(s, owner, item_id):
            return False
        if chunks.ids_of_item(s, item_id) != set(chunk_ids.values()):
            return False
        detach_items(s, owner, [item_id])
        store_graph(s, owner, item_id, chunk_ids, mentions, relations)
        jobs.enqueue_owner_upkeep(s, owner, drive.settings.community_debounce_seconds)
    return True
