"""Read models of an owner's entity graph: the whole snapshot behind ``thedrive graph --json``, the API's export
and the communities page; an entity's passages. The graph page reads the bounded ``graph_page``."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import text

from drive.store.db import Database
from drive.store.graph import demoted_entities


@dataclass(frozen=True)
class EntityView:
    id: int
    name: str
    type: str
    aliases: list[str]
    mentions: int
    files: list[str]
    common: bool = False  # names no thing of the drive: a common word, a heading (``graph.demoted_entities``)


@dataclass(frozen=True)
class RelationshipView:
    source: str
    target: str
    label: str | None
    weight: int
    files: list[str]
    descriptions: list[str]


@dataclass(frozen=True)
class CommunityView:
    id: str
    level: int
    parent: str | None
    entities: list[str]
    title: str
    summary: str


@dataclass(frozen=True)
class GraphSnapshot:
    entities: list[EntityView]
    relationships: list[RelationshipView]
    communities: list[CommunityView]

    def to_json(self) -> dict[str, Any]:
        return {
            "entities": [{k: v for k, v in asdict(e).items() if k != "id"} for e in self.entities],
            "relationships": [{k: v for k, v in asdict(r).items() if k != "descriptions"} for r in self.relationships],
            "communities": [asdict(c) for c in self.communities],
        }


def _pick_label(labels: list[str | None]) -> str | None:
    """The most frequent verb, ties broken alphabetically (deterministic)."""
    counts = Counter(label for label in labels if label)
    if not counts:
        return None
    return min(counts, key=lambda lbl: (-counts[lbl], lbl))


def snapshot(db: Database, owner: uuid.UUID, *, with_relationships: bool = True) -> GraphSnapshot:
    """The owner's whole graph (``with_relationships=False``: entities and communities only, no relation evidence
    read). Its size grows with the drive: pages read the bounded ``graph_page`` instead."""
    with db.session() as s:
        ents = s.execute(text(
            """SELECT e.id, e.name, e.type, e.aliases, count(m.id) AS n,
                      array_agg(DISTINCT i.name ORDER BY i.name) AS files
               FROM entities e JOIN mentions m ON m.entity_id = e.id JOIN items i ON i.id = m.item_id
               WHERE e.owner_id = :o GROUP BY e.id"""), {"o": owner}).all()
        ev = s.execute(text(
            """SELECT r.source_id, r.target_id, r.label, r.description, i.name FROM relation_evidence r
               JOIN items i ON i.id = r.item_id WHERE r.owner_id = :o"""), {"o": owner}).all() if with_relationships else []
        comms = s.execute(text(
            """SELECT c.id, c.level, c.parent_id, c.title, c.summary,
                      array_remove(array_agg(e.name ORDER BY e.name), NULL) AS members
               FROM communities c LEFT JOIN community_members cm ON cm.community_id = c.id
               LEFT JOIN entities e ON e.id = cm.entity_id
               WHERE c.owner_id = :o GROUP BY c.id"""), {"o": owner}).all()
        common = demoted_entities(s, owner, [(r.id, r.name, len(r.files)) for r in ents])
    names = {r.id: r.name for r in ents}
    entities = sorted(
        (EntityView(r.id, r.name, r.type, sorted(r.aliases or []), int(r.n), list(r.files), r.id in common)
         for r in ents),
        key=lambda e: (e.name, e.type),
    )
    grouped: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for row in ev:
        grouped[(row.source_id, row.target_id)].append(row)
    relationships = sorted(
        (
            RelationshipView(
                names[src], names[tgt], _pick_label([r.label for r in rows]), len(rows),
                sorted({r.name for r in rows}), sorted({r.description for r in rows if r.description}),
            )
            for (src, tgt), rows in grouped.items() if src in names and tgt in names
        ),
        key=lambda r: (r.source, r.target),
    )
    communities = sorted(
        (CommunityView(r.id, r.level, r.parent_id, list(r.members), r.title, r.summary) for r in comms),
        key=lambda c: (c.level, c.title, c.id),
    )
    return GraphSnapshot(entities, relationships, communities)


@dataclass(frozen=True)
class MentionPassage:
    item_id: uuid.UUID
    file: str
    page: int | None
    text: str


def entity_passages(db: Database, owner: uuid.UUID, entity_id: int, limit: int = 20) -> list[MentionPassage]:
    """The chunks that mention an entity, with their files (for the graph page)."""
    with db.session() as s:
        rows = s.execute(text(
            """SELECT DISTINCT ON (c.id) c.item_id, i.name, c.page, c.text FROM mentions m
               JOIN chunks c ON c.id = m.chunk_id JOIN items i ON i.id = c.item_id
               WHERE m.entity_id = :e AND m.owner_id = :o ORDER BY c.id LIMIT :n"""),
            {"e": entity_id, "o": owner, "n": limit}).all()
    return [MentionPassage(r.item_id, r.name, r.page, r.text) for r in rows]
