"""Getting a file out of the drive from the browser: a presigned link (S3) or a deferred download."""

from __future__ import annotations

import uuid
from functools import partial

import streamlit as st

from drive.errors import NotFound
from drive.service import DriveService


def file_link(svc: DriveService, item_id: uuid.UUID, name: str, key: str, label: str | None = None) -> None:
    """An "Open" link when the store can presign one, else a download button that reads the file only when clicked."""
    try:
        url = svc.presigned_url(item_id)
    except NotFound:
        st.caption("This file is no longer in your drive.")
        return
    if url:
        st.link_button(label or f"Open {name}", url, icon=":material/open_in_new:")
    else:
        st.download_button(label or f"Download {name}", data=partial(file_bytes, svc, item_id), file_name=name,
                           key=f"dl_{key}", icon=":material/download:", on_click="ignore")


def file_bytes(svc: DriveService, item_id: uuid.UUID) -> bytes:
    """The whole file; Streamlit serves a download from memory, so this runs only on the click."""
    _, pieces = svc.open(item_id)
    return b"".join(pieces)
