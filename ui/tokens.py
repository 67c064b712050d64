"""The signed-in user's API tokens (accounts on): create one (shown once, in this run only), list, revoke."""

from __future__ import annotations

import uuid

import streamlit as st

from drive.store import tokens
from ui import resources


def api_tokens_box(owner: uuid.UUID) -> None:
    """An expander in the sidebar; every token it lists or revokes is the owner's own."""
    db = resources.drive().db
    with st.expander("API tokens"):
        st.caption("For scripts and other apps using the HTTP API (`python -m drive serve`).")
        label = st.text_input("Label", key="tokens_label", placeholder="e.g. laptop sync")
        if st.button("Create token", key="tokens_create"):
            _, token = tokens.create(db, owner, label)
            st.success("Copy it now: it is shown only once.")
            st.code(token, language=None)
        for t in tokens.list_tokens(db, owner):
            if t.revoked_at is not None:
                continue
            left, right = st.columns([3, 1])
            used = f"used {t.last_used_at:%Y-%m-%d}" if t.last_used_at else "never used"
            left.caption(f"`{t.prefix}…` {t.label or ''} ({used})")
            if right.button("Revoke", key=f"tokens_revoke_{t.id}"):
                tokens.revoke(db, t.id, owner=owner)
                st.rerun()
