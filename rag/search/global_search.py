"""Graph global search: community summaries ranked against the question, with the passages behind them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from drive.records import SEARCHED_LEVELS
from drive.store.chunks import vector_literal
from rag.answer.synthesize import CommunitySummary
from rag.search.retrieve import chunks_by_id
from rag.types import Scope


def rank_communities(scope: Scope, qvec: Any, k: int = 8, max_level: int = SEARCHED_LEVELS) -> list[CommunitySummary]:
    s, owner = scope.session, scope.owner
    rows = s.execute(
        text("""SELECT id, title, summary, 1 - (summary_embedding <=> CAST(:q AS vector)) AS score FROM communities
                WHERE owner_id = :o AND level <= :lvl AND summary_embedding IS NOT NULL
                ORDER BY summary_embedding <=> CAST(:q AS vector), id LIMIT :k"""),
        {"o": owner, "q": vector_literal(qvec), "k": k, "lvl": max_level},
    ).all()
    return [
        CommunitySummary(r.id, r.title, r.summary, float(r.score), tuple(_backing(scope, r.id)))
        for r in rows
    ]


def _backing(scope: Scope, community_id: str, n: int = 5) -> list[Any]:
    """The chunks with the most relation evidence between the community's members."""
    s, owner = scope.session, scope.owner
    ids = list(s.execute(
        text("""SELECT r.chunk_id FROM relation_evidence r
                JOIN community_members a ON a.entity_id = r.source_id AND a.community_id = :c
                JOIN community_members b ON b.entity_id = r.target_id AND b.community_id = :c
                WHERE r.owner_id = :o GROUP BY r.chunk_id ORDER BY count(*) DESC, r.chunk_id LIMIT :n"""),
        {"o": owner, "c": community_id, "n": n},
    ).scalars())
    return chunks_by_id(scope, ids, "global")
