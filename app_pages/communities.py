"""Communities: groups of entities that belong together, from the broad themes down to their parts."""

import streamlit as st

from ui import communities_ui

st.title("Communities")
snap = communities_ui.load()
if not snap.communities:
    st.info("No communities yet: they are found once your processed files mention related people, "
            "organisations or places.", icon=":material/workspaces:")
    st.stop()
levels = sorted({c.level for c in snap.communities})
st.caption(f"{len(snap.communities)} communities on {len(levels)} level{'s' if len(levels) != 1 else ''}, "
           f"over {len(snap.entities)} entities.")
communities_ui.overview(snap)  # an opened community unfolds inside its own card
