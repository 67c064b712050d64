# ruff: noqa: F811 - the fixtures imported from test_app are redefined as test parameters, as pytest intends
"""The graph page opens on the most important entities with a colour legend by type; searching or picking
an entity draws its neighbourhood instead of the entity alone."""

from __future__ import annotations

import json
from typing import Any

from drive.service import DriveService
from drive.settings import Settings
from tests.e2e.test_app import drive, env, filled, start, svc, tag, texts  # noqa: F401 - fixtures


def legend(at) -> str:  # type: ignore[no-untyped-def]
    return next(str(h.value) for h in at.get("html") if "graph-legend" in str(getattr(h, "value", "")))


def drawn(at) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The nodes the graph component is given to draw (its arguments, as the browser receives them)."""
    component = at.get("component_instance")[0]
    return list(json.loads(json.loads(component.proto.json_args)["data"])["nodes"])


def test_search_draws_the_neighbourhood_with_a_legend(env: Settings, filled: DriveService) -> None:
    at = start("app_pages/graph.py")
    assert "most important of" in texts(at)
    assert "people (" in legend(at)  # colours named by type, with counts
    nodes = drawn(at)
    assert nodes and all(n["label"] for n in nodes)  # every visible node carries its name
    assert len({n["color"] for n in nodes}) >= 2  # coloured by type
    at.text_input(key="graph_query").input("babbage").run()
    assert not at.exception
    shown = texts(at)
    assert "The neighbourhood of **Charles Babbage**" in shown
    assert "Ada Lovelace" in shown or "London" in shown  # a neighbour is listed in his relationships
    relationships = at.dataframe[0].value
    assert relationships.shape[0] >= 1
    assert all("ada.txt" in files for files in relationships["files"])  # the file that ties each neighbour
    around = {n["label"] for n in drawn(at)}
    assert "Charles Babbage" in around and len(around) >= 2  # the entity with its neighbours, not alone
    assert "Marie Curie" not in around  # nothing unconnected to him
    at.text_input(key="graph_query").input("").run()
    assert "The neighbourhood of **Charles Babbage**" in texts(at)  # still in focus until cleared
    at.selectbox(key="graph_entity").select(None).run()
    assert "most important of" in texts(at)

    at.selectbox(key="graph_file").select("curie.txt").run()  # the file filter
    only = {n["label"] for n in drawn(at)}
    assert "Marie Curie" in only and "Charles Babbage" not in only and "Ada Lovelace" not in only
