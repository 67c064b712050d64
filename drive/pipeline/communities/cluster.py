"""Community detection, pure: hierarchical Leiden (graspologic-native) over a weighted entity graph.

Level 0 holds the coarsest communities; a community larger than ``max_cluster_size`` is split
again into children at the next level, each pointing at its parent. Only nodes that have at
least one edge to another node are clustered: an isolated entity has nothing to summarise,
so it belongs to no community. Self-loops and non-positive weights are ignored; parallel edges
(either direction) are summed. The result depends only on the set of edges and the seed, not
on their order.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

MAX_CLUSTER_SIZE = 10


@dataclass(frozen=True)
class CommunityRecord:
    """One community: ``id`` is a stable hash of its level and members."""

    id: str
    level: int
    parent: str | None
    members: tuple[str, ...]


def community_id(level: int, members: tuple[str, ...]) -> str:
    payload = "\x1f".join([str(level), *sorted(members)]).encode()
    return hashlib.sha256(payload).hexdigest()[:16]


def canonical_edges(edges: list[tuple[str, str, float]]) -> list[tuple[str, str, float]]:
    """Undirected, merged, sorted edges: (a, b, total weight) with a < b and weight > 0."""
    weights: dict[tuple[str, str], float] = defaultdict(float)
    for source, target, weight in edges:
        if source == target or not weight > 0:
            continue
        a, b = sorted((source, target))
        weights[(a, b)] += float(weight)
    return [(a, b, w) for (a, b), w in sorted(weights.items())]


def detect_communities(
    edges: list[tuple[str, str, float]],
    seed: int = 42,
    max_cluster_size: int = MAX_CLUSTER_SIZE,
    resolution: float = 1.0,
) -> list[CommunityRecord]:
    """Hierarchical communities of the graph, sorted by (level, members)."""
    from graspologic_native import hierarchical_leiden

    graph = canonical_edges(edges)
    if not graph:
        return []
    assignments = hierarchical_leiden(
        graph, resolution=resolution, max_cluster_size=max_cluster_size, seed=seed
    )
    members: dict[tuple[int, int], list[str]] = defaultdict(list)
    parent_of: dict[tuple[int, int], int | None] = {}
    for item in assignments:
        members[(item.level, item.cluster)].append(item.node)
        parent_of[(item.level, item.cluster)] = item.parent_cluster
    ids = {slot: community_id(slot[0], tuple(nodes)) for slot, nodes in members.items()}
    records = []
    for (level, cluster), nodes in members.items():
        parent = parent_of[(level, cluster)]
        parent_id = ids[(level - 1, parent)] if parent is not None and level > 0 else None
        records.append(CommunityRecord(ids[(level, cluster)], level, parent_id, tuple(sorted(nodes))))
    return sorted(records, key=lambda r: (r.level, r.members))
