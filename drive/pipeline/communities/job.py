"""The communities job: cluster each owner's entity graph, then (re)summarize only what changed.

Debounced: every file change enqueues one ``communities`` job per owner a few seconds ahead;
further changes push it back instead of piling up. A community whose inputs (members, their
relationships and the files behind them) hash the same as before keeps its summary.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from drive.pipeline.communities.cluster import CommunityRecord, detect_communities
from drive.pipeline.communities.summarize import CommunityInput, MemberEntity, MemberRelation, Sentence
from drive.records import SEARCHED_LEVELS
from drive.store import communities as store

if TYPE_CHECKING:
    from drive.core import Drive
    from drive.jobs.context import JobContext
    from drive.ml.models import Models

log = logging.getLogger(__name__)
_SENTENCE_END = re.compile(r"[.!?]\s")


@dataclass(frozen=True)
class RecomputeStats:
    communities: int
    resummarized: int
    reused: int
    seconds: float
    tokens: int


def run_communities_job(ctx: JobContext) -> None:
    recompute(ctx.drive, ctx.job.owner_id, ctx.models)


def owner_community_id(owner: uuid.UUID, local_id: str | None) -> str | None:
    if local_id is None:
        return None
    return hashlib.sha256(f"{owner}:{local_id}".encode()).hexdigest()[:32]


def recompute(drive: Drive, owner: uuid.UUID, models: Models) -> RecomputeStats:
    start = time.perf_counter()
    with drive.db.session() as s:
        graph = load_graph(s, owner)
        existing = store.digests(s, owner)
    records = detect_communities([(graph.node[a], graph.node[b], float(w)) for a, b, w in graph.edges])
    inputs = {r.id: _community_input(graph, r) for r in records}
    digests = {r.id: hashlib.sha256(json.dumps(inputs[r.id], sort_keys=True).encode()).hexdigest() for r in records}
    stale = [r for r in records if existing.get(str(owner_community_id(owner, r.id))) != digests[r.id]]
    with drive.db.session() as s:
        sentences = _evidence_sentences(s, owner, [pair for r in stale for pair in inputs[r.id]["pairs"]])
    written, tokens = _summarize(models, [_typed_input(inputs[r.id], sentences) for r in stale])
    vectors = _embed_searchable(models, stale, written)
    with drive.db.session() as s:
        _store(s, owner, records, graph, stale, written, vectors, digests)
    stats = RecomputeStats(len(records), len(stale), len(records) - len(stale), time.perf_counter() - start, tokens)
    log.info("communities for %s: %d total, %d re-summarized, %d reused, %d LLM tokens",
             owner, stats.communities, stats.resummarized, stats.reused, stats.tokens)
    return stats


@dataclass
class _Graph:
    node: dict[int, str]  # entity id -> stable node name "TYPE:key"
    by_node: dict[str, int]
    names: dict[int, tuple[str, str, int]]  # id -> (name, type, mentions)
    edges: list[tuple[int, int, int]]
    labels: dict[tuple[int, int], str | None]
    files: dict[tuple[int, int], list[str]]
    adjacent: dict[int, list[tuple[int, int]]]  # id -> [(other end, weight)] for edges it starts


def load_graph(s: Any, owner: uuid.UUID) -> _Graph:
    """The owner's entity graph as the clustering sees it."""
    return _graph_of(*store.graph_rows(s, owner))


def _graph_of(ents: list[store.EntityRow], edges: list[store.EdgeRow]) -> _Graph:
    node = {e.id: f"{e.type}:{e.key}" for e in ents}
    kept = [r for r in edges if r.source_id in node and r.target_id in node]
    adjacent: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for r in kept:
        adjacent[r.source_id].append((r.target_id, r.weight))
    return _Graph(
        node=node,
        by_node={v: k for k, v in node.items()},
        names={e.id: (e.name, e.type, e.mentions) for e in ents},
        edges=[(r.source_id, r.target_id, r.weight) for r in kept],
        labels={(r.source_id, r.target_id): r.label for r in kept},
        files={(r.source_id, r.target_id): r.files for r in kept},
        adjacent=adjacent,
    )


def _community_input(graph: _Graph, record: CommunityRecord) -> dict[str, Any]:
    """What a summary is written from, as plain sorted data hashed into the digest: members, their
    relationships (with the files behind them) and the entity pairs whose sentences it quotes."""
    ids = {graph.by_node[m] for m in record.members}
    members = sorted((graph.names[i] for i in ids), key=lambda m: (-m[2], m[0]))
    rels = sorted(
        ((graph.names[a][0], graph.names[b][0], graph.labels.get((a, b)), w, graph.files[(a, b)], a, b)
         for a in ids for b, w in graph.adjacent.get(a, ()) if b in ids),
        key=lambda r: (-r[3], r[0], r[1]),
    )
    return {
        "members": [list(m) for m in members],
        "relationships": [list(r[:5]) for r in rels[:12]],
        "pairs": [[a, b] for *_, a, b in rels[:4]],
    }


def _typed_input(data: dict[str, Any], sentences: dict[tuple[int, int], tuple[str, str]]) -> CommunityInput:
    quoted = [sentences[(a, b)] for a, b in data["pairs"] if (a, b) in sentences]
    return CommunityInput(
        entities=[MemberEntity(n, t, c) for n, t, c in data["members"]],
        relations=[MemberRelation(a, b, label, float(w)) for a, b, label, w, _ in data["relationships"]],
        sentences=[Sentence(text_, file) for text_, file in quoted],
    )


def _evidence_sentences(s: Any, owner: uuid.UUID, pairs: list[list[int]]) -> dict[tuple[int, int], tuple[str, str]]:
    """For each (source, target): the first sentence linking them, and its file."""
    rows = store.evidence(s, owner, [(a, b) for a, b in pairs])
    return {(r.source_id, r.target_id): (sentence_around(r.text, r.lo, r.hi), r.file) for r in rows}


def sentence_around(text_: str, lo: int, hi: int) -> str:
    """Expand [lo, hi) to the sentence that holds it."""
    begin = max((m.end() for m in _SENTENCE_END.finditer(text_, 0, lo)), default=0)
    end_match = _SENTENCE_END.search(text_, hi)
    end = end_match.start() + 1 if end_match else len(text_)
    return " ".join(text_[begin:end].split())[:400]


def _summarize(models: Models, todo: list[CommunityInput]) -> tuple[list[tuple[str, str, str]], int]:
    """(title, summary, by) for each community to (re)write, and the LLM tokens used."""
    from drive.pipeline.communities.summarize import summarize_community

    chat = models.chat
    out, tokens = [], 0
    for community in todo:
        title, summary, by, used = summarize_community(community, chat)
        out.append((title, summary, by))
        tokens += used
    return out, tokens


def _embed_searchable(models: Models, stale: list[CommunityRecord], written: list[tuple[str, str, str]]) -> list[Any]:
    """Summary vectors for the levels global search ranks; deeper levels need none (None)."""
    todo = [i for i, r in enumerate(stale) if r.level <= SEARCHED_LEVELS]
    vectors: list[Any] = [None] * len(stale)
    if todo:
        found = models.embedder.embed([f"{written[i][0]}\n{written[i][1]}" for i in todo])
        for i, vec in zip(todo, found, strict=True):
            vectors[i] = vec
    return vectors


def _store(s: Any, owner: uuid.UUID, records: list[CommunityRecord], graph: _Graph, stale: list[CommunityRecord],
           written: list[tuple[str, str, str]], vectors: Any, digests: dict[str, str]) -> None:
    rows = [
        store.CommunityRow(id=str(owner_community_id(owner, r.id)), level=r.level,
                           parent_id=owner_community_id(owner, r.parent), title=title, summary=summary,
                           size=len(r.members), vector=vec, summarized_by=by, digest=digests[r.id])
        for r, (title, summary, by), vec in zip(stale, written, vectors, strict=True)
    ]
    members = [(str(owner_community_id(owner, r.id)), graph.by_node[m]) for r in records for m in r.members]
    store.replace(s, owner, [str(owner_community_id(owner, r.id)) for r in records], rows, members)
