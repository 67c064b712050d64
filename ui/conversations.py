"""Which conversation the chat page shows: kept in the URL (``?chat=<id>``) so a reload, back/forward or a
shared link reopens it, plus the list of past conversations (open, rename, delete).

The id in the URL is only ever looked up among the signed-in user's conversations: another user's id
behaves exactly like a deleted one.
"""

from __future__ import annotations

import contextlib
import uuid

import streamlit as st

from drive.errors import DriveError, NotFound
from drive.store import chats as sessions
from ui import resources
from ui.format import ago, literal

PARAM = "chat"
LAST_KEY = "chat_session"  # the conversation open in this browser tab, for a return from another page
PAGE_KEY = "page_shown"  # the page of this run and of the run before it (``note_page``)
BEFORE_KEY = "page_before"
RENAMING_KEY = "chat_renaming"
# + a counter: the popover's key, renewed (a new popover, closed) once a conversation is opened from it. Its
# open state is the browser's alone (on_change="ignore"): a tracked state made opening it a rerun, and a run
# already under way (the sidebar's status refresh, a stopped answer) could close it again before a click landed.
PAST_KEY = "chat_past_n"
SHOWN = 50


def note_page(url_path: str) -> None:
    """Called by ``app.py`` on every full run: which page this run shows, and which the run before showed."""
    st.session_state[BEFORE_KEY] = st.session_state.get(PAGE_KEY)
    st.session_state[PAGE_KEY] = url_path


def _from_another_page() -> bool:
    return st.session_state.get(BEFORE_KEY) != st.session_state.get(PAGE_KEY)


def current() -> uuid.UUID | None:
    """The conversation in the URL; failing that, when coming back from another page (whose link carries no
    ``?chat=``), the one last open in this tab, put back in the URL. On the chat page itself a URL without a
    conversation is a new chat: that is where "back" from the first answer of a new chat leads."""
    raw = st.query_params.get(PARAM)
    if raw is not None:
        try:
            return uuid.UUID(raw)
        except ValueError:  # a mangled link: the same answer as a deleted conversation
            missing_notice()
            return None
    last = st.session_state.get(LAST_KEY)
    if isinstance(last, uuid.UUID) and _from_another_page():
        st.query_params[PARAM] = str(last)
        return last
    return None


def open_(sid: uuid.UUID) -> None:
    st.session_state[LAST_KEY] = sid
    st.query_params[PARAM] = str(sid)


def close() -> None:
    """Back to a new, empty conversation."""
    st.session_state.pop(LAST_KEY, None)
    st.query_params.pop(PARAM, None)


def missing_notice() -> None:
    """The URL named a conversation this user does not have (deleted, mistyped, or someone else's)."""
    close()
    st.info("That conversation is not in your drive: it was deleted, or the link belongs to someone else. "
            "Ask a question to start a new one.", icon=":material/link_off:")


def new_chat_button(container: st.delta_generator.DeltaGenerator) -> None:
    if container.button("New chat", icon=":material/add:", key="chat_new", width="stretch"):
        close()
        st.rerun()


def past_popover(container: st.delta_generator.DeltaGenerator) -> None:
    """The user's conversations, newest first: open, rename in place, delete."""
    past = sessions.list_sessions(resources.drive().db, resources.owner())
    key = f"{PAST_KEY}_{st.session_state.get(PAST_KEY, 0)}"
    with container.popover(f"Past conversations ({len(past)})", icon=":material/history:", width="stretch",
                           key=key, on_change="ignore"):
        if not past:
            st.caption("No conversations yet.")
        for info in past[:SHOWN]:
            if st.session_state.get(RENAMING_KEY) == info.id:
                _rename_row(info)
            else:
                _row(info)
        if len(past) > SHOWN:
            st.caption(f"{len(past) - SHOWN} older conversations are not listed.")


def _row(info: sessions.SessionInfo) -> None:
    title_col, edit_col, del_col = st.columns([6, 1, 1], vertical_alignment="center")
    here = info.id == current()
    # A button label is Markdown: a title typed by a person (or taken from a question) is shown literally.
    label = ("▸ " if here else "") + literal(info.title)
    if title_col.button(label, key=f"chat_open_{info.id}", help=ago(info.updated_at), type="tertiary"):
        open_(info.id)
        st.session_state[PAST_KEY] = st.session_state.get(PAST_KEY, 0) + 1  # the list closes on the opened one
        st.rerun()
    if edit_col.button("", icon=":material/edit:", key=f"chat_rename_{info.id}", help="Rename"):
        st.session_state[RENAMING_KEY] = info.id
        st.rerun()
    if del_col.button("", icon=":material/delete:", key=f"chat_del_{info.id}", help="Delete this conversation"):
        with contextlib.suppress(NotFound):  # deleted in another tab meanwhile
            sessions.delete_session(resources.drive().db, resources.owner(), info.id)
        if here:
            close()
        st.rerun()


def _rename_row(info: sessions.SessionInfo) -> None:
    title = st.text_input("New title", value=info.title, key=f"chat_title_{info.id}", max_chars=120)
    save_col, cancel_col = st.columns(2)
    if cancel_col.button("Cancel", key=f"chat_cancel_{info.id}", width="stretch"):
        st.session_state.pop(RENAMING_KEY, None)
        st.rerun()
    if save_col.button("Save", key=f"chat_save_{info.id}", type="primary", width="stretch"):
        try:
            sessions.rename_session(resources.drive().db, resources.owner(), info.id, title)
        except DriveError as exc:
            st.error(str(exc))
            return
        st.session_state.pop(RENAMING_KEY, None)
        st.rerun()

