"""Communities: planted groups are found, the hierarchy is consistent, and edge order does not matter."""

from __future__ import annotations

import itertools
import random

from drive.pipeline.communities.cluster import CommunityRecord, community_id, detect_communities


def planted(groups: int, size: int, seed: int = 7) -> tuple[list[tuple[str, str, float]], set[tuple[str, ...]]]:
    """Dense groups (every pair linked, weight 1-3) joined in a ring by one weak edge each."""
    rng = random.Random(seed)
    truth = []
    edges = []
    for g in range(groups):
        nodes = [f"org:group{g}-member{m}" for m in range(size)]
        truth.append(tuple(sorted(nodes)))
        edges += [(a, b, float(rng.randint(1, 3))) for a, b in itertools.combinations(nodes, 2)]
    for g in range(groups):
        edges.append((f"org:group{g}-member0", f"org:group{(g + 1) % groups}-member1", 0.2))
    return edges, set(truth)


def test_three_planted_communities_are_recovered_exactly() -> None:
    edges, truth = planted(groups=3, size=6)
    communities = detect_communities(edges)
    levels = {c.level for c in communities}
    assert any({c.members for c in communities if c.level == level} == truth for level in levels)


def test_same_edges_in_any_order_or_direction_give_the_same_communities() -> None:
    edges, _ = planted(groups=3, size=6)
    reference = detect_communities(edges)
    for seed in range(4):
        rng = random.Random(seed)
        shuffled = [(b, a, w) if rng.random() < 0.5 else (a, b, w) for a, b, w in edges]
        rng.shuffle(shuffled)
        assert detect_communities(shuffled) == reference


def test_large_groups_split_into_children_pointing_at_their_parent() -> None:
    edges = []
    for g in range(2):  # two groups of 24, each made of three tighter subgroups of 8
        nodes = [f"person:g{g}-{n:02d}" for n in range(24)]
        edges += [(nodes[a], nodes[b], 3.0 if a // 8 == b // 8 else 1.0) for a, b in itertools.combinations(range(24), 2)]
    edges.append(("person:g0-00", "person:g1-00", 0.1))
    communities = detect_communities(edges, max_cluster_size=10)
    by_id = {c.id: c for c in communities}
    top = [c for c in communities if c.level == 0]
    children = [c for c in communities if c.level == 1]
    assert len(top) == 2 and all(len(c.members) == 24 and c.parent is None for c in top)
    assert len(children) == 6 and all(len(c.members) == 8 for c in children)
    for child in children:
        parent = by_id[child.parent or ""]
        assert parent.level == 0 and set(child.members) <= set(parent.members)


def test_ids_are_stable_hashes_of_level_and_members() -> None:
    edges, _ = planted(groups=3, size=5)
    for c in detect_communities(edges):
        assert isinstance(c, CommunityRecord)
        assert c.members == tuple(sorted(c.members))
        assert c.id == community_id(c.level, tuple(reversed(c.members)))
    assert community_id(0, ("a", "b")) != community_id(1, ("a", "b"))


def test_self_loops_and_empty_graphs_give_no_communities() -> None:
    assert detect_communities([]) == []
    assert detect_communities([("a", "a", 5.0), ("b", "c", 0.0)]) == []
    # An entity with no edge to another one is in no community.
    found = detect_communities([("a", "b", 1.0), ("c", "c", 1.0)])
    assert [c.members for c in found] == [("a", "b")]
