"""Linking names to files: a file named after something is about it.

"Marie Curie.txt", "q3 report.pdf": when a question (or a passage) names a file's title, that
file's opening passage is the best place to look. This is how local search finds the files of the
entities a question names, and the second hop of a multi-hop question: the files named in the
passages of the first hop.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from drive.names import keys_of, proper_spans, title_key
from drive.store.chunks import vector_literal
from rag.types import Scope


def titled(scope: Scope, keys: list[str], limit: int = 50) -> list[tuple[str, int]]:
    """(title key, opening chunk id) of the owner's files whose title key is one of ``keys``."""
    s, owner = scope.session, scope.owner
    if not keys:
        return []
    rows = s.execute(
        text("""SELECT title_key, id FROM chunks WHERE owner_id = :o AND idx = 0 AND title_key = ANY(:k)
                ORDER BY length(title_key) DESC, id LIMIT :n"""),
        {"o": owner, "k": keys, "n": limit},
    ).tuples()
    return list(rows)


def title_chunks(scope: Scope, question: str) -> list[int]:
    """Opening chunks of files whose title the question names ("...the Pterocarya or the Cotula?")."""
    return [cid for _, cid in titled(scope, keys_of(proper_spans(question)), limit=6)]


def home_chunks(scope: Scope, entity_ids: list[int]) -> list[int]:
    """Opening chunks of files titled after these entities (by name or alias), in entity order."""
    s, owner = scope.session, scope.owner
    if not entity_ids:
        return []
    names = s.execute(
        text("SELECT id, name, aliases FROM entities WHERE owner_id = :o AND id = ANY(:ids)"),
        {"o": owner, "ids": entity_ids},
    ).all()
    key_rank: dict[str, int] = {}
    rank = {eid: n for n, eid in enumerate(entity_ids)}
    for row in names:
        for form in [row.name, *(row.aliases or [])]:
            key = title_key(form)
            key_rank[key] = min(key_rank.get(key, len(rank)), rank[row.id])
    found = titled(scope, sorted(k for k in key_rank if len(k) >= 3))
    return [cid for key, cid in sorted(found, key=lambda kc: (key_rank[kc[0]], kc[1]))]


def bridge_chunks(scope: Scope, chunk_ids: list[int], qvec: Any, n: int = 4) -> list[int]:
    """The second hop: files whose titles the first-hop passages name, closest to the question first
    ("Drew Fuller ... the series 'Charmed'" -> Charmed's file)."""
    s, owner = scope.session, scope.owner

    if not chunk_ids:
        return []
    passages = s.execute(
        text("SELECT text FROM chunks WHERE owner_id = :o AND id = ANY(:c)"), {"o": owner, "c": chunk_ids}
    ).scalars().all()
    spans: set[str] = set()
    for passage in passages:
        spans |= proper_spans(passage, max_gram=6)
    linked = [cid for _, cid in titled(scope, keys_of(spans), limit=200) if cid not in chunk_ids]
    if not linked:
        return []
    return list(s.execute(
        text("""SELECT id FROM chunks WHERE owner_id = :o AND id = ANY(:h)
                ORDER BY embedding <=> CAST(:q AS vector), id LIMIT :n"""),
        {"o": owner, "h": linked, "q": vector_literal(qvec), "n": n},
    ).scalars())
