"""Entity graph: people, organisations, places… found in your files, coloured by community."""

import streamlit as st

from ui import graph_ui
from ui.format import literal
from ui.graph_model import MAX_NODES, SHOWN_NODES

st.title("Entity graph")
overview = graph_ui.load()
graph_ui.waiting_note(graph_ui.waiting())
if not overview.total:
    st.info("No entities yet: they appear as your files are processed.", icon=":material/hub:")
    st.stop()
filters = graph_ui.filters_bar(overview)
top_n = st.slider("Entities shown", 10, MAX_NODES, SHOWN_NODES, step=10, key="graph_top_n",
                  help="The most important first: mentioned in several files, well connected, not boilerplate.")
listed = graph_ui.select(filters, top_n)
focus = graph_ui.chosen(listed)
drawn = graph_ui.around(focus, top_n) if focus is not None else listed
if focus is not None:
    st.caption(f"The neighbourhood of **{literal(focus.name)}**: {len(drawn.nodes) - 1} connected entities and "
               f"{len(drawn.edges)} relationships (hover a line for the files that tie them). "
               "Clear the entity on the right to see the whole graph.")
else:
    st.caption(f"Showing the {len(drawn.nodes)} most important of {drawn.matched} matching entities "
               f"({overview.total} in all) and {len(drawn.edges)} relationships.")
graph_ui.legend(drawn)
graph_col, detail_col = st.columns([3, 2])
with graph_col:
    clicked = graph_ui.draw(drawn, focus) if drawn.nodes else None
    graph_ui.follow_click(drawn, clicked)
with detail_col:
    entity = graph_ui.pick_entity(listed, drawn)
    if entity is not None:
        graph_ui.entity_details(entity)
