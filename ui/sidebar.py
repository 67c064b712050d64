"""The sidebar on every page: upload several files at once, then the processing status of every recent
file, read from the database (so a reload keeps it), grouped by status, each failure with its reason and a
retry where retrying can help."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import streamlit as st

from drive.errors import DriveError
from drive.records import ItemInfo, RecentFiles, RefusedFile, Status
from ui import resources
from ui.format import human_size, literal, status_badge
from ui.uploads import MIB, retry_helps, upload_all, widget_limit_mb

NOTICE_KEY = "upload_notice"  # (added names, [(name, error)]) of the last upload
NONCE_KEY = "upload_nonce"  # bumped to reset the uploader after its files are stored
ACTIVE_KEY = "upload_active"
SINCE_KEY = "upload_since"  # "Clear list": hide what finished before this moment (this tab only)
REFRESH_SECONDS = 2
WINDOW = timedelta(hours=1)  # files uploaded or finished this recently are listed
PER_GROUP = 25  # rows per status group; the rest are counted, with a link to Files
GROUPS = (("In progress", (Status.PROCESSING, Status.PENDING)), ("Failed", (Status.FAILED,)),
          ("Ready", (Status.READY,)))
FORMATS = "PDF, Word, PowerPoint, Excel, text, HTML, images…"
HIDE_WIDGET_LIMIT = '[data-testid="stSidebar"] [data-testid="stFileUploaderDropzoneInstructions"] {display: none}'


def watch(item_id: uuid.UUID) -> None:
    """Kept for callers (a reprocess): every file in the pipeline is listed anyway, from the database."""
    st.session_state.pop(SINCE_KEY, None)


def render(folder: uuid.UUID | None = None, folder_label: str | None = None) -> None:
    """Draw the upload box and the status list; files go into ``folder`` (the root when None)."""
    with st.sidebar:
        st.subheader("Add files")
        if folder_label:
            st.caption(f"Uploading into **{literal(folder_label)}**")
        _uploader(folder)
        _notice()
        st.session_state[ACTIVE_KEY] = _busy(_recent())
        # Refresh on a timer only while something is still processing.
        st.fragment(run_every=REFRESH_SECONDS if st.session_state[ACTIVE_KEY] else None)(_status_panel)()


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
    # Streamlit's own line rounds to whole units past half of the next one (512 MB reads "1GB per file"):
    # it is hidden, and the drive's limit is stated once, exactly, below.
    st.html(f"<style>{HIDE_WIDGET_LIMIT}</style>")
    limit = min(settings.max_upload_bytes, limit_mb * MIB)
    st.caption(f"{FORMATS} Up to {human_size(limit)} per file.")
    if not files:
        return
    bar = st.progress(0.0, text="Uploading…")

    def progress(i: int, name: str) -> None:
        bar.progress(i / len(files), text=f"Uploading {name} ({i + 1}/{len(files)})")

    report = upload_all(resources.service(), files, folder, progress)
    bar.progress(1.0, text="Uploaded")
    st.session_state.pop(SINCE_KEY, None)
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
    if errors:  # each one, with its reason, is in the status list below (from the database)
        st.warning(f"{len(errors)} file{'s were' if len(errors) != 1 else ' was'} not added: see why below.")
    if st.button("Dismiss", key="upload_dismiss", type="tertiary"):
        st.session_state.pop(NOTICE_KEY, None)
        st.rerun()


def _since() -> datetime:
    since = datetime.now(UTC) - WINDOW
    cleared = st.session_state.get(SINCE_KEY)
    return max(since, cleared) if isinstance(cleared, datetime) else since


def _recent() -> RecentFiles:
    return resources.service().recent_activity(_since(), PER_GROUP)


def _busy(recent: RecentFiles) -> bool:
    return any(recent.totals.get(s, 0) for s in (Status.PENDING, Status.PROCESSING))


def _status_panel() -> None:
    recent = _recent()
    refused = resources.service().recent_refusals(_since(), PER_GROUP)
    if not recent.items and not refused:
        return
    counts = [f"{n} {s.value}" for s in Status if (n := recent.totals.get(s, 0))]
    st.caption("Processing status · " + " · ".join(counts + ([f"{len(refused)} not added"] if refused else [])))
    # A long batch scrolls inside the sidebar instead of pushing everything below it away.
    box = st.container(height=360) if len(recent.items) + len(refused) > 8 else st.container()
    with box:
        for label, statuses in GROUPS:
            _group(label, [i for i in recent.items if i.status in statuses],
                   sum(recent.totals.get(s, 0) for s in statuses))
        _refused(refused)
    if st.session_state.get(ACTIVE_KEY) and not _busy(recent):
        st.session_state[ACTIVE_KEY] = False
        st.rerun()  # everything finished: refresh the whole page (lists, suggestions) and stop polling
    if not _busy(recent) and st.button("Clear list", key="upload_clear", type="tertiary"):
        st.session_state[SINCE_KEY] = datetime.now(UTC)
        st.rerun()


def _group(label: str, infos: list[ItemInfo], total: int) -> None:
    if not total:
        return
    st.markdown(f"**{label}** ({total})")
    for info in infos:
        _row(info)
    if total > len(infos):
        st.page_link("app_pages/files.py", label=f"{total - len(infos)} more in Files", icon=":material/folder:")


def _refused(refused: list[RefusedFile]) -> None:
    """Files the drive would not take (too big, empty, bad name, name taken): kept in the database, per user."""
    if not refused:
        return
    st.markdown(f"**Not added** ({len(refused)})")
    for r in refused:
        st.markdown(f":red-badge[:material/block: refused] {literal(r.name)}")
        st.caption(f":red[{literal(r.reason)}]")


def _row(info: ItemInfo) -> None:
    st.markdown(f"{status_badge(info.status)} {literal(info.path)}")
    if info.status != Status.FAILED or not info.error:
        return
    st.caption(f":red[{literal(info.error)}]")
    if retry_helps(info.error) and st.button("Retry", key=f"upload_retry_{info.id}", icon=":material/refresh:",
                                             type="tertiary"):
        try:
            resources.service().reprocess(info.id)
        except DriveError as exc:
            st.error(str(exc))
            return
        st.rerun()
