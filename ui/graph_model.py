"""What the graph page draws, computed purely from a ``GraphSnapshot``: filters, a node cap, colours."""

from __future__ import annotations

from dataclasses import dataclass, field

from drive.store.graph_view import CommunityView, EntityView, GraphSnapshot, RelationshipView

PALETTE = (
    "#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2",
    "#db2777", "#65a30d", "#ea580c", "#4f46e5", "#0d9488", "#9333ea",
)
NO_COMMUNITY = "#9ca3af"
MAX_NODES = 150


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


def top_communities(snap: GraphSnapshot) -> list[CommunityView]:
    """Level-0 communities (the coarsest), largest first."""
    return sorted((c for c in snap.communities if c.level == 0), key=lambda c: (-len(c.entities), c.title))


def community_index(snap: GraphSnapshot) -> dict[str, str]:
    """Entity name -> the level-0 community it belongs to."""
    return {name: c.id for c in top_communities(snap) for name in c.entities}


def colors(snap: GraphSnapshot) -> dict[str, str]:
    """A stable colour per level-0 community (by size rank, cycling through the palette)."""
    return {c.id: PALETTE[i % len(PALETTE)] for i, c in enumerate(top_communities(snap))}


def matches(entity: EntityView, query: str) -> bool:
    q = query.strip().lower()
    return not q or q in entity.name.lower() or any(q in a.lower() for a in entity.aliases)


def select_graph(snap: GraphSnapshot, filters: GraphFilters, cap: int = MAX_NODES) -> DrawnGraph:
    """The entities to draw (the ``cap`` most mentioned of those passing the filters) and the edges between them."""
    index = community_index(snap)
    members = next((set(c.entities) for c in snap.communities if c.id == filters.community), None)
    kept = [
        e for e in snap.entities
        if (not filters.types or e.type in filters.types)
        and (filters.file is None or filters.file in e.files)
        and (members is None or e.name in members)
        and matches(e, filters.query)
    ]
    drawn = sorted(kept, key=lambda e: (-e.mentions, e.name))[:cap]
    names = {e.name for e in drawn}
    edges = [r for r in snap.relationships if r.source in names and r.target in names]
    return DrawnGraph(drawn, edges, len(kept), {n: index[n] for n in names if n in index})


def neighbours(snap: GraphSnapshot, name: str) -> list[RelationshipView]:
    """Every relationship of an entity, strongest first."""
    return sorted((r for r in snap.relationships if name in (r.source, r.target)), key=lambda r: (-r.weight, r.source))


def node_size(mentions: int) -> int:
    """Node radius grows slowly with the number of mentions."""
    return int(min(40, 10 + 3 * max(0, mentions - 1) ** 0.5))
