"""Communities: groups of entities that belong together, from the broad themes down to their parts."""

import streamlit as st

from ui import communities_ui, graph_ui

st.title("Communities")
snap = graph_ui.load()
if not snap.communities:
    st.info("No communities yet: they are found once your processed files mention related people, "
            "organisations or places.", icon=":material/workspaces:")
    st.stop()
levels = sorted({c.level for c in snap.communities})
st.caption(f"{len(snap.communities)} communities on {len(levels)} level{'s' if len(levels) != 1 else ''}, "
           f"over {len(snap.entities)} entities.")
chosen = st.session_state.get(communities_ui.SELECTED_KEY)
if chosen is None:
    communities_ui.overview(snap)
else:
    left, right = st.columns([2, 3])
    with left:
        communities_ui.overview(snap)
    with right:
        communities_ui.detail(snap, chosen)
