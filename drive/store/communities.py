"""The ``communities`` and ``community_members`` tables, and the graph reads the communities job clusters.

Everything is scoped to one owner. The job reads the entity graph (``graph_rows``), the digests of the
summaries already written (``digests``) and the sentences it quotes (``evidence``), then replaces the
owner's communities in one transaction (``replace``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from drive.store.chunks import vector_literal
from drive.store.locks import lock_communities


@dataclass(frozen=True)
class EntityRow:
    id: int
    type: str
    key: str
    name: str
    mentions: int


@dataclass(frozen=True)
class EdgeRow:
    """All evidence between two entities: how much, the most common label, the files behind it."""

    source_id: int
    target_id: int
    weight: int
    label: str | None
    files: list[str]


@dataclass(frozen=True)
class EvidenceRow:
    """The first sentence linking two entities: its chunk text, the span holding both names, its file."""

    source_id: int
    target_id: int
    text: str
    file: str
    lo: int
    hi: int


@dataclass(frozen=True)
class CommunityRow:
    id: str
    level: int
    parent_id: str | None
    title: str
    summary: str
    size: int
    vector: Sequence[float] | None
    summarized_by: str
    digest: str


def graph_rows(s: Session, owner: uuid.UUID) -> tuple[list[EntityRow], list[EdgeRow]]:
    ents = s.execute(text(
        """SELECT e.id, e.type, e.key, e.name, count(m.id) AS n FROM entities e
           JOIN mentions m ON m.entity_id = e.id WHERE e.owner_id = :o GROUP BY e.id"""), {"o": owner}).all()
    edges = s.execute(text(
        """SELECT r.source_id, r.target_id, count(*) AS w, mode() WITHIN GROUP (ORDER BY r.label) AS label,
                  array_agg(DISTINCT i.name ORDER BY i.name) AS files
           FROM relation_evidence r JOIN items i ON i.id = r.item_id
           WHERE r.owner_id = :o GROUP BY r.source_id, r.target_id"""), {"o": owner}).all()
    return ([EntityRow(e.id, e.type, e.key, e.name, int(e.n)) for e in ents],
            [EdgeRow(r.source_id, r.target_id, int(r.w), r.label, list(r.files)) for r in edges])


def digests(s: Session, owner: uuid.UUID) -> dict[str, str]:
    """Community id -> digest of what its stored summary was written from."""
    rows = s.execute(text("SELECT id, digest FROM communities WHERE owner_id = :o"), {"o": owner}).tuples()
    return dict(rows.all())


def evidence(s: Session, owner: uuid.UUID, pairs: list[tuple[int, int]]) -> list[EvidenceRow]:
    """For each (source, target): the first sentence (by file name and chunk order) linking them."""
    if not pairs:
        return []
    rows = s.execute(text(
        """SELECT DISTINCT ON (r.source_id, r.target_id) r.source_id, r.target_id, c.text, i.name,
                  least(ma.start, mb.start) AS lo, greatest(ma."end", mb."end") AS hi
           FROM unnest(CAST(:a AS bigint[]), CAST(:b AS bigint[])) AS p(a, b)
           JOIN relation_evidence r ON r.source_id = p.a AND r.target_id = p.b AND r.owner_id = :o
           JOIN chunks c ON c.id = r.chunk_id JOIN items i ON i.id = r.item_id
           JOIN mentions ma ON ma.chunk_id = r.chunk_id AND ma.entity_id = r.source_id
           JOIN mentions mb ON mb.chunk_id = r.chunk_id AND mb.entity_id = r.target_id AND mb.sentence = ma.sentence
           ORDER BY r.source_id, r.target_id, i.name, c.idx, lo"""),
        {"a": [p[0] for p in pairs], "b": [p[1] for p in pairs], "o": owner}).all()
    return [EvidenceRow(r.source_id, r.target_id, r.text, r.name, r.lo, r.hi) for r in rows]


def replace(s: Session, owner: uuid.UUID, keep: list[str], written: list[CommunityRow],
            members: list[tuple[str, int]]) -> None:
    """Drop the owner's communities not in ``keep``, upsert the ``written`` ones (those whose digest
    changed), and replace the membership rows with ``members`` ((community id, entity id) pairs).

    Safe against concurrent jobs: one rewrite per owner at a time (advisory lock), and members whose
    entity a concurrent graph job or delete removed meanwhile are left out instead of failing the job on
    the foreign key (the entity rows are key-share locked while the members are written)."""
    lock_communities(s, owner)
    s.execute(text("DELETE FROM communities WHERE owner_id = :o AND NOT (id = ANY(:keep))"), {"o": owner, "keep": keep})
    for c in written:
        s.execute(text(
            """INSERT INTO communities (id, owner_id, level, parent_id, title, summary, size, summary_embedding,
                                        summarized_by, digest, updated_at)
               VALUES (:id, :o, :lvl, :parent, :title, :summary, :size, CAST(:vec AS vector), :by, :digest, now())
               ON CONFLICT (id) DO UPDATE SET title = :title, summary = :summary, size = :size, parent_id = :parent,
                 summary_embedding = CAST(:vec AS vector), summarized_by = :by, digest = :digest, updated_at = now()"""),
            {"id": c.id, "o": owner, "lvl": c.level, "parent": c.parent_id, "title": c.title, "summary": c.summary,
             "size": c.size, "vec": None if c.vector is None else vector_literal(c.vector), "by": c.summarized_by,
             "digest": c.digest})
    s.execute(text("DELETE FROM community_members WHERE owner_id = :o"), {"o": owner})
    if members:
        s.execute(text(
            """INSERT INTO community_members (community_id, entity_id, owner_id)
               SELECT m.c, e.id, :o FROM unnest(CAST(:cs AS text[]), CAST(:es AS bigint[])) AS m(c, e)
               JOIN entities e ON e.id = m.e AND e.owner_id = :o
               FOR KEY SHARE OF e"""),
            {"o": owner, "cs": [c for c, _ in members], "es": [e for _, e in members]})
