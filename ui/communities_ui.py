"""The communities page's parts: the hierarchy as cards, and one community's members and source files."""

from __future__ import annotations

from collections import Counter

import streamlit as st

from drive.store.graph_view import CommunityView, EntityView, GraphSnapshot, snapshot
from ui import resources
from ui.format import literal, safe_markdown

SELECTED_KEY = "comm_selected"
TOP = 5




def load() -> GraphSnapshot:
    """Entities and communities (members with their files): no relation evidence, the page draws none."""
    return snapshot(resources.drive().db, resources.owner(), with_relationships=False)


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
    """Open a community; opening the open one closes it."""
    current = st.session_state.get(SELECTED_KEY)
    st.session_state[SELECTED_KEY] = None if current == community_id else community_id


def open_path(snap: GraphSnapshot) -> set[str]:
    """The open community and every community above it: their cards are drawn opened."""
    chosen = next((c for c in snap.communities if c.id == st.session_state.get(SELECTED_KEY)), None)
    if chosen is None:
        return set()
    return {chosen.id, *(a.id for a in ancestors(snap, chosen))}


def overview(snap: GraphSnapshot) -> None:
    """Every top-level community as a card: title, size, top entities, summary, and a way in. An opened
    card unfolds in place, right under its title, where the person who clicked it is looking."""
    tops = sorted((c for c in snap.communities if c.level == 0), key=lambda c: (-len(c.entities), c.title))
    path = open_path(snap)
    for c in tops:
        card(snap, c, path)


def card(snap: GraphSnapshot, c: CommunityView, path: set[str]) -> None:
    opened = c.id in path
    with st.container(border=True):
        head, button = st.columns([4, 1], vertical_alignment="center")
        head.markdown(f"**{literal(title_of(c))}**  \n:gray[{len(c.entities)} entities · level {c.level}]")
        button.button("Close" if opened else "Open", key=f"comm_open_{c.id}", on_click=_open, args=(c.id,),
                      type="primary" if opened else "secondary")
        if opened:
            detail(snap, c, path)
            return
        top = members(snap, c)[:TOP]
        if top:
            st.markdown(" ".join(f":blue-badge[{literal(e.name)}]" for e in top))
        if c.summary:
            st.caption(safe_markdown(lead(c.summary)))


def detail(snap: GraphSnapshot, c: CommunityView, path: set[str]) -> None:
    """A community in full, inside its card: summary, sub-communities (opening in place too), members
    and source files."""
    if c.summary:
        st.markdown(safe_markdown(c.summary))
    subs = children(snap, c.id)
    if subs:
        st.markdown("**Sub-communities**")
        for sub in subs:
            card(snap, sub, path)
    ents = members(snap, c)
    st.markdown("**Members**")
    st.dataframe([{"entity": e.name, "type": e.type, "mentions": e.mentions, "files": ", ".join(e.files)}
                  for e in ents], hide_index=True, width="stretch")
    st.markdown("**Source files**")
    for name, n in source_files(ents):
        st.markdown(f"- {literal(name)} :gray[— mentions {n} of these entities]")
