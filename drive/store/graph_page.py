"""The graph page's bounded read model: only what the page draws, whatever the size of the drive.

``graph_view.snapshot`` loads an owner's whole graph (the ``graph --json`` export); on a drive of 100k
entities and hundreds of thousands of relation rows that is seconds and hundreds of MB per page view. Here
the ranking (``graph.entity_importance``) runs in SQL over the counts ``graph.refresh_entities`` keeps on
each entity (migration 0013), and only the ``cap`` entities
drawn, the relationships among them and the level-0 communities they belong to come back. Every statement
is scoped by owner: another owner's entity id behaves like a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from drive.store.db import Database
from drive.store.graph import (
    BOILERPLATE_MIN_FILES,
    BOILERPLATE_SPREAD,
    BOILERPLATE_WEIGHT,
    demoted_entities,
    entity_importance,
)
from drive.store.graph_view import EntityView, RelationshipView

MAX_NODES = 150
# SQL ranks by the same formula as Python; the last bits of a float may differ, so a few more rows than
# drawn come back and Python's score settles the order (and the cut) among them.
MARGIN = 20
# The relationships among the most connected entities can be ~100k evidence rows: sorted in memory, not on disk.
WORK_MEM = "32MB"


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
_DRIVE = """SELECT
    (SELECT coalesce(max(degree), 0) FROM entities WHERE owner_id = :o AND mentions > 0) AS top,
    (SELECT count(*) FROM items i WHERE i.owner_id = :o AND EXISTS (SELECT 1 FROM mentions m WHERE m.item_id = i.id))
      AS files"""

# graph.entity_importance in SQL over the counts refresh_entities keeps (float8 throughout, as in Python).
_SCORE = """ln(1 + e.mentions::float8) * (0.5 + e.degree::float8 / CAST(:top AS float8))
    * (1 + ln(greatest(1, e.files)::float8))
    * CASE WHEN :all_files >= :min_files AND e.files::float8 / :all_files >= :spread
           THEN CAST(:boilerplate AS float8) ELSE 1.0 END"""


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
        s.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        top, files = s.execute(text(_DRIVE), {"o": owner}).one()
        top, files = float(top or 1), float(files)  # no relationships at all: every degree is 0 of 1
        matched = int(s.execute(text(f"SELECT count(*) FROM entities e WHERE {where}"),
                                {"o": owner, **params}).scalar_one())
        scored, common = _most_important(s, where, {"o": owner, "top": top, "all_files": files, **params}, cap)
        return _drawn(s, owner, _entities(s, owner, [r.id for r in scored], common), matched)


def _most_important(s: Session, where: str, params: dict[str, Any], cap: int) -> tuple[list[Any], set[int]]:
    """The ``cap`` most important entities passing ``where`` and the demoted among those read. SQL ranks before
    demotion; an entity it did not return scores at most what the last returned one scores undemoted, so reading
    ever more rows until the cap-th scores above that gives what the whole snapshot would."""
    n = cap + MARGIN
    while True:
        rows = s.execute(text(f"""SELECT e.id, e.name, e.mentions, e.files, e.degree FROM entities e WHERE {where}
                                  ORDER BY {_SCORE} DESC, e.name COLLATE "C" LIMIT :n"""),
                         {"n": n, "min_files": BOILERPLATE_MIN_FILES, "spread": BOILERPLATE_SPREAD,
                          "boilerplate": BOILERPLATE_WEIGHT, **params}).all()
        common = demoted_entities(s, params["o"], [(r.id, r.name, r.files) for r in rows])
        scored = sorted(rows, key=lambda r: (-_importance(r, params, common), r.name))[:cap]
        if len(rows) < n or (len(scored) == cap
                             and _importance(scored[-1], params, common) > _importance(rows[-1], params, set())):
            return scored, common
        n *= 4


def _importance(r: Any, params: dict[str, Any], common: set[int]) -> float:
    return entity_importance(r.mentions, r.degree, r.files, params["top"], int(params["all_files"]), r.id in common)


def neighbourhood(db: Database, owner: uuid.UUID, entity_id: int, cap: int = MAX_NODES) -> DrawnGraph:
    """An entity, its ``cap - 1`` strongest neighbours, and every relationship among them; empty when the
    owner has no such entity."""
    with db.session() as s:
        s.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        # A neighbour may be tied by two relationships (one each way): twice as many give cap - 1 of them.
        ids = [entity_id, *_strongest(s, owner, entity_id, 2 * max(0, cap - 1))]
        keep = list(dict.fromkeys(ids))[:cap]
        nodes = _entities(s, owner, keep)
        if not nodes or nodes[0].id != entity_id:  # not this owner's entity (or gone)
            return DrawnGraph([], [], 0)
        return _drawn(s, owner, nodes, len(nodes))


def entity(db: Database, owner: uuid.UUID, entity_id: int) -> EntityView | None:
    with db.session() as s:
        found = _entities(s, owner, [entity_id])
    return found[0] if found else None


def find(db: Database, owner: uuid.UUID, name: str) -> EntityView | None:
    """An entity by name, else by alias, case-insensitively (the first by name then type, as the snapshot
    lists them); None when the owner has none."""
    wanted = name.casefold()
    with db.session() as s:
        rows = s.execute(text(
            """SELECT id, name, type, aliases FROM entities WHERE owner_id = :o AND mentions > 0
               AND (lower(name) = lower(:n) OR EXISTS (SELECT 1 FROM unnest(aliases) a WHERE lower(a) = lower(:n)))"""),
            {"o": owner, "n": name}).all()
        rows = sorted(rows, key=lambda r: (r.name, r.type))
        hit = next((r for r in rows if r.name.casefold() == wanted), None) or next(
            (r for r in rows if wanted in (a.casefold() for a in r.aliases or [])), None)
        found = _entities(s, owner, [hit.id]) if hit is not None else []
    return found[0] if found else None


def relationships(db: Database, owner: uuid.UUID, entity_id: int, *,
                  descriptions: bool = True) -> list[RelationshipView]:
    """Every relationship of an entity, strongest first (``ui.graph_model.neighbours`` on a snapshot)."""
    with db.session() as s:
        return _relationships_of(s, owner, entity_id, descriptions=descriptions)


def _entities(s: Session, owner: uuid.UUID, ids: list[int], common: set[int] | None = None) -> list[EntityView]:
    """These entities (of this owner, with mentions), in the order given, with their files; ``common``: those of
    them that are common words of the drive, when the caller has read them already."""
    if not ids:
        return []
    rows = s.execute(text("""SELECT id, name, type, aliases, mentions FROM entities
                             WHERE owner_id = :o AND id = ANY(:ids) AND mentions > 0"""), {"o": owner, "ids": ids}).all()
    # Their (entity, file) pairs from the (entity_id, item_id) index, names joined once per file.
    files = dict(s.execute(text(
        """SELECT f.entity_id, array_agg(i.name) FROM (SELECT DISTINCT entity_id, item_id FROM mentions
                                                       WHERE entity_id = ANY(:ids)) f
           JOIN items i ON i.id = f.item_id WHERE i.owner_id = :o GROUP BY f.entity_id"""),
        {"o": owner, "ids": ids}).tuples().all())
    listed = {r.id: sorted(set(files.get(r.id, []))) for r in rows}
    if common is None:
        common = demoted_entities(s, owner, [(r.id, r.name, len(listed[r.id])) for r in rows])
    by_id = {r.id: EntityView(r.id, r.name, r.type, sorted(r.aliases or []), r.mentions, listed[r.id], r.id in common)
             for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def _drawn(s: Session, owner: uuid.UUID, nodes: list[EntityView], matched: int) -> DrawnGraph:
    """Nodes with the relationships among them and their level-0 communities."""
    ids = [e.id for e in nodes]
    names = {e.id: e.name for e in nodes}
    rows = s.execute(text(
        """SELECT r.source_id, r.target_id, r.label, count(*) AS n, array_agg(DISTINCT i.name COLLATE "C") AS files
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
    labels: dict[tuple[int, int], dict[str | None, int]] = {}
    files: dict[tuple[int, int], set[str]] = {}
    for src, tgt, label, n, names_of_files in rows:
        pair = (src, tgt)
        if pair not in labels:
            labels[pair], files[pair] = {}, set()
        labels[pair][label] = labels[pair].get(label, 0) + n
        files[pair].update(names_of_files)
    return {(src, tgt): RelationshipView(names[src], names[tgt], _top_label(counts), sum(counts.values()),
                                         sorted(files[(src, tgt)]), described.get((src, tgt), []))
            for (src, tgt), counts in labels.items() if src in names and tgt in names}


def _top_label(counts: dict[str | None, int]) -> str | None:
    """``graph_view._pick_label`` over counted labels: the most frequent verb, ties alphabetically."""
    if len(counts) == 1:  # most pairs: one label (or none)
        return next(iter(counts))
    return min((label for label in counts if label), key=lambda label: (-counts[label], label), default=None)


def _strongest(s: Session, owner: uuid.UUID, entity_id: int, limit: int) -> list[int]:
    """The other ends of an entity's ``limit`` strongest relationships, strongest first (ties by source then
    target name, as the snapshot orders them). Names are read only for the pairs that can make the cut."""
    pairs = s.execute(text(
        """WITH p AS (SELECT source_id, target_id, count(*) AS n FROM relation_evidence
                      WHERE owner_id = :o AND (source_id = :e OR target_id = :e) GROUP BY source_id, target_id),
                cut AS (SELECT n FROM p ORDER BY n DESC OFFSET :skip LIMIT 1)
           SELECT p.source_id, p.target_id FROM p
           JOIN entities a ON a.id = p.source_id JOIN entities b ON b.id = p.target_id
           WHERE p.n >= coalesce((SELECT n FROM cut), 0)
           ORDER BY p.n DESC, a.name COLLATE "C", b.name COLLATE "C" LIMIT :n"""),
        {"o": owner, "e": entity_id, "n": limit, "skip": max(0, limit - 1)}).all()
    return [p.target_id if p.source_id == entity_id else p.source_id for p in pairs]


def _relationships_of(s: Session, owner: uuid.UUID, entity_id: int, *,
                      descriptions: bool) -> list[RelationshipView]:
    """Every relationship of one entity, strongest first, from its own evidence (never the whole table)."""
    rows = s.execute(text(
        """SELECT r.source_id, r.target_id, r.label, count(*) AS n, array_agg(DISTINCT i.name COLLATE "C") AS files
           FROM relation_evidence r JOIN items i ON i.id = r.item_id
           WHERE r.owner_id = :o AND (r.source_id = :e OR r.target_id = :e)
           GROUP BY r.source_id, r.target_id, r.label"""), {"o": owner, "e": entity_id}).all()
    if not rows:
        return []
    ids = sorted({i for r in rows for i in (r.source_id, r.target_id)})
    names = dict(s.execute(text("SELECT id, name FROM entities WHERE owner_id = :o AND id = ANY(:ids)"),
                           {"o": owner, "ids": ids}).tuples().all())
    described: dict[tuple[int, int], list[str]] = {}
    if descriptions:
        for d in s.execute(text(
                """SELECT source_id, target_id, array_agg(DISTINCT description) AS d FROM relation_evidence
                   WHERE owner_id = :o AND (source_id = :e OR target_id = :e) AND description IS NOT NULL
                   GROUP BY source_id, target_id"""), {"o": owner, "e": entity_id}).all():
            described[(d.source_id, d.target_id)] = sorted(d.d)
    views = _relationships(rows, names, described).values()
    return sorted(views, key=lambda r: (-r.weight, r.source, r.target))
