"""Who is using the app: the drive's single local user, or (accounts on) a signed-in account.

Passwords are checked by ``drive.store.users`` (argon2). The signed-in id lives in ``st.session_state``,
so every browser session sees only its own user's drive.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import streamlit as st

from drive.errors import DriveError
from drive.store.db import Database
from drive.store.users import sign_in, sign_up
from ui import resources
from ui.resources import OWNER_KEY, USER_NAME_KEY

# Per-user state dropped on sign-out so the next user starts clean.
USER_STATE_PREFIXES = ("chat_", "upload_", "files_", "graph_", "comm_", "tokens_")


def require_user() -> uuid.UUID:
    """The current user's id; with accounts on and nobody signed in, show the sign-in form and stop."""
    current = st.session_state.get(OWNER_KEY)
    if isinstance(current, uuid.UUID):
        return current
    settings = resources.settings()
    if not settings.accounts:
        return _remember(resources.drive().user_id(), settings.user)
    _account_forms()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def _remember(user_id: uuid.UUID, name: str) -> uuid.UUID:
    st.session_state[OWNER_KEY] = user_id
    st.session_state[USER_NAME_KEY] = name
    return user_id


def _account_forms() -> None:
    st.title("TheDrive")
    st.caption("Sign in to chat with your files.")
    sign_in_tab, sign_up_tab = st.tabs(["Sign in", "Create an account"])
    with sign_in_tab, st.form("sign_in"):
        name = st.text_input("User name", key="auth_in_name")
        password = st.text_input("Password", type="password", key="auth_in_password")
        if st.form_submit_button("Sign in", type="primary"):
            _attempt(sign_in, name, password)
    with sign_up_tab, st.form("sign_up"):
        name = st.text_input("User name", key="auth_up_name", help="Letters, digits, '.', '_' or '-'.")
        password = st.text_input("Password", type="password", key="auth_up_password", help="At least 8 characters.")
        if st.form_submit_button("Create account", type="primary"):
            _attempt(sign_up, name, password)


def _attempt(action: Callable[[Database, str, str], uuid.UUID], name: str, password: str) -> None:
    try:
        user_id = action(resources.drive().db, name.strip(), password)
    except DriveError as exc:
        st.error(str(exc))
        return
    _remember(user_id, name.strip())
    st.rerun()


def sign_out_button() -> None:
    """In the sidebar when accounts are on: who is signed in, a way out, and their API tokens."""
    if not resources.settings().accounts:
        return
    st.caption(f"Signed in as **{st.session_state.get(USER_NAME_KEY, '?')}**")
    if st.button("Sign out", key="auth_sign_out"):
        for key in list(st.session_state.keys()):
            if key in (OWNER_KEY, USER_NAME_KEY) or str(key).startswith(USER_STATE_PREFIXES):
                del st.session_state[key]
        st.rerun()
    from ui.tokens import api_tokens_box

    owner = st.session_state.get(OWNER_KEY)
    if isinstance(owner, uuid.UUID):
        api_tokens_box(owner)
