"""The graph page's bounded read model: only what the page draws, whatever the size of the drive.

``graph_view.snapshot`` loads an owner's whole graph (the ``graph --json`` export); on a drive of 100k
entities and hundreds of thousands of relation rows that is seconds and hundreds of MB per page view. Here
the ranking (``graph.entity_importance``) runs in SQL over per-entity counts, and only the ``cap`` entities
drawn, the relationships among them and the level-0 communities they belong to come back. Every statement
is scoped by owner: another owner's entity id behaves like a missing one.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from drive.store.db import Database
from drive.store.graph import BOILERPLATE_MIN_FILES, BOILERPLATE_SPREAD, entity_importance
from drive.store.graph_view import EntityView, RelationshipView, pick_label

MAX_NODES = 150
# SQL ranks by the same formula as Python; the last bits of a float may differ, so a few more rows than
# drawn come back and Python's score settles the order (and the cut) among them.
MARGIN = 20


@dataclass(frozen=True)
class GraphFilters:
    types: frozenset[str] = frozenset()  # empty: every type
    community: str | None = None  # a top-level community id
    file: str | None = None
    query: str = ""


@dataclass
class DrawnGraph:
    nodes: list[EntityView]
    edges: list[RelationshipView]
    matched: int  # entities passing the filters, before the cap
    community_of: dict[str, str] = field(default_factory=dict)  # entity name -> top-level community id


@dataclass(frozen=True)
class CommunityChoice:
    """A level-0 community as the filter offers it."""

    id: str
    title: str
    size: int


@dataclass(frozen=True)
class GraphOverview:
    """What the page shows before drawing: how many entities, and the filters' choices."""

    total: int
    types: list[str]
    files: list[str]
    communities: list[CommunityChoice]  # largest first


# The drive-wide figures the score is relative to: the best connected entity's degree, the files with mentions.
_DRIVE = """drive AS (SELECT
    coalesce(nullif((SELECT max(degree) FROM entities WHERE owner_id = :o AND mentions > 0), 0), 1)::float8 AS top,
    (SELECT count(*) FROM items i WHERE i.owner_id = :o
       AND EXISTS (SELECT 1 FROM mentions m WHERE m.item_id = i.id))::float8 AS files)"""

# graph.entity_importance in SQL over the counts refresh_entities keeps (float8 throughout, as in Python).
_SCORE = """ln(1 + e.mentions::float8) * (0.5 + e.degree::float8 / drive.top) * (1 + ln(greatest(1, e.files)::float8))
    * CASE WHEN drive.files >= :min_files AND e.files / drive.files >= :spread THEN 0.2 ELSE 1.0 END"""


def _where(filters: GraphFilters) -> tuple[str, dict[str, Any]]:
    """The filters as SQL conditions on entity ``e`` (owner ``:o``), with their parameters."""
    conds: list[str] = ["e.owner_id = :o", "e.mentions > 0"]
    params: dict[str, Any] = {}
    if filters.types:
        conds.append("e.type = ANY(:types)")
        params["types"] = sorted(filters.types)
    if filters.community is not None:
        # A community the owner has not (gone since the page was drawn, or another's) filters nothing.
        conds.append("""(e.id IN (SELECT cm.entity_id FROM community_members cm
                                  WHERE cm.community_id = :community AND cm.owner_id = :o)
                         OR NOT EXISTS (SELECT 1 FROM communities c WHERE c.id = :community AND c.owner_id = :o))""")
        params["community"] = filters.community
    if filters.file is not None:
        conds.append("""e.id IN (SELECT m.entity_id FROM mentions m JOIN items i ON i.id = m.item_id
                                 WHERE i.owner_id = :o AND i.name = :file AND m.owner_id = :o)""")
        params["file"] = filters.file
    if query := filters.query.strip().lower():
        conds.append("""(strpos(lower(e.name), :q) > 0
                         OR EXISTS (SELECT 1 FROM unnest(e.aliases) a WHERE strpos(lower(a), :q) > 0))""")
        params["q"] = query
    return " AND ".join(conds), params


def overview(db: Database, owner: uuid.UUID) -> GraphOverview:
    with db.session() as s:
        total = int(s.execute(text("SELECT count(*) FROM entities WHERE owner_id = :o AND mentions > 0"),
                              {"o": owner}).scalar_one())
        types = s.execute(text("SELECT DISTINCT type FROM entities WHERE owner_id = :o AND mentions > 0"),
                          {"o": owner}).scalars()
        files = s.execute(text("""SELECT DISTINCT i.name FROM items i WHERE i.owner_id = :o
                                  AND EXISTS (SELECT 1 FROM mentions m WHERE m.item_id = i.id)"""),
                          {"o": owner}).scalars()
        comms = s.execute(text("""SELECT c.id, c.title, count(cm.entity_id) AS size FROM communities c
                                  LEFT JOIN community_members cm ON cm.community_id = c.id
                                  WHERE c.owner_id = :o AND c.level = 0 GROUP BY c.id"""), {"o": owner}).all()
        choices = sorted((CommunityChoice(r.id, r.title, int(r.size)) for r in comms), key=lambda c: (-c.size, c.title))
        return GraphOverview(total, sorted(types), sorted(files), choices)


def select(db: Database, owner: uuid.UUID, filters: GraphFilters, cap: int = MAX_NODES) -> DrawnGraph:
    """The ``cap`` most important entities passing the filters, the relationships among them, and how many
    matched (what ``ui.graph_model.select_graph`` computes from a whole snapshot)."""
    where, params = _where(filters)
    with db.session() as s:
        rows = s.execute(text(f"""WITH {_DRIVE}
            SELECT e.id, e.name, e.mentions, e.files, e.degree, drive.top, drive.files AS all_files,
                   count(*) OVER () AS matched
            FROM entities e CROSS JOIN drive WHERE {where}
            ORDER BY {_SCORE} DESC, e.name COLLATE "C" LIMIT :n"""),
            {"o": owner, "n": cap + MARGIN, "min_files": BOILERPLATE_MIN_FILES, "spread": BOILERPLATE_SPREAD,
             **params}).all()
        scored = sorted(rows, key=lambda r: (-entity_importance(int(r.mentions), float(r.degree), int(r.files),
                                                                 r.top, int(r.all_files)), r.name))[:cap]
        nodes = _entities(s, owner, [r.id for r in scored])
        return _drawn(s, owner, nodes, int(rows[0].matched) if rows else 0)


def neighbourhood(db: Database, owner: uuid.UUID, entity_id: int, cap: int = MAX_NODES) -> DrawnGraph:
    """An entity, its ``cap - 1`` strongest neighbours, and every relationship among them; empty when the
    owner has no such entity."""
    with db.session() as s:
        rels = _relationships_of(s, owner, entity_id, limit=2 * max(0, cap - 1), descriptions=False)
        found = _entities(s, owner, [entity_id])
        if not found:
            return DrawnGraph([], [], 0)
        ids = [entity_id, *(t if src == entity_id else src for src, t, _ in rels)]
        keep = list(dict.fromkeys(ids))[:cap]
        nodes = _entities(s, owner, keep)
        return _drawn(s, owner, nodes, len(nodes))


def entity(db: Database, owner: uuid.UUID, entity_id: int) -> EntityView | None:
    with db.session() as s:
        found = _entities(s, owner, [entity_id])
    return found[0] if found else None


def relationships(db: Database, owner: uuid.UUID, entity_id: int, *,
                  descriptions: bool = True) -> list[RelationshipView]:
    """Every relationship of an entity, strongest first (``ui.graph_model.neighbours`` on a snapshot)."""
    with db.session() as s:
        return [r for _, _, r in _relationships_of(s, owner, entity_id, limit=None, descriptions=descriptions)]


def _entities(s: Session, owner: uuid.UUID, ids: list[int]) -> list[EntityView]:
    """These entities (of this owner, with mentions), in the order given, with their files."""
    if not ids:
        return []
    rows = s.execute(text(
        """SELECT e.id, e.name, e.type, e.aliases, count(m.id) AS n, array_agg(DISTINCT i.name) AS files
           FROM entities e JOIN mentions m ON m.entity_id = e.id JOIN items i ON i.id = m.item_id
           WHERE e.owner_id = :o AND e.id = ANY(:ids) GROUP BY e.id"""), {"o": owner, "ids": ids}).all()
    by_id = {r.id: EntityView(r.id, r.name, r.type, sorted(r.aliases or []), int(r.n), sorted(r.files))
             for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def _drawn(s: Session, owner: uuid.UUID, nodes: list[EntityView], matched: int) -> DrawnGraph:
    """Nodes with the relationships among them and their level-0 communities."""
    ids = [e.id for e in nodes]
    names = {e.id: e.name for e in nodes}
    rows = s.execute(text(
        """SELECT r.source_id, r.target_id, r.label, count(*) AS n, array_agg(DISTINCT i.name) AS files
           FROM relation_evidence r JOIN items i ON i.id = r.item_id
           WHERE r.owner_id = :o AND r.source_id = ANY(:ids) AND r.target_id = ANY(:ids)
           GROUP BY r.source_id, r.target_id, r.label"""), {"o": owner, "ids": ids}).all() if ids else []
    edges = sorted(_relationships(rows, names, {}).values(), key=lambda r: (r.source, r.target))
    comm = s.execute(text(
        """SELECT cm.entity_id, c.id FROM community_members cm JOIN communities c ON c.id = cm.community_id
           WHERE c.owner_id = :o AND c.level = 0 AND cm.entity_id = ANY(:ids)"""),
        {"o": owner, "ids": ids}).all() if ids else []
    community_of = {names[r.entity_id]: r.id for r in comm}
    return DrawnGraph(nodes, edges, matched, community_of)


def _relationships(rows: Sequence[Any], names: dict[int, str], described: dict[tuple[int, int], list[str]],
                   ) -> dict[tuple[int, int], RelationshipView]:
    """Relationships from evidence grouped by (source, target, label): weight, the most frequent label,
    the files that tie the pair."""
    labels: dict[tuple[int, int], Counter[str | None]] = defaultdict(Counter)
    files: dict[tuple[int, int], set[str]] = defaultdict(set)
    for r in rows:
        labels[(r.source_id, r.target_id)][r.label] += int(r.n)
        files[(r.source_id, r.target_id)].update(r.files)
    return {(src, tgt): RelationshipView(names[src], names[tgt], pick_label(list(counts.elements())),
                                         sum(counts.values()), sorted(files[(src, tgt)]), described.get((src, tgt), []))
            for (src, tgt), counts in labels.items() if src in names and tgt in names}


def _relationships_of(s: Session, owner: uuid.UUID, entity_id: int, *, limit: int | None,
                      descriptions: bool) -> list[tuple[int, int, RelationshipView]]:
    """The relationships of one entity, strongest first (ties by source then target name, as the snapshot
    orders them), at most ``limit``; each with its (source id, target id)."""
    pairs = s.execute(text(
        """SELECT r.source_id, r.target_id, a.name AS source, b.name AS target, count(*) AS n
           FROM relation_evidence r JOIN entities a ON a.id = r.source_id JOIN entities b ON b.id = r.target_id
           WHERE r.owner_id = :o AND (r.source_id = :e OR r.target_id = :e)
           GROUP BY r.source_id, r.target_id, a.name, b.name
           ORDER BY n DESC, a.name COLLATE "C", b.name COLLATE "C" LIMIT :n"""),
        {"o": owner, "e": entity_id, "n": limit}).all()
    if not pairs:
        return []
    names = {p.source_id: p.source for p in pairs} | {p.target_id: p.target for p in pairs}
    # Only the pairs kept (all of them without a limit): the entity's own evidence, never the whole table.
    chosen = "" if limit is None else """AND (r.source_id, r.target_id) IN (
        SELECT * FROM unnest(CAST(:src AS bigint[]), CAST(:tgt AS bigint[])))"""
    bind = {"o": owner, "e": entity_id, "src": [p.source_id for p in pairs], "tgt": [p.target_id for p in pairs]}
    rows = s.execute(text(
        f"""SELECT r.source_id, r.target_id, r.label, count(*) AS n, array_agg(DISTINCT i.name) AS files
            FROM relation_evidence r JOIN items i ON i.id = r.item_id
            WHERE r.owner_id = :o AND (r.source_id = :e OR r.target_id = :e) {chosen}
            GROUP BY r.source_id, r.target_id, r.label"""), bind).all()
    described: dict[tuple[int, int], list[str]] = {}
    if descriptions:
        for d in s.execute(text(
                """SELECT source_id, target_id, array_agg(DISTINCT description) AS d FROM relation_evidence
                   WHERE owner_id = :o AND (source_id = :e OR target_id = :e) AND description IS NOT NULL
                   GROUP BY source_id, target_id"""), {"o": owner, "e": entity_id}).all():
            described[(d.source_id, d.target_id)] = sorted(d.d)
    views = _relationships(rows, names, described)
    return [(p.source_id, p.target_id, views[(p.source_id, p.target_id)]) for p in pairs
            if (p.source_id, p.target_id) in views]
