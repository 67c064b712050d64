"""What the graph page draws first: the entities that matter (mentions, centrality, specificity), not the
boilerplate on every page; an entity's neighbourhood with the relationships among its neighbours."""

from __future__ import annotations

from drive.store.graph_view import EntityView, GraphSnapshot, RelationshipView
from ui.graph_model import GraphFilters, importance, neighbourhood, select_graph, type_color


def _snap() -> GraphSnapshot:
    files = [f"10q-{n}.pdf" for n in range(6)]
    ents = [
        EntityView(1, "Securities and Exchange Commission", "ORG", [], mentions=300, files=files),  # boilerplate
        EntityView(2, "Tim Cook", "PERSON", [], mentions=12, files=files[:2]),
        EntityView(3, "Foxconn", "ORG", [], mentions=10, files=files[1:3]),
        EntityView(4, "Cupertino", "GPE", [], mentions=8, files=files[:1]),
        EntityView(5, "Lone Mention", "PERSON", [], mentions=1, files=files[5:]),
    ]
    rels = [RelationshipView("Tim Cook", "Foxconn", None, 5, files[1:2], []),
            RelationshipView("Tim Cook", "Cupertino", None, 3, files[:1], []),
            RelationshipView("Foxconn", "Cupertino", None, 1, files[:1], [])]
    return GraphSnapshot(ents, rels, [])


def test_boilerplate_on_every_file_ranks_below_the_entities_that_tie_files_together() -> None:
    snap = _snap()
    score = importance(snap)
    assert score["Tim Cook"] > score["Securities and Exchange Commission"]
    assert score["Foxconn"] > score["Securities and Exchange Commission"]
    assert score["Cupertino"] > score["Securities and Exchange Commission"] > score["Lone Mention"]
    top = select_graph(snap, GraphFilters(), cap=2)
    assert [e.name for e in top.nodes] == ["Tim Cook", "Foxconn"] and top.matched == 5


def test_the_neighbourhood_of_an_entity_has_its_neighbours_and_the_links_among_them() -> None:
    snap = _snap()
    near = neighbourhood(snap, "Cupertino")
    assert [e.name for e in near.nodes] == ["Cupertino", "Tim Cook", "Foxconn"]  # strongest link first
    assert len(near.edges) == 3  # Tim Cook - Foxconn is drawn too: it ties the neighbours
    assert [e.name for e in neighbourhood(snap, "Lone Mention").nodes] == ["Lone Mention"]
    assert [e.name for e in neighbourhood(snap, "Cupertino", cap=2).nodes] == ["Cupertino", "Tim Cook"]


def test_each_type_has_its_own_colour() -> None:
    assert type_color("PERSON") != type_color("ORG") != type_color("GPE")
    assert type_color("SOMETHING_NEW") == type_color("ANOTHER")  # unknown types share the grey
