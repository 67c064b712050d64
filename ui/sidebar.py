"""The sidebar on every page: upload several files at once, then their live processing status."""

from __future__ import annotations

import uuid

import streamlit as st

from drive.errors import NotFound
from drive.records import ItemInfo
from ui import resources
from ui.format import DONE, human_size, literal, status_badge
from ui.uploads import MIB, upload_all, widget_limit_mb

WATCH_KEY = "upload_watch"  # ids of files uploaded (or reprocessed) in this browser session
NOTICE_KEY = "upload_notice"  # (added names, [(name, error)]) of the last upload
NONCE_KEY = "upload_nonce"  # bumped to reset the uploader after its files are stored
ACTIVE_KEY = "upload_active"
REFRESH_SECONDS = 2
SHOWN = 12


def watch(item_id: uuid.UUID) -> None:
    """Follow a file's status in the sidebar (after an upload or a reprocess)."""
    ids: list[uuid.UUID] = st.session_state.setdefault(WATCH_KEY, [])
    if item_id in ids:
        ids.remove(item_id)
    ids.insert(0, item_id)


def render(folder: uuid.UUID | None = None, folder_label: str | None = None) -> None:
    """Draw the upload box and the status list; files go into ``folder`` (the root when None)."""
    with st.sidebar:
        st.subheader("Add files")
        if folder_label:
            st.caption(f"Uploading into **{folder_label}**")
        _uploader(folder)
        _notice()
        statuses = _watched()
        active = any(i.status not in DONE for i in statuses)
        st.session_state[ACTIVE_KEY] = active
        # Refresh on a timer only while something is still processing.
        st.fragment(run_every=REFRESH_SECONDS if active else None)(_status_panel)()


def _uploader(folder: uuid.UUID | None) -> None:
    settings = resources.settings()
    nonce = st.session_state.setdefault(NONCE_KEY, 0)
    limit_mb = widget_limit_mb(settings.max_upload_bytes, st.get_option("server.maxUploadSize"))
    files = st.file_uploader(
        "Add files",
        accept_multiple_files=True,
        key=f"upload_files_{nonce}",
        max_upload_size=limit_mb,
        label_visibility="collapsed",
    )
    limit = min(settings.max_upload_bytes, limit_mb * MIB)
    st.caption(f"PDF, Word, PowerPoint, Excel, text, HTML, images… up to {human_size(limit)} each.")
    if not files:
        return
    bar = st.progress(0.0, text="Uploading…")

    def progress(i: int, name: str) -> None:
        bar.progress(i / len(files), text=f"Uploading {name} ({i + 1}/{len(files)})")

    report = upload_all(resources.service(), files, folder, progress)
    bar.progress(1.0, text="Uploaded")
    for info in reversed(report.added):
        watch(info.id)
    st.session_state[NOTICE_KEY] = ([i.name for i in report.added], report.errors)
    st.session_state[NONCE_KEY] = nonce + 1  # a fresh, empty uploader on the next run
    st.rerun()


def _notice() -> None:
    notice = st.session_state.get(NOTICE_KEY)
    if not notice:
        return
    added, errors = notice
    if added:
        st.success(f"Added {len(added)} file{'s' if len(added) != 1 else ''}: processing starts now.")
    for name, reason in errors:
        st.error(f"**{name}** was not added: {reason}")
    if st.button("Dismiss", key="upload_dismiss", type="tertiary"):
        st.session_state.pop(NOTICE_KEY, None)
        st.rerun()


def _watched() -> list[ItemInfo]:
    ids: list[uuid.UUID] = st.session_state.get(WATCH_KEY, [])
    svc = resources.service()
    infos = []
    for item_id in list(ids[:SHOWN]):
        try:
            infos.append(svc.get(item_id))
        except NotFound:  # deleted meanwhile
            ids.remove(item_id)
    return infos


def _status_panel() -> None:
    infos = _watched()
    if not infos:
        return
    st.caption("Processing status")
    for info in infos:
        st.markdown(f"{status_badge(info.status)} {literal(info.name)}")
        if info.error:
            st.caption(f":red[{literal(info.error)}]")
    active = any(i.status not in DONE for i in infos)
    if st.session_state.get(ACTIVE_KEY) and not active:
        st.session_state[ACTIVE_KEY] = False
        st.rerun()  # everything finished: refresh the whole page (lists, suggestions) and stop polling
    if not active and st.button("Clear list", key="upload_clear", type="tertiary"):
        st.session_state[WATCH_KEY] = []
        st.rerun()
