"""The entity graph page's parts: filters, the interactive graph (streamlit-agraph, no CDN), entity details."""

from __future__ import annotations

from typing import Any

import streamlit as st

from drive.store.graph_view import EntityView, GraphSnapshot, entity_passages, snapshot
from ui import resources
from ui.downloads import file_link
from ui.format import literal, page_label, safe_markdown
from ui.graph_model import (
    NO_COMMUNITY,
    DrawnGraph,
    GraphFilters,
    colors,
    neighbours,
    node_size,
    top_communities,
)

ENTITY_KEY = "graph_entity"
CLICK_KEY = "graph_last_click"
PASSAGES = 10


def load() -> GraphSnapshot:
    return snapshot(resources.drive().db, resources.owner())


def waiting() -> int:
    """Files that are searchable but not yet in the graph (their graph job is queued or running)."""
    return resources.service().joining_graph()


def waiting_note(count: int) -> None:
    if count:
        st.caption(f":material/hourglass_top: {count} file{'s' if count != 1 else ''} still joining the graph: "
                   "already searchable, their entities appear here shortly.")


def filters_bar(snap: GraphSnapshot) -> GraphFilters:
    types = sorted({e.type for e in snap.entities})
    files = sorted({f for e in snap.entities for f in e.files})
    comms = {c.id: c for c in top_communities(snap)}
    search, kind, comm, file = st.columns([2, 2, 2, 2])
    query = search.text_input("Search an entity", key="graph_query", placeholder="name or alias")
    chosen_types = kind.multiselect("Entity types", types, key="graph_types", placeholder="all types")
    community = comm.selectbox("Community", [None, *comms], key="graph_community",
                               format_func=lambda c: "all communities" if c is None else _community_label(comms[c]))
    chosen_file = file.selectbox("File", [None, *files], key="graph_file",
                                 format_func=lambda f: "all files" if f is None else f)
    return GraphFilters(frozenset(chosen_types), community, chosen_file, query)


def _community_label(c: Any) -> str:
    return f"{c.title or 'Untitled'} ({len(c.entities)})"


def draw(snap: GraphSnapshot, drawn: DrawnGraph) -> str | None:
    """Render the graph; returns the id of the node last clicked, if any."""
    from streamlit_agraph import Config, Edge, Node, agraph

    palette = colors(snap)
    ids = {e.name: str(e.id) for e in drawn.nodes}
    nodes = [
        Node(id=str(e.id), label=e.name, size=node_size(e.mentions),
             title=f"{e.name} ({e.type}) · {e.mentions} mention{'s' if e.mentions != 1 else ''}",
             color=palette.get(drawn.community_of.get(e.name, ""), NO_COMMUNITY))
        for e in drawn.nodes
    ]
    edges = [Edge(source=ids[r.source], target=ids[r.target], label=r.label or "", color="#cbd5e1",
                  width=min(6, r.weight), title=f"{r.source} – {r.target} ({r.weight})")
             for r in drawn.edges]
    config = Config(height=560, directed=False, physics=True, hierarchical=False, stabilization=True)
    config.width = "100%"
    clicked = agraph(nodes=nodes, edges=edges, config=config)
    return str(clicked) if clicked else None


def pick_entity(drawn: DrawnGraph, clicked: str | None) -> EntityView | None:
    """The entity to detail: a new click on the graph, else the selectbox (which search narrows)."""
    by_id = {str(e.id): e for e in drawn.nodes}
    if clicked and clicked != st.session_state.get(CLICK_KEY) and clicked in by_id:
        st.session_state[CLICK_KEY] = clicked
        st.session_state[ENTITY_KEY] = clicked
    options = sorted(by_id, key=lambda i: by_id[i].name.lower())
    if st.session_state.get(ENTITY_KEY) not in options:
        st.session_state[ENTITY_KEY] = options[0] if len(options) == 1 else None
    choice = st.selectbox("Entity", [None, *options], key=ENTITY_KEY, placeholder="click a node or pick one",
                          format_func=lambda i: "—" if i is None else f"{by_id[i].name} ({by_id[i].type})")
    return by_id.get(choice) if choice else None


def entity_details(snap: GraphSnapshot, entity: EntityView) -> None:
    st.markdown(f"### {literal(entity.name)}")
    st.caption(f"{entity.type} · {entity.mentions} mention{'s' if entity.mentions != 1 else ''} "
               f"in {len(entity.files)} file{'s' if len(entity.files) != 1 else ''}")
    if entity.aliases:
        st.markdown("**Also written as** " + ", ".join(f"`{a}`" for a in entity.aliases))
    rels = neighbours(snap, entity.name)
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
