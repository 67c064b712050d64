"""Personalized PageRank over the entity–passage graph: the second hop of a bridge question is reached
through a rare shared entity, not through a common one."""

from __future__ import annotations

import numpy as np

from rag.search.ppr import personalized_pagerank


def test_the_passage_sharing_a_rare_entity_with_the_seed_outranks_unrelated_ones() -> None:
    # Passage 1 (the seed) names entity 10 (rare: also in passage 2) and entity 20 (common: in 1, 3, 4, 5, 6).
    edges = [(1, 10), (2, 10), (1, 20), (3, 20), (4, 20), (5, 20), (6, 20), (7, 30)]
    chunks, entities = [1, 2, 3, 4, 5, 6, 7], [10, 20, 30]
    restart = np.zeros(len(chunks) + len(entities))
    restart[0] = 1.0
    scores = personalized_pagerank(edges, chunks, entities, restart)[: len(chunks)]
    order = [chunks[i] for i in np.argsort(-scores, kind="stable")]
    assert order[:2] == [1, 2]  # the seed, then its bridge through the rare entity
    assert scores[6] == 0.0  # a passage not connected to the seed gets nothing


def test_restarting_at_a_question_entity_reaches_its_passages() -> None:
    edges = [(1, 10), (2, 20), (3, 20)]
    chunks, entities = [1, 2, 3], [10, 20]
    restart = np.zeros(5)
    restart[4] = 1.0  # the question names entity 20
    scores = personalized_pagerank(edges, chunks, entities, restart)[:3]
    assert scores[0] == 0.0 and scores[1] > 0 and scores[2] > 0
