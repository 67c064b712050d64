"""The communities page's parts: the hierarchy as cards, and one community's members and source files."""

from __future__ import annotations

from collections import Counter

import streamlit as st

from drive.store.graph_view import CommunityView, EntityView, GraphSnapshot
from ui.format import safe_markdown

SELECTED_KEY = "comm_selected"
TOP = 5


# ---------------------------------------------------------------- pure helpers


def members(snap: GraphSnapshot, community: CommunityView) -> list[EntityView]:
    """The community's entities, most mentioned first."""
    names = set(community.entities)
    return sorted((e for e in snap.entities if e.name in names), key=lambda e: (-e.mentions, e.name))


def children(snap: GraphSnapshot, community_id: str) -> list[CommunityView]:
    return sorted((c for c in snap.communities if c.parent == community_id), key=lambda c: (-len(c.entities), c.title))


def ancestors(snap: GraphSnapshot, community: CommunityView) -> list[CommunityView]:
    """From the top-level community down to (not including) this one."""
    by_id = {c.id: c for c in snap.communities}
    trail: list[CommunityView] = []
    parent = community.parent
    while parent is not None and parent in by_id and len(trail) < 50:
        trail.insert(0, by_id[parent])
        parent = by_id[parent].parent
    return trail


def source_files(entities: list[EntityView]) -> list[tuple[str, int]]:
    """Files the entities come from, with how many of the entities each file mentions."""
    counts = Counter(f for e in entities for f in e.files)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def lead(summary: str, limit: int = 240) -> str:
    """The summary's first paragraph, clipped: what a card has room for."""
    first = summary.strip().split("\n\n", 1)[0].strip()
    return first if len(first) <= limit else first[:limit].rsplit(" ", 1)[0] + " …"


def title_of(c: CommunityView) -> str:
    return c.title or f"Community {c.id[:6]}"


# ---------------------------------------------------------------- views


def _open(community_id: str) -> None:
    st.session_state[SELECTED_KEY] = community_id


def overview(snap: GraphSnapshot) -> None:
    """Every top-level community as a card: title, size, top entities, summary, and a way in."""
    tops = sorted((c for c in snap.communities if c.level == 0), key=lambda c: (-len(c.entities), c.title))
    for c in tops:
        card(snap, c)


def card(snap: GraphSnapshot, c: CommunityView) -> None:
    with st.container(border=True):
        head, button = st.columns([4, 1], vertical_alignment="center")
        head.markdown(f"**{title_of(c)}**  \n:gray[{len(c.entities)} entities · level {c.level}]")
        button.button("Open", key=f"comm_open_{c.id}", on_click=_open, args=(c.id,),
                      type="primary" if st.session_state.get(SELECTED_KEY) == c.id else "secondary")
        top = members(snap, c)[:TOP]
        if top:
            st.markdown(" ".join(f":blue-badge[{e.name}]" for e in top))
        if c.summary:
            st.caption(lead(c.summary))


def detail(snap: GraphSnapshot, community_id: str) -> None:
    """A community in full: its place in the hierarchy, summary, sub-communities, members and sources."""
    c = next((x for x in snap.communities if x.id == community_id), None)
    if c is None:
        st.session_state.pop(SELECTED_KEY, None)
        return
    trail = ancestors(snap, c)
    with st.container(horizontal=True, vertical_alignment="center", gap=None):
        for parent in trail:
            st.button(title_of(parent), key=f"comm_crumb_{parent.id}", type="tertiary",
                      on_click=_open, args=(parent.id,))
            st.markdown("›")
    st.subheader(title_of(c))
    st.caption(f"Level {c.level} · {len(c.entities)} entities")
    if c.summary:
        st.markdown(safe_markdown(c.summary))
    subs = children(snap, c.id)
    if subs:
        st.markdown("**Sub-communities**")
        for sub in subs:
            card(snap, sub)
    ents = members(snap, c)
    st.markdown("**Members**")
    st.dataframe([{"entity": e.name, "type": e.type, "mentions": e.mentions, "files": ", ".join(e.files)}
                  for e in ents], hide_index=True, width="stretch")
    st.markdown("**Source files**")
    for name, n in source_files(ents):
        st.markdown(f"- {name} :gray[— mentions {n} of these entities]")
