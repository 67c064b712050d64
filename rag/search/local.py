"""Graph local search: entities named in the question bring in their chunks and their one-hop neighbours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from drive.names import holds_run, normalize, proper_spans
from drive.store.graph import boilerplate_entities, common_word_entities
from rag.search.link import bridge_chunks, home_chunks, title_chunks
from rag.search.retrieve import chunks_by_id
from rag.types import Passage, Scope

# Words spaCy sometimes tags as names but that name nothing on their own.
_NOT_NAMES = frozenset({"the", "a", "an", "and", "of"})
COMMON_SHARE = 0.03
_LABELS = ("PERSON", "ORG", "GPE")  # normalize() differs only for these; other labels fold like GPE


@dataclass(frozen=True)
class EntityHit:
    id: int
    name: str
    type: str


@dataclass(frozen=True)
class LocalResult:
    entities: list[EntityHit]
    passages: list[Passage]
    relations: list[str]


def question_keys(question: str) -> tuple[list[str], list[str]]:
    """Candidate entity keys (name-like spans, normalized) and lowercased spans for alias matching."""
    spans = {s for s in proper_spans(question.strip(" ?!.")) if len(s) >= 3 and s.lower() not in _NOT_NAMES}
    keys = sorted({normalize(s, label) for s in spans for label in _LABELS} - {""} - _NOT_NAMES)
    return keys, sorted({s.lower() for s in spans})


def names_anything(scope: Scope, question: str) -> bool:
    """Does the question name a known entity or a file's title?"""
    return bool(match_entities(scope, question, limit=1) or title_chunks(scope, question))


def match_entities(scope: Scope, question: str, limit: int = 8) -> list[EntityHit]:
    """Entities of this owner whose name or alias appears in the question; longer names first.

    Entities spread over many files ("American", "British") name no particular thing: those found in
    more than ``COMMON_SHARE`` of a drive's files (of 40 or more) are left out, as an IDF would, and so
    is boilerplate in a drive of any size (``drive.store.graph.NOT_BOILERPLATE``: on most of its files, or
    named mostly in passages repeated word for word).
    """
    s, owner = scope.session, scope.owner
    keys, spans = question_keys(question)
    if not keys:
        return []
    rows = s.execute(
        text("""WITH hit AS (
                    SELECT e.id, e.name, e.type, e.key, e.aliases FROM entities e
                    WHERE e.owner_id = :o AND (e.key = ANY(:keys)
                      OR EXISTS (SELECT 1 FROM unnest(e.aliases) a WHERE lower(a) = ANY(:spans)))),
                total AS (SELECT count(*) AS n FROM items WHERE owner_id = :o AND kind = 'file')
                SELECT h.id, h.name, h.type, h.key, h.aliases FROM hit h, total t
                WHERE t.n < 40 OR (SELECT count(DISTINCT m.item_id) FROM mentions m WHERE m.entity_id = h.id)
                                  <= :share * t.n
                ORDER BY length(h.key) DESC, h.id LIMIT :n"""),
        {"o": owner, "keys": keys, "spans": spans, "n": limit + 4, "share": COMMON_SHARE},
    ).all()
    dropped = boilerplate_entities(s, owner, [r.id for r in rows]) | _inside_longer(scope, rows, keys, spans)
    return [EntityHit(r.id, r.name, r.type) for r in rows if r.id not in dropped][:limit]


def _inside_longer(scope: Scope, rows: Sequence[Any], keys: list[str], spans: list[str]) -> set[int]:
    """The hits found only by an alias that is a common word of the drive and part of a name another hit was
    found by: "Department", an alias of the Department of Transportation in its own file, is not asked about
    in "the Department of Education's plan" when the Department of Education was found."""
    wanted = set(keys)
    matched = {r.id: [r.key] if r.key in wanted else [] for r in rows}
    by_alias = {r.id for r in rows if not matched[r.id]}
    for r in rows:
        matched[r.id] += [a for a in r.aliases or [] if a.lower() in spans]
    words = {i: [tuple(m.lower().split()) for m in forms] for i, forms in matched.items()}
    inside = [(i, form) for i in by_alias for form, short in zip(matched[i], words[i], strict=True)
              if any(len(short) < len(long) and holds_run(long, short)
                     for j, forms in words.items() if j != i for long in forms)]
    # Each alias is asked as a one-word name of its own: ids are its place in ``inside``, files 0.
    generic = common_word_entities(scope.session, scope.owner, [(n, form, 0) for n, (_, form) in enumerate(inside)])
    return {inside[n][0] for n in generic}


def local_search(scope: Scope, question: str, k: int = 12,
                 qvec: Any = None) -> LocalResult:
    s, owner = scope.session, scope.owner
    hits = match_entities(scope, question)
    titled = title_chunks(scope, question)
    if not hits and not titled:
        return LocalResult([], [], [])
    ids = [h.id for h in hits]
    # Chunks mentioning the most question entities first.
    direct = list(s.execute(
        text("""SELECT chunk_id FROM mentions WHERE owner_id = :o AND entity_id = ANY(:ids)
                GROUP BY chunk_id ORDER BY count(DISTINCT entity_id) DESC, count(*) DESC, chunk_id LIMIT :k"""),
        {"o": owner, "ids": ids, "k": k},
    ).scalars())
    rels = s.execute(
        text("""SELECT r.source_id, r.target_id, max(r.label) AS label, count(*) AS w,
                       min(r.chunk_id) AS chunk_id, es.name AS src, et.name AS tgt
                FROM relation_evidence r JOIN entities es ON es.id = r.source_id JOIN entities et ON et.id = r.target_id
                WHERE r.owner_id = :o AND (r.source_id = ANY(:ids) OR r.target_id = ANY(:ids))
                GROUP BY r.source_id, r.target_id, es.name, et.name ORDER BY w DESC, r.source_id, r.target_id LIMIT :k"""),
        {"o": owner, "ids": ids, "k": k},
    ).all()
    neighbours = list(dict.fromkeys(r.target_id if r.source_id in ids else r.source_id for r in rels))
    # A file named after an entity is about it: its opening passage is the entity's own description,
    # and for a neighbour it is where the second hop of a multi-hop question usually lives.
    homes = list(dict.fromkeys(titled + home_chunks(scope, ids)))
    bridges = bridge_chunks(scope, homes + direct[:3], qvec) if qvec is not None else []
    chunk_ids = list(dict.fromkeys(
        homes + bridges + direct + home_chunks(scope, neighbours[:8]) + [r.chunk_id for r in rels]
    ))
    relations = [f"{r.src} —{r.label or 'related to'}→ {r.tgt} ({r.w}×)" for r in rels]
    return LocalResult(hits, chunks_by_id(scope, chunk_ids, "local"), relations)

