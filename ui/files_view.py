"""The Files page's parts: header with storage used, breadcrumbs, the listing, and the selected item's actions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import streamlit as st

from drive.errors import DriveError, NotFound
from drive.records import ItemInfo, ItemKind, Status
from drive.service import DriveService
from ui import sidebar
from ui.downloads import file_link
from ui.folders import breadcrumbs, move_targets, open_folder
from ui.format import ago, human_size, item_icon, status_badge

SELECTED_KEY = "files_selected"
CONFIRM_KEY = "files_confirm_delete"
FLASH_KEY = "files_flash"
MAX_ROWS = 300
PREVIEW_CHARS = 20_000


def header(svc: DriveService) -> None:
    st.title("Files")
    n = svc.counts()
    st.caption(f"{human_size(svc.storage_used())} used · {n.files} files · {n.ready} ready"
               + (f" · {n.busy} processing" if n.busy else "") + (f" · {n.failed} failed" if n.failed else ""))
    if n.failed and st.button(f"Retry {n.failed} failed file{'s' if n.failed != 1 else ''}",
                              icon=":material/refresh:", key="files_retry_all"):
        _act(lambda: f"{svc.reprocess_failed()} file(s) queued again")
    _flash()


def _flash() -> None:
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash is None:
        return
    ok, message = flash
    if ok:
        st.toast(message, icon=":material/check:")
    else:
        st.error(message)


def _act(action: Callable[[], str]) -> None:
    """Run a change, remember its outcome for the next run, and rerun."""
    try:
        st.session_state[FLASH_KEY] = (True, action())
    except DriveError as exc:
        st.session_state[FLASH_KEY] = (False, str(exc))
    st.rerun()


def toolbar(svc: DriveService, folder: ItemInfo | None) -> None:
    """Breadcrumbs on the left, "New folder" on the right."""
    crumbs, new = st.columns([4, 1], vertical_alignment="center")
    with crumbs, st.container(horizontal=True, vertical_alignment="center", gap=None):
        st.button("My drive", icon=":material/home:", type="tertiary", key="files_crumb_root",
                  on_click=_go, args=(None,))
        for node in breadcrumbs(svc, folder):
            st.markdown("›")
            st.button(node.name, type="tertiary", key=f"files_crumb_{node.id}", on_click=_go, args=(node.id,))
    with new.popover("New folder", icon=":material/create_new_folder:", width="stretch"), \
            st.form("files_new_folder", clear_on_submit=True, border=False):
        name = st.text_input("Folder name", key="files_new_folder_name")
        if st.form_submit_button("Create", type="primary"):
            parent = folder.id if folder else None
            _act(lambda: f"Created {svc.mkdir(name, parent).name}")


def _go(folder: uuid.UUID | None) -> None:
    open_folder(folder)
    st.session_state.pop(SELECTED_KEY, None)
    st.session_state.pop(CONFIRM_KEY, None)


def _select(item_id: uuid.UUID) -> None:
    current = st.session_state.get(SELECTED_KEY)
    st.session_state[SELECTED_KEY] = None if current == item_id else item_id
    st.session_state.pop(CONFIRM_KEY, None)


def selected(svc: DriveService) -> ItemInfo | None:
    item_id = st.session_state.get(SELECTED_KEY)
    if not isinstance(item_id, uuid.UUID):
        return None
    try:
        return svc.get(item_id)
    except NotFound:
        st.session_state.pop(SELECTED_KEY, None)
        return None


def listing(items: list[ItemInfo], chosen: ItemInfo | None) -> None:
    if not items:
        st.info("This folder is empty. Add files with the uploader in the sidebar.", icon=":material/folder_open:")
        return
    for item in items[:MAX_ROWS]:
        _row(item, chosen is not None and chosen.id == item.id)
    if len(items) > MAX_ROWS:
        st.caption(f"Showing the first {MAX_ROWS} of {len(items)} items.")


def _row(item: ItemInfo, is_selected: bool) -> None:
    name_col, status_col, size_col, when_col, more_col = st.columns([6, 2, 1.5, 1.5, 0.7], vertical_alignment="center")
    is_folder = item.kind == ItemKind.FOLDER
    name_col.button(item.name, icon=item_icon(item), type="primary" if is_selected else "tertiary",
                    key=f"files_name_{item.id}", on_click=_go if is_folder else _select, args=(item.id,))
    status_col.markdown(status_badge(item.status))
    size_col.caption("" if is_folder else human_size(item.size))
    when_col.caption(ago(item.updated_at))
    more_col.button("", icon=":material/more_horiz:", key=f"files_more_{item.id}", help="Details and actions",
                    on_click=_select, args=(item.id,))
    if item.status == Status.FAILED and item.error:
        name_col.caption(f":red[{item.error}]")


def details(svc: DriveService, item: ItemInfo) -> None:
    """What can be done with the selected item."""
    with st.container(border=True):
        st.markdown(f"### {item_icon(item)} {item.name}")
        st.caption(item.path)
        if item.kind == ItemKind.FILE:
            st.markdown(f"{status_badge(item.status)} {human_size(item.size)} · {item.mime or 'unknown type'}")
            if item.error:
                st.error(item.error, icon=":material/error:")
            _document_facts(item)
        with st.container(horizontal=True):
            if item.kind == ItemKind.FILE:
                file_link(svc, item.id, item.name, key=f"files_{item.id}", label="Download")
                if st.button("Reprocess", icon=":material/refresh:", key="files_reprocess",
                             help="Extract, index and link this file again"):
                    _reprocess(svc, item)
            if st.button("Delete", icon=":material/delete:", key="files_delete"):
                st.session_state[CONFIRM_KEY] = item.id
        if st.session_state.get(CONFIRM_KEY) == item.id:
            _confirm_delete(svc, item)
        _rename(svc, item)
        _move(svc, item)
        if item.kind == ItemKind.FILE:
            _preview(svc, item)


def _document_facts(item: ItemInfo) -> None:
    """Title, author, date and period the document states, and pages that could not be read.
    Shown with st.text: they come from the document, so they are never rendered as Markdown."""
    facts = [(label, value) for label, value in (("Title", item.title), ("Author", item.author),
                                                 ("Date", item.doc_date), ("Period", item.period)) if value]
    if facts:
        st.text("\n".join(f"{label}: {value}" for label, value in facts))
    if item.unreadable_pages:
        pages = ", ".join(str(p) for p in item.unreadable_pages)
        st.warning(f"Pages that could not be read (the rest is searchable): {pages}", icon=":material/warning:")


def _reprocess(svc: DriveService, item: ItemInfo) -> None:
    def run() -> str:
        svc.reprocess(item.id)
        sidebar.watch(item.id)
        return f"{item.name} queued for processing"

    _act(run)


def _confirm_delete(svc: DriveService, item: ItemInfo) -> None:
    what = "this folder and everything in it" if item.kind == ItemKind.FOLDER else "this file"
    st.warning(f"Delete {what}? This cannot be undone.", icon=":material/warning:")
    yes, no = st.columns(2)
    if yes.button("Yes, delete", type="primary", key="files_delete_yes", width="stretch"):
        st.session_state.pop(SELECTED_KEY, None)
        st.session_state.pop(CONFIRM_KEY, None)
        _act(lambda: f"Deleted {item.name} ({svc.delete(item.id)} item(s))")
    if no.button("Cancel", key="files_delete_no", width="stretch"):
        st.session_state.pop(CONFIRM_KEY, None)
        st.rerun()


def _rename(svc: DriveService, item: ItemInfo) -> None:
    with st.expander("Rename", icon=":material/edit:"), st.form(f"files_rename_{item.id}", border=False):
        name = st.text_input("New name", value=item.name, key=f"files_rename_name_{item.id}")
        if st.form_submit_button("Rename"):
            _act(lambda: f"Renamed to {svc.rename(item.id, name).name}")


def _move(svc: DriveService, item: ItemInfo) -> None:
    with st.expander("Move", icon=":material/drive_file_move:"):
        targets = move_targets(svc, item)
        target: Any = st.selectbox("Move to", targets, format_func=lambda t: "My drive (top)" if t is None else t.path,
                                   key=f"files_move_to_{item.id}")
        if st.button("Move", key=f"files_move_{item.id}", disabled=not targets):
            dest = target.id if target is not None else None
            _act(lambda: f"Moved to {svc.move(item.id, dest).path}")


def _preview(svc: DriveService, item: ItemInfo) -> None:
    with st.expander("Text preview", icon=":material/article:", expanded=item.status == Status.READY):
        body = svc.text_of(item.id) if item.status == Status.READY else None
        if body is None:
            st.caption("The text appears here once the file is processed.")
        elif not body.strip():
            st.caption("No text was found in this file.")
        else:
            more = len(body) > PREVIEW_CHARS
            st.code(body[:PREVIEW_CHARS] + ("\n…" if more else ""), language=None, wrap_lines=True, height=360)
