"""Multi-hop retrieval by personalized PageRank over the entity–passage graph (as HippoRAG does).

The graph joins each passage to the entities it mentions. A walk restarts at the question's seeds: the
passages first-stage retrieval ranks best (weighted by rank) and the entities the question names. Mass
flows passage -> entity -> passage, so a passage that shares a rare entity with a strong seed (the second
hop of a bridge question) gains, while entities found in many passages (common words, boilerplate) carry
little: an entity's edges are weighted by its inverse passage frequency, and the most common are left out.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from sqlalchemy import text

from rag.search.retrieve import chunks_by_id
from rag.types import Passage, Scope

DAMPING = 0.5  # share of mass that walks on; the rest restarts at the seeds
ITERATIONS = 30
SEED_PASSAGES = 8
MAX_ENTITY_PASSAGES = 60  # entities in more passages than this name nothing particular: left out
ENTITY_SEED_WEIGHT = 1.0


def ppr_search(scope: Scope, seeds: list[Passage], entity_ids: list[int], k: int = 30) -> list[Passage]:
    """Passages ranked by personalized PageRank from ``seeds`` (best first) and the question's entities."""
    seed_ids = [p.chunk_id for p in seeds[:SEED_PASSAGES]]
    edges = _edges(scope, seed_ids, entity_ids)
    if not edges:
        return []
    chunks = sorted({c for c, _ in edges})
    entities = sorted({e for _, e in edges})
    scores = personalized_pagerank(edges, chunks, entities, _restart(seed_ids, entity_ids, chunks, entities))
    ranked = [chunks[i] for i in np.argsort(-scores[: len(chunks)], kind="stable")[:k]]
    return chunks_by_id(scope, ranked, "ppr")


def _edges(scope: Scope, seed_ids: list[int], entity_ids: list[int]) -> list[tuple[int, int]]:
    """(chunk, entity) mentions around the seeds: the seeds' entities and the question's, not too common,
    and every passage that mentions one of them."""
    rows = scope.session.execute(
        text("""WITH e AS (
                    SELECT DISTINCT entity_id FROM mentions WHERE owner_id = :o AND chunk_id = ANY(:c)
                    UNION SELECT unnest(CAST(:e AS bigint[]))),
                df AS (
                    SELECT m.entity_id FROM mentions m JOIN e ON e.entity_id = m.entity_id
                    WHERE m.owner_id = :o GROUP BY m.entity_id HAVING count(DISTINCT m.chunk_id) <= :cap)
                SELECT DISTINCT m.chunk_id, m.entity_id FROM mentions m JOIN df ON df.entity_id = m.entity_id
                WHERE m.owner_id = :o"""),
        {"o": scope.owner, "c": seed_ids, "e": entity_ids, "cap": MAX_ENTITY_PASSAGES},
    ).tuples()
    return list(rows)


def _restart(seed_ids: list[int], entity_ids: list[int], chunks: list[int], entities: list[int]) -> np.ndarray:
    at_chunk = {c: i for i, c in enumerate(chunks)}
    at_entity = {e: len(chunks) + i for i, e in enumerate(entities)}
    vector = np.zeros(len(chunks) + len(entities))
    for rank, cid in enumerate(seed_ids):
        if cid in at_chunk:
            vector[at_chunk[cid]] += 1.0 / (rank + 1)
    for eid in entity_ids:
        if eid in at_entity:
            vector[at_entity[eid]] += ENTITY_SEED_WEIGHT
    total = vector.sum()
    return vector / total if total else vector


def personalized_pagerank(edges: list[tuple[int, int]], chunks: list[int], entities: list[int],
                          restart: np.ndarray) -> np.ndarray:
    """Scores of [chunks..., entities...] by power iteration on the bipartite graph; an entity's edges weigh
    1 / log(1 + its passages), so rare entities carry the walk."""
    at_chunk = {c: i for i, c in enumerate(chunks)}
    at_entity = {e: len(chunks) + i for i, e in enumerate(entities)}
    degree: dict[int, int] = defaultdict(int)
    for _, e in edges:
        degree[e] += 1
    n = len(chunks) + len(entities)
    pairs = [(at_chunk[c], at_entity[e], 1.0 / math.log(2.0 + degree[e])) for c, e in edges]
    src = np.array([a for a, b, _ in pairs] + [b for a, b, _ in pairs])
    dst = np.array([b for a, b, _ in pairs] + [a for a, b, _ in pairs])
    w = np.array([x for _, _, x in pairs] * 2)
    out = np.bincount(src, weights=w, minlength=n)
    share = w / out[src]
    scores = restart.copy()
    for _ in range(ITERATIONS):
        scores = (1 - DAMPING) * restart + DAMPING * np.bincount(dst, weights=scores[src] * share, minlength=n)
    return scores
