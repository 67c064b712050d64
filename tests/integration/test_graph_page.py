"""The graph page's bounded read model (``drive.store.graph_page``) against the whole-snapshot reference
(``ui.graph_model`` over ``graph_view.snapshot``): the same top entities in the same order, the same
relationships among them, the same matched count, neighbourhoods and details, for each filter; and never
another owner's entities."""

from __future__ import annotations

import random
import uuid
from dataclasses import astuple

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from drive.core import Drive
from drive.records import MentionRecord, RelationRecord, ResolvedMention
from drive.service import DriveService
from drive.store import graph_page
from drive.store.communities import CommunityRow, replace
from drive.store.db import MIGRATIONS, Database, make_engine
from drive.store.graph import store_graph
from drive.store.graph_page import DrawnGraph, GraphFilters
from drive.store.graph_view import EntityView, RelationshipView, snapshot
from tests.conftest import NewDatabase
from ui.graph_model import neighbourhood, neighbours, select_graph, top_communities

TYPES = ("PERSON", "ORG", "GPE")
VERBS = (None, None, "met", "founded", "visited")
VECTOR = "[" + ",".join(["1"] + ["0"] * 383) + "]"


def _file(s, owner: uuid.UUID, name: str, chunks: int) -> tuple[uuid.UUID, dict[int, int]]:  # type: ignore[no-untyped-def]
    item = uuid.uuid4()
    s.execute(text("INSERT INTO items (id, owner_id, name, kind, size, status) VALUES (:i, :o, :n, 'file', 1, 'ready')"),
              {"i": item, "o": owner, "n": name})
    ids = {}
    for k in range(chunks):
        ids[k] = s.execute(text(
            """INSERT INTO chunks (owner_id, item_id, idx, text, char_start, char_end, embedding)
               VALUES (:o, :i, :k, :t, 0, 10, CAST(:v AS vector)) RETURNING id"""),
            {"o": owner, "i": item, "k": k, "t": f"{name} passage {k}", "v": VECTOR}).scalar_one()
    return item, ids


def build(db: Database, owner: uuid.UUID, prefix: str, seed: int, files: int = 8, entities: int = 60) -> None:
    """A drive of ``files`` files whose entities are mentioned and related at random (a few often, most
    rarely), one of them ("<prefix> Regulator") on every file: boilerplate."""
    rng = random.Random(seed)
    names = [f"{prefix} Regulator"] + [f"{prefix} Entity {i}" for i in range(1, entities)]
    with db.session() as s:
        for f in range(files):
            item, chunks = _file(s, owner, f"{prefix.lower()}-{f}.txt", 3)
            present = [0] + [i for i in range(1, entities) if rng.random() < 3 / (2 + i ** 0.7)]
            mentions = []
            for i in present:
                for _ in range(rng.randint(1, 4)):
                    surface = names[i] if rng.random() < 0.8 else f"{names[i][0]}. {i}"  # an alias now and then
                    mentions.append(ResolvedMention(
                        MentionRecord(rng.randrange(3), surface, TYPES[i % 3], 0, len(surface), 0), f"k{i}"))
            relations = [
                RelationRecord(rng.randrange(3), (TYPES[a % 3], f"k{a}"), (TYPES[b % 3], f"k{b}"), rng.choice(VERBS),
                               f"{names[a]} and {names[b]} in {f}" if rng.random() < 0.3 else None)
                for a, b in (rng.sample(present, 2) for _ in range(3 * len(present))) if len(present) > 1
            ] if len(present) > 1 else []
            store_graph(s, owner, item, chunks, mentions, relations)
        ids = dict(s.execute(text("SELECT name, id FROM entities WHERE owner_id = :o"), {"o": owner}).tuples().all())
        big = [ids[n] for n in names[:entities // 2] if n in ids]
        small = [ids[n] for n in names[entities // 2:] if n in ids]
        rows = [CommunityRow(f"{prefix}-big", 0, None, "Big", "", len(big), None, "offline", ""),
                CommunityRow(f"{prefix}-small", 0, None, "Small", "", len(small), None, "offline", ""),
                CommunityRow(f"{prefix}-sub", 1, f"{prefix}-big", "Sub", "", 5, None, "offline", "")]
        members = ([(f"{prefix}-big", e) for e in big] + [(f"{prefix}-small", e) for e in small]
                   + [(f"{prefix}-sub", e) for e in big[:5]])
        replace(s, owner, [r.id for r in rows], rows, members)


def entity_key(e: EntityView) -> tuple[object, ...]:
    return e.id, e.name, e.type, tuple(e.aliases), e.mentions, tuple(sorted(e.files))


def edge_keys(edges: list[RelationshipView], descriptions: bool = False) -> list[tuple[object, ...]]:
    return sorted((r.source, r.target, r.label, r.weight, tuple(r.files),
                   tuple(r.descriptions) if descriptions else ()) for r in edges)


def assert_same(new: DrawnGraph, old: DrawnGraph, case: object) -> None:
    assert [entity_key(e) for e in new.nodes] == [entity_key(e) for e in old.nodes], case
    assert edge_keys(new.edges) == edge_keys(old.edges), case
    assert new.matched == old.matched, case
    assert new.community_of == old.community_of, case


@pytest.fixture
def graphs(drive: Drive, svc: DriveService) -> tuple[uuid.UUID, uuid.UUID]:
    other = drive.user_id(f"o{uuid.uuid4().hex[:12]}")
    build(drive.db, svc.owner, "Ours", seed=1)
    build(drive.db, other, "Theirs", seed=2)  # a second drive, built alike, that must never show
    return svc.owner, other


def test_the_bounded_page_draws_what_the_whole_snapshot_would(drive: Drive, graphs: tuple[uuid.UUID, uuid.UUID]) -> None:
    owner, _ = graphs
    snap = snapshot(drive.db, owner)
    assert len(snap.entities) > 30 and len(snap.relationships) > 50  # a graph worth ranking
    cases = [GraphFilters(), GraphFilters(types=frozenset({"PERSON"})), GraphFilters(types=frozenset({"ORG", "GPE"})),
             GraphFilters(community="Ours-big"), GraphFilters(community="Ours-sub"), GraphFilters(file="ours-3.txt"),
             GraphFilters(query="entity 1"), GraphFilters(query="O. 2"),  # a name, an alias
             GraphFilters(types=frozenset({"PERSON"}), file="ours-0.txt", query="ENTITY"),
             GraphFilters(query="no such name"), GraphFilters(file="theirs-0.txt"), GraphFilters(community="Theirs-big")]
    for filters in cases:
        for cap in (5, 10, 40, 150):
            assert_same(graph_page.select(drive.db, owner, filters, cap), select_graph(snap, filters, cap), (filters, cap))
    top = graph_page.select(drive.db, owner, GraphFilters(), 3).nodes
    assert "Ours Regulator" not in [e.name for e in top]  # on every file: boilerplate ranks lower
    assert graph_page.select(drive.db, owner, GraphFilters(file="theirs-0.txt"), 40).matched == 0

    overview = graph_page.overview(drive.db, owner)
    assert overview.total == len(snap.entities)
    assert overview.types == sorted({e.type for e in snap.entities})
    assert overview.files == sorted({f for e in snap.entities for f in e.files})
    assert [(c.id, c.title, c.size) for c in overview.communities] == [
        (c.id, c.title, len(c.entities)) for c in top_communities(snap)]
    assert {c.id for c in overview.communities} == {"Ours-big", "Ours-small"}  # level 0 only


def assert_ranked_alike(db: Database, owner: uuid.UUID) -> None:
    snap = snapshot(db, owner)
    for filters in (GraphFilters(), GraphFilters(types=frozenset({"ORG"})), GraphFilters(query="entity 2")):
        for cap in (5, 40):
            assert_same(graph_page.select(db, owner, filters, cap), select_graph(snap, filters, cap), (filters, cap))


def test_the_ranking_follows_deletes(drive: Drive, svc: DriveService, graphs: tuple[uuid.UUID, uuid.UUID]) -> None:
    """The counts the ranking reads are kept as files leave: deleting two files (one holding the most
    mentioned entity) ranks exactly as the snapshot of what is left."""
    owner, _ = graphs
    before = graph_page.select(drive.db, owner, GraphFilters(), 5).nodes
    files = {i.name: i.id for i in svc.list()}
    for name in ("ours-0.txt", sorted(before[0].files)[-1]):
        svc.delete(files[name])
    after = graph_page.select(drive.db, owner, GraphFilters(), 5).nodes
    assert after != before
    assert_ranked_alike(drive.db, owner)


def test_migration_0013_counts_the_entities_a_drive_already_has(new_database: NewDatabase) -> None:
    engine = make_engine(new_database(True))
    try:
        db = Database(engine)
        owner = uuid.uuid4()
        with db.session() as s:
            s.execute(text("INSERT INTO users (id, name, name_key) VALUES (:o, 'm', 'm')"), {"o": owner})
        build(db, owner, "Ours", seed=3)
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0013")  # the counts are dropped, as a drive before 0014 has none
            command.upgrade(cfg, "head")
        assert_ranked_alike(db, owner)
    finally:
        engine.dispose()


def test_neighbourhoods_and_details_match_the_snapshot(drive: Drive, graphs: tuple[uuid.UUID, uuid.UUID]) -> None:
    owner, _ = graphs
    snap = snapshot(drive.db, owner)
    for e in snap.entities:
        for cap in (3, 40):
            assert_same(graph_page.neighbourhood(drive.db, owner, e.id, cap), neighbourhood(snap, e.name, cap), (e, cap))
        rels = graph_page.relationships(drive.db, owner, e.id)
        assert [astuple(r) for r in rels] == [astuple(r) for r in neighbours(snap, e.name)]  # order too
        found = graph_page.entity(drive.db, owner, e.id)
        assert found is not None and entity_key(found) == entity_key(e)
    assert any(r.descriptions for r in snap.relationships)  # the details carry them; compared above
    for e in snap.entities[:10]:  # by name or alias, in any case (the API's GET /graph/entities/{name})
        for asked in (e.name, e.name.upper(), *(a.lower() for a in e.aliases)):
            found = graph_page.find(drive.db, owner, asked)
            assert found is not None and entity_key(found) == entity_key(e)
    assert graph_page.find(drive.db, owner, "Theirs Entity 1") is None  # another owner's


def test_another_owners_entities_never_appear(drive: Drive, graphs: tuple[uuid.UUID, uuid.UUID]) -> None:
    owner, other = graphs
    theirs = snapshot(drive.db, other)
    assert theirs.entities
    for filters in (GraphFilters(), GraphFilters(query="theirs"), GraphFilters(community="Theirs-big")):
        drawn = graph_page.select(drive.db, owner, filters, 150)
        assert all(e.name.startswith("Ours") for e in drawn.nodes)
        assert all(f.startswith("ours-") for e in drawn.nodes for f in e.files)
    overview = graph_page.overview(drive.db, owner)
    assert all(f.startswith("ours-") for f in overview.files) and all(c.id.startswith("Ours") for c in overview.communities)
    for e in theirs.entities[:10]:  # their ids behave like missing ones
        assert graph_page.entity(drive.db, owner, e.id) is None
        assert graph_page.relationships(drive.db, owner, e.id) == []
        assert graph_page.neighbourhood(drive.db, owner, e.id).nodes == []
