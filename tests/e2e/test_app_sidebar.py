# ruff: noqa: F811 - the fixtures imported from test_app are redefined as test parameters, as pytest intends
"""The sidebar's upload status: every file of a batch, from the database (a reload keeps it), grouped by
status and scrollable, "N more in Files" past the first rows, each failure with its reason and a retry
only where retrying can help; one upload limit, the same for Streamlit's server and the drive."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import streamlit as st
from sqlalchemy import text

from drive.core import Drive
from drive.records import Status
from drive.service import DriveService
from drive.settings import Settings
from drive.store import items
from tests.e2e.test_app import CURIE, drive, env, process, start, svc, tag  # noqa: F401 - fixtures
from ui.format import human_size
from ui.sidebar import HIDE_WIDGET_LIMIT, PER_GROUP
from ui.uploads import MIB, retry_helps

ROOT = Path(__file__).resolve().parents[2]


def sidebar_text(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join([m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption])


def test_every_file_of_a_long_batch_is_listed_and_kept_across_a_reload(env: Settings, svc: DriveService) -> None:
    batch = [(f"note{i:02d}.txt", f"Note number {i} about the budget.".encode(), "text/plain") for i in range(32)]
    at = start()
    at.sidebar.file_uploader[0].set_value(batch).run()
    assert not at.exception
    assert len(svc.list()) == 32

    for page in (at, start()):  # the page after the upload, then a fresh browser session (a reload)
        shown = sidebar_text(page)
        assert "**In progress** (32)" in shown and "32 pending" in shown
        rows = [m.value for m in page.sidebar.markdown if "note" in m.value]
        assert len(rows) == PER_GROUP
        assert "note31.txt" in rows[0]  # newest first
        links = [getattr(link, "label", "") for link in page.sidebar.get("page_link")]
        assert f"{32 - PER_GROUP} more in Files" in links


def test_failures_say_why_and_offer_a_retry_only_when_it_can_help(
    drive: Drive, env: Settings, svc: DriveService
) -> None:
    broken = svc.upload(io.BytesIO(b"%PDF-1.4\nnot really a pdf\n%%EOF"), "broken.pdf")
    flaky = svc.upload(io.BytesIO(CURIE), "curie.txt")
    process(drive, svc, [broken.id])
    with drive.db.session() as s:  # what the worker records when it gives up on a transient failure
        items.mark_failed(s, svc.owner, flaky.id, "ModelUnavailable: the embedding server did not answer")

    at = start()
    shown = sidebar_text(at)
    assert "**Failed** (2)" in shown and "not a valid PDF" in shown and "did not answer" in shown
    retry = [b.key for b in at.sidebar.button if b.label == "Retry"]
    assert retry == [f"upload_retry_{flaky.id}"]  # a corrupt PDF fails the same way every time
    at.sidebar.button(key=f"upload_retry_{flaky.id}").click().run()
    assert not at.exception
    assert svc.get(flaky.id).status == Status.PENDING
    assert "**In progress** (1)" in sidebar_text(at)


def test_files_finished_long_ago_leave_the_list_and_clear_hides_the_rest(
    drive: Drive, env: Settings, svc: DriveService
) -> None:
    old = svc.upload(io.BytesIO(CURIE), "old.txt")
    new = svc.upload(io.BytesIO(b"Ada Lovelace wrote notes."), "new.txt")
    process(drive, svc, [old.id, new.id])
    with drive.db.engine.begin() as conn:
        conn.execute(text("UPDATE items SET created_at = now() - interval '3 hours', "
                          "processed_at = now() - interval '3 hours' WHERE id = :id"), {"id": old.id})
    at = start()
    shown = sidebar_text(at)
    assert "new.txt" in shown and "old.txt" not in shown and "**Ready** (1)" in shown
    at.sidebar.button(key="upload_clear").click().run()
    assert "new.txt" not in sidebar_text(at)


def test_one_upload_limit_for_the_server_the_uploader_and_the_drive(env: Settings) -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    default = Settings.model_fields["max_upload_bytes"].default
    assert config["server"]["maxUploadSize"] * MIB == default  # Streamlit's ceiling is the drive's limit
    at = start()
    limits = [c.value for c in at.sidebar.caption if "per file" in c.value]
    # AppTest runs without the repository's config.toml (Streamlit's 200 MB default): the caption follows
    # whichever limit is lower; the browser test checks "512 MB" under the real config.
    expected = human_size(min(env.max_upload_bytes, st.get_option("server.maxUploadSize") * MIB))
    assert len(limits) == 1 and f"Up to {expected} per file" in limits[0]
    # Streamlit's own line ("1GB per file" for 512 MB) is hidden by the page's style.
    assert any(HIDE_WIDGET_LIMIT in str(getattr(h, "value", "")) for h in at.get("html"))


def test_which_failures_a_retry_can_fix() -> None:
    assert retry_helps("gave up after 3 attempts")
    assert retry_helps("ModelUnavailable: connection refused")
    assert retry_helps("OperationalError: server closed the connection")
    assert not retry_helps("not a valid PDF: EOF marker not found")
    assert not retry_helps("unsupported file type (.xyz)")
    assert not retry_helps(None) and not retry_helps("")
