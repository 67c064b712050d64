"""Entity graph: people, organisations, places… found in your files, coloured by community."""

import streamlit as st

from ui import graph_ui
from ui.graph_model import select_graph

st.title("Entity graph")
snap = graph_ui.load()
graph_ui.waiting_note(graph_ui.waiting())
if not snap.entities:
    st.info("No entities yet: they appear as your files are processed.", icon=":material/hub:")
    st.stop()
filters = graph_ui.filters_bar(snap)
drawn = select_graph(snap, filters)
st.caption(f"Showing {len(drawn.nodes)} of {drawn.matched} matching entities "
           f"({len(snap.entities)} in all) and {len(drawn.edges)} relationships. Colours mark communities.")
graph_col, detail_col = st.columns([3, 2])
with graph_col:
    clicked = graph_ui.draw(snap, drawn) if drawn.nodes else None
with detail_col:
    entity = graph_ui.pick_entity(drawn, clicked)
    if entity is not None:
        graph_ui.entity_details(snap, entity)
