"""Retrieval over one owner's chunks: pgvector ANN, PostgreSQL full-text, and reciprocal rank fusion.

Every query here is scoped by ``owner_id``: a user's question only ever reaches that user's chunks.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy import text

from drive.store.chunks import vector_literal
from rag.answer.places import codes_named
from rag.search.rare import selecting, term_stats, tsquery_of
from rag.types import Filters, Passage, Scope

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _filter_sql(f: Filters | None) -> tuple[str, dict[str, Any]]:
    if f is None:
        return "", {}
    parts: list[str] = []
    params: dict[str, Any] = {}
    if f.folder is not None:
        parts.append(
            """c.item_id IN (WITH RECURSIVE d AS (SELECT id FROM items WHERE id = :folder AND owner_id = :owner
               UNION ALL SELECT i.id FROM items i JOIN d ON i.parent_id = d.id) SELECT id FROM d)"""
        )
        params["folder"] = f.folder
    if f.extensions:
        parts.append("lower(substring(i.name from '\\.([^.]+)$')) = ANY(:exts)")
        params["exts"] = [e.lower().lstrip(".") for e in f.extensions]
    if f.since:
        parts.append("i.updated_at >= :since")
        params["since"] = f.since
    if f.until:
        parts.append("i.updated_at < :until")
        params["until"] = f.until
    if f.files:
        parts.append("c.item_id = ANY(:files)")
        params["files"] = list(f.files)
    return "".join(f" AND {p}" for p in parts), params


def files_named(scope: Scope, question: str, tails: list[str]) -> tuple[uuid.UUID, ...]:
    """The owner's files whose whole name the question writes (any case), of those ending as ``tails`` do; not a
    name that is only part of another one written ("notes.pdf" inside "field notes.pdf")."""
    if not tails:
        return ()
    rows = scope.session.execute(text(
        """SELECT id, lower(name) FROM items WHERE owner_id = :o AND kind = 'file' AND lower(name) LIKE ANY(:ends)
           AND position(lower(name) IN lower(:q)) > 0 ORDER BY id"""),
        {"o": scope.owner, "ends": ["%" + _like_escaped(t) for t in tails], "q": question}).tuples().all()
    names = {name for _, name in rows}
    return tuple(i for i, name in rows if not any(name != other and name in other for other in names))


def _like_escaped(text_: str) -> str:
    return text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_SELECT = "SELECT c.id, c.item_id, i.name, c.page, c.text, coalesce(i.doc_period, '') AS period"


def _passages(rows: Any, source: str) -> list[Passage]:
    return [Passage(r.id, r.item_id, r.name, r.page, r.text, float(r.score), (source,), r.period) for r in rows]


# bench/scale.py, 1M chunks, a user holding 100k of them: recall@10 0.66 at 100, 0.72 at 200, 0.86 at 400
# (warm p95 25 -> 31 ms); on the dev drives the top 30 are the same at either.
EF_SEARCH = 400
FETCH = 4


def vector_search(scope: Scope, qvec: Any, k: int = 20) -> list[Passage]:
    s, owner, filters = scope.session, scope.owner, scope.filters
    where, params = _filter_sql(filters)
    # Iterative HNSW scans keep returning rows when the owner filter discards many candidates; their order is
    # relaxed, so FETCH times more are taken and ordered exactly (bench/scale.py: recall@10 of a user with a
    # tenth of a million-chunk table).
    s.execute(text("SET LOCAL hnsw.iterative_scan = 'relaxed_order'"))
    # psycopg prepares a statement run five times; PostgreSQL's generic plan then assumes an average owner and
    # can sort a large owner's every vector exactly (1 s at 100k chunks). Plan for this owner each time.
    s.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    s.execute(text(f"SET LOCAL hnsw.ef_search = {EF_SEARCH}"))
    rows = s.execute(
        text(f"""WITH found AS MATERIALIZED (
                     SELECT c.id, c.embedding <=> CAST(:q AS vector) AS distance
                     FROM chunks c JOIN items i ON i.id = c.item_id
                     WHERE c.owner_id = :owner AND c.embedding IS NOT NULL{where}
                     ORDER BY c.embedding <=> CAST(:q AS vector) LIMIT :fetch)
                 {_SELECT}, 1 - found.distance AS score
                 FROM found JOIN chunks c ON c.id = found.id JOIN items i ON i.id = c.item_id
                 ORDER BY found.distance LIMIT :k"""),
        {"q": vector_literal(qvec), "owner": owner, "k": k, "fetch": k * FETCH, **params},
    ).all()
    return _passages(rows, "vector")


# The cheap ts_rank shortlists, BM25 orders the shortlist (it once was cover density, ts_rank_cd: ~60 µs a chunk
# against ~5 µs; bench/scale.py, 1M chunks, a user with 100k: keyword p95 190 -> 100 ms with the shortlist).
SHORTLIST = 1000
# BM25's usual constants: term frequency saturates after a few repeats; long chunks are normalised in part.
BM25_K1 = 1.2
BM25_B = 0.75


# Candidates (``pick``: all the words, or the rarest), shortlisted cheaply, then ranked by BM25.
_BM25 = """WITH shortlist AS MATERIALIZED (
        SELECT c.id, c.tsv
        FROM chunks c JOIN items i ON i.id = c.item_id, to_tsquery('english', :query) q
        WHERE c.owner_id = :owner AND c.tsv @@ {pick}{where}
        ORDER BY {order}ts_rank(c.tsv, q, 32) DESC, c.id LIMIT :shortlist),
    terms AS MATERIALIZED (
        SELECT sl.id, u.lexeme, coalesce(array_length(u.positions, 1), 1) AS tf,
               length(sl.tsv) AS len
        FROM shortlist sl, unnest(sl.tsv) u
        WHERE u.lexeme = ANY(CAST(:lexemes AS text[]))),
    idf AS (
        SELECT lexeme, ln(1 + (greatest(:rows, n) - n + 0.5) / (n + 0.5)) AS w
        FROM (SELECT t.lexeme, greatest(count(*), coalesce(
                  (CAST(:listed AS jsonb) ->> t.lexeme)::float * :rows, 0)) AS n
              FROM terms t GROUP BY t.lexeme) df),
    average AS (SELECT greatest(avg(len), 1) AS len FROM terms),
    ranked AS MATERIALIZED (
        SELECT t.id, sum(idf.w * t.tf * (:k1 + 1)
                         / (t.tf + :k1 * (1 - :b + :b * t.len / average.len))) AS score
        FROM terms t JOIN idf USING (lexeme), average
        GROUP BY t.id ORDER BY score DESC, t.id LIMIT :k)
    {select}, ranked.score
    FROM ranked JOIN chunks c ON c.id = ranked.id JOIN items i ON i.id = c.item_id
    ORDER BY ranked.score DESC, c.id"""


def _query_words(question: str) -> list[str]:
    """The question's words, and the postal code of each state it spells out (reports write "Seward, AK")."""
    words = [w.lower() for w in _WORD.findall(question) if len(w) > 1 or w.isdigit()]
    return list(dict.fromkeys(words + [code.lower() for code in codes_named(question)]))


def keyword_query(question: str) -> str | None:
    """An OR query of the question's words (stop words fall away in the english configuration)."""
    return " | ".join(_query_words(question)) or None


def keyword_search(scope: Scope, question: str, k: int = 20) -> list[Passage]:
    """The owner's chunks holding the question's words, ranked by BM25: a rare word ("Belen", "Sorrell") weighs
    more than a common one ("aircraft", "hours"), which PostgreSQL's own ts_rank does not do."""
    s, owner, filters = scope.session, scope.owner, scope.filters
    query = keyword_query(question)
    if query is None:
        return []
    where, params = _filter_sql(filters)
    stats = term_stats(s, owner, " ".join(_query_words(question)))
    if stats is None:  # only stop words
        return []
    chosen = selecting(stats)
    # The rarest words choose the candidates when the others would bring too many; all the words rank them,
    # cheaply first (SHORTLIST), then by BM25. A word's chunk count is read in the shortlist, or from the
    # statistics when they list it as more common (the shortlist holds only part of a common word's chunks).
    pick = "CAST(:rare AS tsquery)" if len(chosen) < len(stats.lexemes) else "q"
    # Chunks holding the words rare enough to fit the shortlist enter it first: ts_rank alone would fill it with
    # chunks repeating the common words ("pilot", "hours") and leave out the one that says "Belen".
    first = selecting(stats, SHORTLIST, one_listed=False)
    order = "c.tsv @@ CAST(:first AS tsquery) DESC, " if first and len(first) < len(stats.lexemes) else ""
    listed = {t: f for t, f in stats.freqs.items() if t in stats.lexemes}
    rows = s.execute(
        text(_BM25.format(pick=pick, order=order, where=where, select=_SELECT)),
        {"query": query, "rare": tsquery_of(chosen), "first": tsquery_of(first), "owner": owner, "k": k,
         "shortlist": SHORTLIST, "lexemes": list(stats.lexemes), "listed": json.dumps(listed), "rows": stats.rows,
         "k1": BM25_K1, "b": BM25_B, **params},
    ).all()
    return _passages(rows, "keyword")


def chunks_by_id(scope: Scope, ids: list[int], source: str) -> list[Passage]:
    s, owner, filters = scope.session, scope.owner, scope.filters
    if not ids:
        return []
    where, params = _filter_sql(filters)
    rows = s.execute(
        text(f"""{_SELECT}, 0.0 AS score FROM chunks c JOIN items i ON i.id = c.item_id
                 WHERE c.owner_id = :owner AND c.id = ANY(:ids){where}"""),
        {"owner": owner, "ids": ids, **params},
    ).all()
    by_id = {p.chunk_id: p for p in _passages(rows, source)}
    return [by_id[i] for i in ids if i in by_id]


def rrf(rankings: list[list[Passage]], k: int = 60, weights: list[float] | None = None) -> list[Passage]:
    """Reciprocal rank fusion: a passage's score is the sum of w / (k + rank) over the lists it is in."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    found: dict[int, Passage] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, p in enumerate(ranking):
            scores[p.chunk_id] = scores.get(p.chunk_id, 0.0) + weight / (k + rank + 1)
            prev = found.get(p.chunk_id)
            found[p.chunk_id] = p if prev is None else replace(prev, sources=tuple(dict.fromkeys(prev.sources + p.sources)))
    ordered = sorted(scores, key=lambda cid: (-scores[cid], cid))
    return [replace(found[cid], score=scores[cid]) for cid in ordered]

