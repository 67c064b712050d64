"""Getting a file out of the drive from the browser.

Served by ``web.py``, every download and preview is a short-lived link signed for this user and this
file (``ui.web``'s ``/download/<token>``; with accounts on it also needs the signed-in browser's cookie),
so a copied link fails for anyone else and after expiry, and no file byte passes through Streamlit's
public media store. Run as plain ``streamlit run app.py`` (accounts off only), it falls back to a
download button that reads the file when clicked.
"""

from __future__ import annotations

import uuid
from functools import partial
from urllib.parse import urlsplit

import streamlit as st

from drive.errors import NotFound
from drive.service import DriveService
from drive.store import sessions
from ui import web

LINK_SECONDS = 15 * 60  # a page left open longer shows links that say so; a rerun makes fresh ones


def file_url(svc: DriveService, item_id: uuid.UUID, *, inline: bool = False, absolute: bool = False) -> str | None:
    """A private link to the file, or None when the app runs without its routes. ``inline``: shown in the
    browser when its type is safe to (a preview); ``absolute``: with the page's scheme and host, which
    ``st.image`` needs (it reads any other string as a local file path)."""
    if not web.served():
        return None
    key = sessions.signing_key(svc.db)
    path = web.DOWNLOAD_ROUTE + sessions.sign_download(key, svc.owner, item_id, LINK_SECONDS, inline=inline)
    page = st.context.url if absolute else None
    if page:
        parts = urlsplit(page)
        return f"{parts.scheme}://{parts.netloc}{path}"
    return path


def file_link(svc: DriveService, item_id: uuid.UUID, name: str, key: str, label: str | None = None) -> None:
    """A download link for the file (private, short-lived), else a download button read only when clicked."""
    try:
        svc.get(item_id)
    except NotFound:
        st.caption("This file is no longer in your drive.")
        return
    url = file_url(svc, item_id)
    if url:
        st.link_button(label or f"Download {name}", url, icon=":material/download:")
    else:
        st.download_button(label or f"Download {name}", data=partial(file_bytes, svc, item_id), file_name=name,
                           key=f"dl_{key}", icon=":material/download:", on_click="ignore")


def file_bytes(svc: DriveService, item_id: uuid.UUID) -> bytes:
    """The whole file; Streamlit serves a download from memory, so this runs only on the click."""
    _, pieces = svc.open(item_id)
    return b"".join(pieces)
