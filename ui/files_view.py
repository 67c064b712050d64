"""The Files page's parts: header with storage used, breadcrumbs, the listing, and the selected item's actions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import streamlit as st

from drive.errors import DriveError, NotFound
from drive.records import ItemInfo, ItemKind, Status
from drive.service import DriveService
from ui import progress, sidebar, source_view
from ui.downloads import file_link
from ui.folders import breadcrumbs, move_targets, open_folder
from ui.format import ago, human_size, item_icon, literal, status_badge

SELECTED_KEY = "files_selected"
CONFIRM_KEY = "files_confirm_delete"
FLASH_KEY = "files_flash"
SORT_KEY = "files_sort"  # (column, descending)
BULK_CONFIRM_KEY = "files_bulk_confirm"
NEW_FOLDER_KEY = "files_new_folder_n"  # + a counter: the popover's key
COLUMNS = [0.5, 6, 2, 1.5, 1.5, 0.7]
MAX_ROWS = 300
TABLE_KEY = "files_table"
# At phone width a row keeps one line (columns with wrap=False): tick, name, status and menu in fixed widths
# that line up from row to row, size and date hidden; Streamlit's own minimum would scroll the row sideways.
_CELL = f'.st-key-{TABLE_KEY} [data-testid="stHorizontalBlock"] > [data-testid="stColumn"]'
_PHONE_WIDTHS = {1: "1.75rem", 3: "6.75rem", 6: "2.75rem"}
PHONE_CSS = ("@media (max-width: 640px) {"
             f"{_CELL} {{min-width: 0 !important}} "
             f"{_CELL}:nth-child(4), {_CELL}:nth-child(5) {{display: none}} "
             + " ".join(f"{_CELL}:nth-child({n}) {{flex: 0 0 {w} !important; width: {w} !important}}"
                        for n, w in _PHONE_WIDTHS.items())
             + f" {_CELL}:nth-child(2) {{flex: 1 1 0 !important}}"
             "}")
PREVIEW_CHARS = 20_000


def header(svc: DriveService, folder: ItemInfo | None = None, items: list[ItemInfo] | None = None) -> None:
    """Title, storage used by the whole drive, and the counts of the folder shown (the drive at the top)."""
    st.title("Files")
    n = svc.counts()
    used = f"{human_size(svc.storage_used())} used"
    if folder is not None and items is not None:
        files = [i for i in items if i.kind == ItemKind.FILE]
        here = {s: sum(1 for i in files if i.status == s) for s in Status}
        subfolders = len(items) - len(files)
        st.caption(f"{used} · in {literal(folder.name)}: {len(files)} files"
                   + (f" · {subfolders} folders" if subfolders else "") + f" · {here[Status.READY]} ready"
                   + _busy_failed(here[Status.PENDING] + here[Status.PROCESSING], here[Status.FAILED]))
    else:
        st.caption(f"{used} · {n.files} files · {n.ready} ready" + _busy_failed(n.busy, n.failed))
    if n.failed and st.button(f"Retry {n.failed} failed file{'s' if n.failed != 1 else ''}",
                              icon=":material/refresh:", key="files_retry_all"):
        _act(lambda: f"{svc.reprocess_failed()} file(s) queued again")
    _flash()


def _busy_failed(busy: int, failed: int) -> str:
    return (f" · {busy} processing" if busy else "") + (f" · {failed} failed" if failed else "")


def _flash() -> None:
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash is None:
        return
    ok, message = flash
    if ok:
        st.toast(literal(message), icon=":material/check:")
    else:
        st.error(literal(message))


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
            st.button(literal(node.name), type="tertiary", key=f"files_crumb_{node.id}", on_click=_go,
                      args=(node.id,))
    # Its open state is tracked (on_change) and its key renewed once the folder is made: a new popover, closed.
    key = f"{NEW_FOLDER_KEY}_{st.session_state.get(NEW_FOLDER_KEY, 0)}"
    with new.popover("New folder", icon=":material/create_new_folder:", width="stretch", key=key,
                     on_change="rerun"), st.form("files_new_folder", clear_on_submit=True, border=False):
        st.text_input("Folder name", key="files_new_folder_name")
        st.form_submit_button("Create", type="primary", on_click=_create_folder,
                              args=(svc, folder.id if folder else None))


def _create_folder(svc: DriveService, parent: uuid.UUID | None) -> None:
    """Before the run (a callback): make the folder, then close the popover; on a refusal it stays open."""
    try:
        made = svc.mkdir(str(st.session_state.get("files_new_folder_name") or ""), parent)
    except DriveError as exc:
        st.session_state[FLASH_KEY] = (False, str(exc))
        return
    st.session_state[FLASH_KEY] = (True, f"Created {made.name}")
    st.session_state[NEW_FOLDER_KEY] = st.session_state.get(NEW_FOLDER_KEY, 0) + 1


def _go(folder: uuid.UUID | None) -> None:
    open_folder(folder)
    st.session_state.pop(SELECTED_KEY, None)
    st.session_state.pop(CONFIRM_KEY, None)


def _select(item_id: uuid.UUID) -> None:
    current = st.session_state.get(SELECTED_KEY)
    st.session_state[SELECTED_KEY] = None if current == item_id else item_id
    st.session_state.pop(CONFIRM_KEY, None)


def selected(svc: DriveService, folder: ItemInfo | None = None) -> ItemInfo | None:
    """The item whose details are open, read afresh; none once it is gone or no longer in this folder."""
    item_id = st.session_state.get(SELECTED_KEY)
    if not isinstance(item_id, uuid.UUID):
        return None
    try:
        item = svc.get(item_id)
    except NotFound:
        item = None
    if item is None or item.parent_id != (folder.id if folder else None):
        st.session_state.pop(SELECTED_KEY, None)
        return None
    return item


def listing(svc: DriveService, items: list[ItemInfo], chosen: ItemInfo | None) -> None:
    """The folder as a table: a search box, column headers that sort, a tick box per row for actions on
    several items at once, and each name opening its folder or its details."""
    if not items:
        st.info("This folder is empty. Add files with the uploader in the sidebar.", icon=":material/folder_open:")
        return
    query = st.text_input("Search this folder", key="files_search", placeholder="Search by name",
                          label_visibility="collapsed", icon=":material/search:")
    shown = arrange(items, query, *_sort())
    picked = _picked({i.id for i in items})
    if picked:
        _bulk_bar(svc, [i for i in items if i.id in picked])
    with st.container(key=TABLE_KEY, gap=None):
        st.html(f"<style>{PHONE_CSS}</style>")
        _headers()
        for item in shown[:MAX_ROWS]:
            _row(item, chosen is not None and chosen.id == item.id)
    if not shown:
        st.caption(f"Nothing here matches “{literal(query)}”.")
    elif len(shown) > MAX_ROWS:
        st.caption(f"Showing the first {MAX_ROWS} of {len(shown)} items: search to narrow them down.")


SORTS = {"name": lambda i: i.name.lower(), "status": lambda i: (i.status.value if i.status else ""),
         "size": lambda i: i.size, "modified": lambda i: i.updated_at}


def arrange(items: list[ItemInfo], query: str, key: str, descending: bool) -> list[ItemInfo]:
    """Items whose name contains ``query`` (any case), folders first, then sorted by the chosen column."""
    needle = query.strip().lower()
    matched = [i for i in items if needle in i.name.lower()]
    ordered = sorted(matched, key=SORTS.get(key, SORTS["name"]), reverse=descending)
    return sorted(ordered, key=lambda i: i.kind != ItemKind.FOLDER)  # stable: keeps the column order


def _sort() -> tuple[str, bool]:
    key, descending = st.session_state.get(SORT_KEY, ("name", False))
    return str(key), bool(descending)


def _sort_by(key: str) -> None:
    current, descending = _sort()
    st.session_state[SORT_KEY] = (key, not descending if current == key else key in ("size", "modified"))


def _headers() -> None:
    pick_col, name_col, status_col, size_col, when_col, _ = st.columns(COLUMNS, vertical_alignment="center", wrap=False)
    current, descending = _sort()
    pick_col.caption("")
    for col, key, label in ((name_col, "name", "Name"), (status_col, "status", "Status"),
                            (size_col, "size", "Size"), (when_col, "modified", "Modified")):
        arrow = (" ↓" if descending else " ↑") if key == current else ""
        col.button(label + arrow, key=f"files_sort_{key}", type="tertiary", on_click=_sort_by, args=(key,),
                   help=f"Sort by {label.lower()}")


def _picked(present: set[uuid.UUID]) -> set[uuid.UUID]:
    """The ticked rows still in this folder."""
    return {i for i in present if st.session_state.get(f"files_pick_{i}")}


def _row(item: ItemInfo, is_selected: bool) -> None:
    pick_col, name_col, status_col, size_col, when_col, more_col = st.columns(COLUMNS, vertical_alignment="center",
                                                                              wrap=False)
    is_folder = item.kind == ItemKind.FOLDER
    pick_col.checkbox("Select", key=f"files_pick_{item.id}", label_visibility="collapsed")
    # A button label is Markdown: the name is escaped so it shows exactly as the file is called.
    name_col.button(literal(item.name), icon=item_icon(item), type="primary" if is_selected else "tertiary",
                    key=f"files_name_{item.id}", on_click=_go if is_folder else _select, args=(item.id,))
    status_col.markdown(status_badge(item.status))
    size_col.caption("" if is_folder else human_size(item.size))
    when_col.caption(ago(item.updated_at))
    more_col.button("", icon=":material/more_horiz:", key=f"files_more_{item.id}", help="Details and actions",
                    on_click=_select, args=(item.id,))
    if item.status == Status.FAILED and item.error:
        name_col.caption(f":red[{literal(item.error)}]")


def _bulk_bar(svc: DriveService, picked: list[ItemInfo]) -> None:
    """Move, reprocess or delete every ticked item at once; each item's failure is reported, the rest go on."""
    with st.container(border=True):
        st.markdown(f"**{len(picked)} selected**")
        targets = move_targets_many(svc, picked)
        move_col, go_col, again_col, del_col, clear_col = st.columns([3, 1, 1.3, 1, 1], vertical_alignment="bottom")
        target: Any = move_col.selectbox("Move to", targets, key="files_bulk_to",
                                         format_func=lambda t: "My drive (top)" if t is None else t.path)
        if go_col.button("Move", key="files_bulk_move", disabled=not targets):
            dest = target.id if target is not None else None
            _bulk(picked, lambda i: svc.move(i.id, dest), "Moving", "moved")
        files = [i for i in picked if i.kind == ItemKind.FILE]
        if again_col.button("Reprocess", key="files_bulk_reprocess", disabled=not files):
            _bulk(files, lambda i: svc.reprocess(i.id), "Queueing", "queued for processing")
        if del_col.button("Delete", key="files_bulk_delete"):
            st.session_state[BULK_CONFIRM_KEY] = True
        clear_col.button("Clear", key="files_bulk_clear", on_click=_unpick, args=([i.id for i in picked],))
        if st.session_state.get(BULK_CONFIRM_KEY):
            st.warning(f"Delete {len(picked)} items (and everything inside the folders)? This cannot be undone.",
                       icon=":material/warning:")
            yes, no = st.columns(2)
            if yes.button("Yes, delete them", type="primary", key="files_bulk_delete_yes", width="stretch"):
                st.session_state.pop(BULK_CONFIRM_KEY, None)
                _bulk(picked, lambda i: svc.delete(i.id), "Deleting", "deleted")
            if no.button("Cancel", key="files_bulk_delete_no", width="stretch"):
                st.session_state.pop(BULK_CONFIRM_KEY, None)
                st.rerun()


def move_targets_many(svc: DriveService, picked: list[ItemInfo]) -> list[ItemInfo | None]:
    """Folders every picked item may move into (none of them, nor inside one of them)."""
    common: list[ItemInfo | None] | None = None
    for item in picked:
        allowed = move_targets(svc, item)
        common = allowed if common is None else [t for t in common if t in allowed]
    return common or []


def _unpick(ids: list[uuid.UUID]) -> None:
    for i in ids:
        st.session_state.pop(f"files_pick_{i}", None)


def _bulk(picked: list[ItemInfo], action: Callable[[ItemInfo], object], doing: str, done: str) -> None:
    failed = progress.each(picked, action, lambda i: i.name, doing, done)
    _unpick([i.id for i in picked])
    st.session_state.pop(SELECTED_KEY, None)
    ok = len(picked) - len(failed)
    message = f"{ok} item{'s' if ok != 1 else ''} {done}" + (f"; not done: {'; '.join(failed)}" if failed else "")
    st.session_state[FLASH_KEY] = (not failed, message)
    st.rerun()


def details(svc: DriveService, item: ItemInfo) -> None:
    """What can be done with the selected item."""
    with st.container(border=True):
        st.markdown(f"### {item_icon(item)} {literal(item.name)}")
        st.caption(literal(item.path))
        if item.kind == ItemKind.FILE:
            st.markdown(f"{status_badge(item.status)} {human_size(item.size)} · {item.mime or 'unknown type'}")
            if item.error:
                st.error(literal(item.error), icon=":material/error:")
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
            st.session_state.pop(SELECTED_KEY, None)  # it has left this folder: no details of a file not listed
            _act(lambda: f"Moved to {svc.move(item.id, dest).path}")


def _preview(svc: DriveService, item: ItemInfo) -> None:
    with st.expander("Preview", icon=":material/visibility:", expanded=item.status == Status.READY):
        source_view.file_preview(svc, item)
    with st.expander("Text", icon=":material/article:", expanded=item.status == Status.READY):
        body = svc.text_of(item.id) if item.status == Status.READY else None
        if body is None:
            st.caption("The text appears here once the file is processed.")
        elif not body.strip():
            st.caption("No text was found in this file.")
        else:
            more = len(body) > PREVIEW_CHARS
            st.code(body[:PREVIEW_CHARS] + ("\n…" if more else ""), language=None, wrap_lines=True, height=360)
