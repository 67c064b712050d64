"""The entity graph page's parts: filters, the interactive graph (streamlit-agraph, no CDN), entity details."""

from __future__ import annotations

import html

import streamlit as st

from drive.store import graph_page
from drive.store.graph_page import CommunityChoice, GraphOverview
from drive.store.graph_view import EntityView, entity_passages
from ui import resources
from ui.downloads import file_link
from ui.format import literal, page_label, safe_markdown
from ui.graph_model import (
    TYPE_NAMES,
    DrawnGraph,
    GraphFilters,
    node_size,
    type_color,
)

ENTITY_KEY = "graph_entity"
CLICK_KEY = "graph_last_click"
EXTRA_KEY = "graph_clicked_neighbour"  # a clicked neighbour outside the filtered list stays pickable
PASSAGES = 10


def load() -> GraphOverview:
    """How many entities, and the filters' choices (the graph itself is read bounded: ``select``, ``around``)."""
    return graph_page.overview(resources.drive().db, resources.owner())


def select(filters: GraphFilters, cap: int) -> DrawnGraph:
    """The ``cap`` most important entities passing the filters, with the relationships among them."""
    return graph_page.select(resources.drive().db, resources.owner(), filters, cap)


def around(focus: EntityView, cap: int) -> DrawnGraph:
    """The entity in focus and its strongest neighbours."""
    return graph_page.neighbourhood(resources.drive().db, resources.owner(), focus.id, cap)


def waiting() -> int:
    """Files that are searchable but not yet in the graph (their graph job is queued or running)."""
    return resources.service().joining_graph()


def waiting_note(count: int) -> None:
    if count:
        st.caption(f":material/hourglass_top: {count} file{'s' if count != 1 else ''} still joining the graph: "
                   "already searchable, their entities appear here shortly.")


def filters_bar(overview: GraphOverview) -> GraphFilters:
    types, files = overview.types, overview.files
    comms = {c.id: c for c in overview.communities}
    search, kind, comm, file = st.columns([2, 2, 2, 2])
    query = search.text_input("Search an entity", key="graph_query", placeholder="name or alias")
    chosen_types = kind.multiselect("Entity types", types, key="graph_types", placeholder="all types")
    community = comm.selectbox("Community", [None, *comms], key="graph_community",
                               format_func=lambda c: "all communities" if c is None else _community_label(comms[c]))
    chosen_file = file.selectbox("File", [None, *files], key="graph_file",
                                 format_func=lambda f: "all files" if f is None else f)
    return GraphFilters(frozenset(chosen_types), community, chosen_file, query)


def _community_label(c: CommunityChoice) -> str:
    return f"{c.title or 'Untitled'} ({c.size})"


def draw(drawn: DrawnGraph, focus: EntityView | None = None) -> str | None:
    """Render the graph, coloured by entity type and labelled; returns the id of the node last clicked."""
    from streamlit_agraph import Config, Edge, Node, agraph

    ids = {e.name: str(e.id) for e in drawn.nodes}
    nodes = [
        Node(id=str(e.id), label=e.name, size=node_size(e.mentions) + (8 if focus and e.id == focus.id else 0),
             title=f"{e.name} ({e.type}) · {e.mentions} mention{'s' if e.mentions != 1 else ''}",
             color=type_color(e.type), font={"size": 15, "color": "#111827", "strokeWidth": 3,
                                              "strokeColor": "#ffffff"})
        for e in drawn.nodes
    ]
    edges = [Edge(source=ids[r.source], target=ids[r.target], label=r.label or "", color="#cbd5e1",
                  width=min(6, r.weight), title=f"{r.source} – {r.target} ({r.weight}): {', '.join(r.files)}")
             for r in drawn.edges]
    config = Config(height=560, directed=False, physics=True, hierarchical=False, stabilization=True)
    config.width = "100%"
    clicked = agraph(nodes=nodes, edges=edges, config=config)
    return str(clicked) if clicked else None


def legend(drawn: DrawnGraph) -> None:
    """Which colour is which type, for the types on screen (with how many of each)."""
    counts: dict[str, int] = {}
    for e in drawn.nodes:
        counts[e.type] = counts.get(e.type, 0) + 1
    items = "".join(
        f'<span style="margin-right:14px;white-space:nowrap"><span style="display:inline-block;width:10px;'
        f'height:10px;border-radius:50%;background:{type_color(t)};margin-right:5px"></span>'
        f"{html.escape(TYPE_NAMES.get(t, t.lower()))} ({n})</span>"
        for t, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    st.html(f'<div class="graph-legend" style="font-size:0.85rem">{items}</div>')


def chosen(listed: DrawnGraph) -> EntityView | None:
    """The entity in focus: picked (click or list) and still among the listed ones, or the only match."""
    by_id = {str(e.id): e for e in listed.nodes}
    current = st.session_state.get(ENTITY_KEY)
    if current not in by_id:
        current = next(iter(by_id)) if len(by_id) == 1 else None
        st.session_state[ENTITY_KEY] = current
    return by_id.get(current) if current else None


def follow_click(shown: DrawnGraph, clicked: str | None) -> None:
    """A node clicked on the graph comes into focus (its neighbourhood is drawn on the next run)."""
    if clicked and clicked != st.session_state.get(CLICK_KEY) and clicked in {str(e.id) for e in shown.nodes}:
        st.session_state[CLICK_KEY] = clicked
        st.session_state[ENTITY_KEY] = clicked
        st.session_state[EXTRA_KEY] = clicked
        st.rerun()


def pick_entity(listed: DrawnGraph, shown: DrawnGraph) -> EntityView | None:
    """The entity list (what the filters match, plus a neighbour clicked on the graph)."""
    by_id = {str(e.id): e for e in listed.nodes}
    for e in shown.nodes:
        if str(e.id) == st.session_state.get(EXTRA_KEY):
            by_id.setdefault(str(e.id), e)
    options = sorted(by_id, key=lambda i: by_id[i].name.lower())
    if st.session_state.get(ENTITY_KEY) not in options:
        st.session_state[ENTITY_KEY] = None
    choice = st.selectbox("Entity", [None, *options], key=ENTITY_KEY, placeholder="click a node or pick one",
                          format_func=lambda i: "—" if i is None else f"{by_id[i].name} ({by_id[i].type})")
    return by_id.get(choice) if choice else None


def entity_details(entity: EntityView) -> None:
    st.markdown(f"### {literal(entity.name)}")
    st.caption(f"{entity.type} · {entity.mentions} mention{'s' if entity.mentions != 1 else ''} "
               f"in {len(entity.files)} file{'s' if len(entity.files) != 1 else ''}")
    if entity.aliases:
        st.markdown("**Also written as** " + ", ".join(f"`{a}`" for a in entity.aliases))
    rels = graph_page.relationships(resources.drive().db, resources.owner(), entity.id, descriptions=False)
    if rels:
        st.markdown("**Relationships**")
        st.dataframe(
            [{"with": r.target if r.source == entity.name else r.source, "relation": r.label or "mentioned with",
              "strength": r.weight, "files": ", ".join(r.files)} for r in rels],
            hide_index=True, width="stretch",
        )
    st.markdown("**Mentioned in**")
    svc = resources.service()
    for n, p in enumerate(entity_passages(svc.db, svc.owner, entity.id, limit=PASSAGES)):
        with st.expander(page_label(literal(p.file), p.page), icon=":material/description:"):
            st.markdown(safe_markdown(p.text))
            file_link(svc, p.item_id, p.file, key=f"graph_{entity.id}_{n}")
