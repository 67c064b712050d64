"""What the graph page draws, computed purely from a ``GraphSnapshot`` (the reference the bounded read model
``drive.store.graph_page`` is tested against, and the benchmark's baseline): filters, a node cap, colours."""

from __future__ import annotations

from drive.store.graph import entity_importance
from drive.store.graph_page import MAX_NODES, DrawnGraph, GraphFilters
from drive.store.graph_view import CommunityView, EntityView, GraphSnapshot, RelationshipView

PALETTE = (
    "#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2",
    "#db2777", "#65a30d", "#ea580c", "#4f46e5", "#0d9488", "#9333ea",
)
NO_COMMUNITY = "#9ca3af"
SHOWN_NODES = 40  # what the page opens on: few enough that every label can be read
# One colour per entity type (spaCy's labels), named in the page's legend.
TYPE_COLORS = {
    "PERSON": "#2563eb", "ORG": "#dc2626", "GPE": "#16a34a", "LOC": "#65a30d", "NORP": "#d97706",
    "FAC": "#0891b2", "PRODUCT": "#7c3aed", "EVENT": "#db2777", "WORK_OF_ART": "#ea580c", "LAW": "#4f46e5",
    "TERM": "#78716c",
}
TYPE_NAMES = {
    "PERSON": "people", "ORG": "organisations", "GPE": "countries, cities", "LOC": "places", "NORP": "groups",
    "FAC": "buildings", "PRODUCT": "products", "EVENT": "events", "WORK_OF_ART": "works", "LAW": "laws",
    "TERM": "defined terms",
}
OTHER_TYPE = "#9ca3af"


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


def importance(snap: GraphSnapshot) -> dict[str, float]:
    """How much an entity matters to this drive: its mentions (dampened), how central it is (weighted
    degree, relative to the best connected), in how many files it appears (a name that ties files
    together), and whether it is boilerplate (on (nearly) every file of a drive of several, like the
    regulator's name on every filing) or names no thing of it (``common``): see ``entity_importance``."""
    degree: dict[str, float] = {}
    for r in snap.relationships:
        degree[r.source] = degree.get(r.source, 0.0) + r.weight
        degree[r.target] = degree.get(r.target, 0.0) + r.weight
    top = max(degree.values(), default=0.0) or 1.0
    files = len({f for e in snap.entities for f in e.files})
    return {e.name: entity_importance(e.mentions, degree.get(e.name, 0.0), len(e.files), top, files, e.common)
            for e in snap.entities}


def select_graph(snap: GraphSnapshot, filters: GraphFilters, cap: int = MAX_NODES) -> DrawnGraph:
    """The entities to draw (the ``cap`` most important of those passing the filters) and the edges between them."""
    index = community_index(snap)
    members = next((set(c.entities) for c in snap.communities if c.id == filters.community), None)
    kept = [
        e for e in snap.entities
        if (not filters.types or e.type in filters.types)
        and (filters.file is None or filters.file in e.files)
        and (members is None or e.name in members)
        and matches(e, filters.query)
    ]
    score = importance(snap)
    drawn = sorted(kept, key=lambda e: (-score[e.name], e.name))[:cap]
    names = {e.name for e in drawn}
    edges = [r for r in snap.relationships if r.source in names and r.target in names]
    return DrawnGraph(drawn, edges, len(kept), {n: index[n] for n in names if n in index})


def neighbourhood(snap: GraphSnapshot, name: str, cap: int = MAX_NODES) -> DrawnGraph:
    """An entity, its ``cap - 1`` strongest neighbours, and every relationship among them (the files that
    tie each pair are on the relationship)."""
    by_name = {e.name: e for e in snap.entities}
    rels = neighbours(snap, name)
    names = [name] + [r.target if r.source == name else r.source for r in rels]
    keep = list(dict.fromkeys(n for n in names if n in by_name))[:cap]
    kept = set(keep)
    edges = [r for r in snap.relationships if r.source in kept and r.target in kept]
    index = community_index(snap)
    return DrawnGraph([by_name[n] for n in keep], edges, len(keep), {n: index[n] for n in keep if n in index})


def type_color(entity_type: str) -> str:
    return TYPE_COLORS.get(entity_type, OTHER_TYPE)


def neighbours(snap: GraphSnapshot, name: str) -> list[RelationshipView]:
    """Every relationship of an entity, strongest first."""
    return sorted((r for r in snap.relationships if name in (r.source, r.target)), key=lambda r: (-r.weight, r.source))


def node_size(mentions: int) -> int:
    """Node radius grows slowly with the number of mentions."""
    return int(min(40, 10 + 3 * max(0, mentions - 1) ** 0.5))
