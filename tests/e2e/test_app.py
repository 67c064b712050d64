"""The Streamlit app through ``streamlit.testing.v1.AppTest``: every page on an empty drive and on a drive
with processed files, uploads through the sidebar, a failed file, answers with citations, accounts.

Everything is real (database, blob store, pipeline, retrieval) except the LLM, which is the local
OpenAI-compatible stub where a test needs one.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from drive.core import Drive, open_drive
from drive.jobs.drain import wait_for
from drive.jobs.worker import Worker
from drive.pipeline.handlers import handlers
from drive.records import ItemKind, Status
from drive.service import DriveService
from drive.settings import Settings
from drive.store.db import make_engine
from drive.store.graph_view import CommunityView, EntityView, GraphSnapshot, RelationshipView
from tests.conftest import ingest_only
from tests.openai_stub import OpenAIStub
from ui.chat import suggested_questions
from ui.format import human_size
from ui.graph_model import GraphFilters, importance, select_graph
from ui.uploads import MIB, widget_limit_mb

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 30

CURIE = (b"Marie Curie worked with Pierre Curie in Paris. Marie Curie discovered polonium and radium "
         b"at the University of Paris. Pierre Curie taught at the Sorbonne in Paris.")
ADA = (b"Ada Lovelace wrote notes on the Analytical Engine designed by Charles Babbage in London. "
       b"Charles Babbage admired Ada Lovelace and her notes on the engine.")


@pytest.fixture
def tag() -> str:
    """Ends the name of every user a test creates, so its leftovers can be found."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, tag: str) -> Iterator[Settings]:
    """The app's environment: a fresh home and user on the session's database, no in-app workers."""
    values = {"THEDRIVE_HOME": tmp_path / "home", "DATABASE_URL": database_url,
              "THEDRIVE_USER": f"app{tag}", "THEDRIVE_APP_WORKERS": 0,
              "THEDRIVE_COMMUNITY_DEBOUNCE_SECONDS": 0, "THEDRIVE_JOB_STALE_SECONDS": 5}
    for var, value in values.items():
        monkeypatch.setenv(var, str(value))
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "THEDRIVE_ACCOUNTS", "THEDRIVE_MAX_UPLOAD_BYTES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    st.cache_resource.clear()
    settings = Settings()
    yield settings
    st.cache_resource.clear()
    _drop_queued_jobs(database_url, tag)


def _drop_queued_jobs(database_url: str, tag: str) -> None:
    """Workers claim any owner's jobs and every test has its own blob store: leave no job for later tests."""
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM jobs WHERE owner_id IN (SELECT id FROM users WHERE name LIKE :p)"),
                     {"p": f"%{tag}"})
    engine.dispose()


@pytest.fixture
def drive(env: Settings) -> Iterator[Drive]:
    d = open_drive(env, run_sweep=False)
    yield d
    d.close()


@pytest.fixture
def svc(drive: Drive, env: Settings) -> DriveService:
    """The service of the user the app signs in as (accounts off)."""
    return drive.service(drive.user_id(env.user))


def process(drive: Drive, svc: DriveService, ids: list[uuid.UUID]) -> None:
    """Run the real pipeline on these files, then whatever it queued (communities)."""
    wait_for(drive, svc, ids, handlers(), timeout=120)
    worker = Worker(drive, handlers(), name="test")
    while worker.run_once():
        pass


@pytest.fixture
def filled(drive: Drive, svc: DriveService) -> DriveService:
    """Two processed text files in the root."""
    ids = [svc.upload(io.BytesIO(CURIE), "curie.txt").id, svc.upload(io.BytesIO(ADA), "ada.txt").id]
    process(drive, svc, ids)
    return svc


def start(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """Every text the page shows (markdown, captions, alerts, labels), joined."""
    parts: list[str] = []
    for kind in ("title", "markdown", "caption", "info", "success", "error", "warning", "code", "subheader"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [e.label for e in at.expander] + [b.label for b in at.button]
    return "\n".join(parts)


def linked(text: str) -> str:
    """``text`` with each ``[n]`` as the same-tab link to citation n of an answer (any conversation and message)."""
    return re.sub(r"\[(\d)\]", r'\\[<a href="?chat=CHAT&amp;source=MSG-\1" target="_self">\1</a>\\]', text)


def unkeyed(markdown: str) -> str:
    """Shown Markdown with the conversation and message ids in its citation links replaced by CHAT and MSG."""
    return re.sub(r"\?chat=[0-9a-f-]{36}&amp;source=\d+-", "?chat=CHAT&amp;source=MSG-", markdown)


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


# ---------------------------------------------------------------- pages on an empty drive


def test_every_page_opens_on_an_empty_drive(env: Settings) -> None:
    at = start()
    assert "Your drive is empty" in at.info[0].value
    assert at.chat_input(key="chat_input") is not None
    assert len(at.sidebar.file_uploader) == 1

    at.switch_page("app_pages/files.py").run()
    assert not at.exception
    assert "0 bytes used" in texts(at) and "This folder is empty" in texts(at)
    at.switch_page("app_pages/graph.py").run()
    assert not at.exception and "No entities yet" in texts(at)
    at.switch_page("app_pages/communities.py").run()
    assert not at.exception and "No communities yet" in texts(at)


# ---------------------------------------------------------------- sidebar upload


def test_sidebar_uploads_several_files_and_says_why_one_is_refused(
    env: Settings, svc: DriveService, drive: Drive, tag: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THEDRIVE_MAX_UPLOAD_BYTES", "1000")
    st.cache_resource.clear()
    at = start()
    at.sidebar.file_uploader[0].set_value([
        ("notes.txt", b"Meeting notes about the budget.", "text/plain"),
        ("plan.md", b"# Plan\nShip the drive.", "text/markdown"),
        ("empty.txt", b"", "text/plain"),
        ("huge.txt", b"x" * 1500, "text/plain"),
    ]).run()
    assert not at.exception

    assert sorted(i.name for i in svc.list()) == ["notes.txt", "plan.md"]
    assert "Added 2 files" in at.sidebar.success[0].value
    assert "2 files were not added" in at.sidebar.warning[0].value
    for shown in (at, AppTest.from_file(APP, default_timeout=TIMEOUT).run()):  # and after a reload
        status = "\n".join(m.value for m in shown.sidebar.markdown)
        reasons = "\n".join(c.value for c in shown.sidebar.caption)
        assert "notes" in status and "plan" in status and "pending" in status
        assert "**Not added** (2)" in status and "refused] empty.txt" in status and "refused] huge.txt" in status
        assert "empty" in reasons and "1,000-byte upload limit" in reasons
        assert "2 not added" in reasons
    assert at.sidebar.file_uploader[0].value == []  # a fresh uploader, ready for more

    at.sidebar.file_uploader[0].set_value([("notes.txt", b"other content", "text/plain")]).run()
    assert "already exists" in "\n".join(c.value for c in at.sidebar.caption)
    assert len(svc.list()) == 2
    since = datetime.now(UTC) - timedelta(hours=1)
    assert [r.name for r in svc.recent_refusals(since)] == ["notes.txt", "huge.txt", "empty.txt"]  # newest first
    assert drive.service(drive.user_id(f"other{tag}")).recent_refusals(since) == []  # this user's only


def test_uploads_go_into_the_folder_open_on_the_files_page(env: Settings, svc: DriveService) -> None:
    folder = svc.mkdir("Reports")
    at = start("app_pages/files.py")
    at.button(key=f"files_name_{folder.id}").click().run()
    assert "Uploading into **Reports**" in "\n".join(c.value for c in at.sidebar.caption)
    at.sidebar.file_uploader[0].set_value([("q3.txt", b"Quarter three revenue grew.", "text/plain")]).run()
    assert [i.name for i in svc.list(folder.id)] == ["q3.txt"]


def test_status_turns_ready_or_failed_with_the_reason(drive: Drive, env: Settings, svc: DriveService) -> None:
    at = start()
    at.sidebar.file_uploader[0].set_value([
        ("curie.txt", CURIE, "text/plain"),
        ("broken.pdf", b"%PDF-1.4\nnot really a pdf\n%%EOF", "application/pdf"),
    ]).run()
    assert "pending" in "\n".join(m.value for m in at.sidebar.markdown)
    process(drive, svc, [i.id for i in svc.list()])

    at.run()  # what the 2-second refresh shows
    sidebar = "\n".join(m.value for m in at.sidebar.markdown) + "\n".join(c.value for c in at.sidebar.caption)
    assert "ready" in sidebar and "failed" in sidebar
    assert "not a valid PDF" in sidebar

    at.switch_page("app_pages/files.py").run()
    broken = next(i for i in svc.list() if i.name == "broken.pdf")
    assert broken.status == Status.FAILED
    assert "not a valid PDF" in texts(at)
    at.button(key=f"files_name_{broken.id}").click().run()
    button(at, "Reprocess").click().run()
    assert not at.exception
    assert svc.get(broken.id).status == Status.PENDING


# ---------------------------------------------------------------- files page


def test_file_details_show_what_the_document_says_about_itself(
    drive: Drive, env: Settings, svc: DriveService, tmp_path: Path
) -> None:
    from tests.filegen import make_pdf_layout

    body = "For the quarterly period ended April 1, 2023 the *company* sold more. " * 6
    path = make_pdf_layout(tmp_path / "acme.pdf", "ACME Quarterly Report", (body, body),
                           [["Segment", "Q2 2023"], ["Products", "63,355"], ["Services", "19,604"], ["Total", "82,959"]])
    info = svc.upload(io.BytesIO(path.read_bytes()), "acme.pdf")
    process(drive, svc, [info.id])
    at = start("app_pages/files.py")
    at.button(key=f"files_name_{info.id}").click().run()
    shown = "\n".join(str(t.value) for t in at.text)
    assert "Title: ACME Quarterly Report" in shown
    assert "Period: quarterly period ended April 1, 2023" in shown
    assert "Date: 2023-04-01" in shown


def test_files_page_folders_rename_move_preview_and_delete(env: Settings, filled: DriveService) -> None:
    svc = filled
    at = start("app_pages/files.py")
    assert f"{human_size(svc.storage_used())} used" in texts(at)
    assert "2 files · 2 ready" in texts(at)

    at.text_input(key="files_new_folder_name").input("Archive")
    button(at, "Create").click().run()
    archive = next(i for i in svc.list() if i.name == "Archive")
    assert archive.kind == ItemKind.FOLDER

    curie = next(i for i in svc.list() if i.name == "curie.txt")
    at.button(key=f"files_name_{curie.id}").click().run()
    assert "Marie Curie discovered polonium" in at.code[0].value  # the extracted text
    assert len(at.download_button) >= 1

    at.text_input(key=f"files_rename_name_{curie.id}").input("marie.txt")
    button(at, "Rename").click().run()
    assert svc.get(curie.id).name == "marie.txt"

    target = at.selectbox(key=f"files_move_to_{curie.id}")
    target.select_index(target.options.index("Archive"))
    at.button(key=f"files_move_{curie.id}").click().run()
    assert svc.get(curie.id).path == "Archive/marie.txt"

    at.button(key=f"files_name_{archive.id}").click().run()  # into the folder
    assert at.query_params["folder"] == str(archive.id)
    assert any(b.label == "Archive" for b in at.button)  # breadcrumb
    listed = [b.label for b in at.main.button]  # the sidebar's status list names every recent file
    assert "marie.txt" in listed and "ada.txt" not in listed
    at.button(key="files_crumb_root").click().run()
    assert "ada.txt" in texts(at)

    at.button(key=f"files_more_{archive.id}").click().run()
    button(at, "Delete").click().run()
    assert "cannot be undone" in texts(at)
    assert len(svc.list()) == 2  # nothing deleted before confirming
    button(at, "Yes, delete").click().run()
    assert [i.name for i in svc.list()] == ["ada.txt"]


# ---------------------------------------------------------------- chat


def test_offline_answer_cites_the_file_and_is_kept_in_past_conversations(env: Settings, filled: DriveService) -> None:
    at = start()
    suggestions = [b.label for b in at.button if b.key and b.key.startswith("chat_suggest_")]
    assert suggestions and any("main themes" in s for s in suggestions)

    at.chat_input(key="chat_input").set_value("What did Marie Curie discover?").run()
    assert not at.exception
    answer = at.chat_message[1].markdown[0].value
    assert "polonium" in answer
    sources = [e.label for e in at.expander]
    assert any("curie.txt" in label for label in sources)
    assert not any("ada.txt" in label for label in sources)
    assert any(c.value.startswith("mode:") for c in at.caption)
    assert any(d.label == "Download curie.txt" for d in at.download_button)

    opened = [b for b in at.button if b.key and b.key.startswith("chat_open_")]
    assert [b.label for b in opened] == ["▸ What did Marie Curie discover?"]
    session = str(opened[0].key).removeprefix("chat_open_")
    at.button(key="chat_new").click().run()
    assert len(at.chat_message) == 0
    at.button(key=f"chat_open_{session}").click().run()  # reopen
    assert "polonium" in at.chat_message[1].markdown[0].value
    assert any("curie.txt" in e.label for e in at.expander)
    at.button(key=f"chat_del_{session}").click().run()
    assert not [b for b in at.button if b.key and b.key.startswith("chat_open_")]
    assert len(at.chat_message) == 0


def test_suggested_question_is_answered_when_clicked(env: Settings, filled: DriveService) -> None:
    at = start()
    question = at.button(key="chat_suggest_0").label
    at.button(key="chat_suggest_0").click().run()
    assert not at.exception
    assert at.chat_message[0].markdown[0].value == question
    assert at.chat_message[1].markdown[0].value
    assert not any(b.key and b.key.startswith("chat_suggest_") for b in at.button)


def test_llm_answer_streams_and_cites(env: Settings, filled: DriveService, monkeypatch: pytest.MonkeyPatch) -> None:
    with OpenAIStub(replies=["Marie Curie discovered polonium and radium [1]."], chunk_chars=3) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        st.cache_resource.clear()
        at = start()
        at.chat_input(key="chat_input").set_value("What did Marie Curie discover?").run()
        assert not at.exception
        assert stub.requests and all(r.get("stream") for r in stub.requests[-1:])
    assert unkeyed(at.chat_message[1].markdown[0].value) == linked("Marie Curie discovered polonium and radium [1].")
    assert [e.label for e in at.expander if e.label.startswith("[")] == ["[1] curie.txt"]
    assert not any("extractive" in c.value for c in at.caption)
    assert [c.value for c in at.status[0].caption][-1] == "Writing the answer with the language model…"


# ---------------------------------------------------------------- graph and communities


def test_graph_page_says_which_files_are_still_joining_the_graph(drive: Drive, svc: DriveService) -> None:
    item = svc.upload(io.BytesIO(ADA), "ada.txt").id
    ingest_only(drive)
    assert svc.get(item).status == "ready"
    at = start("app_pages/graph.py")
    assert "1 file still joining the graph" in texts(at) and "No entities yet" in texts(at)
    process(drive, svc, [item])
    at.run()
    assert "still joining the graph" not in texts(at) and "No entities yet" not in texts(at)
    assert "Ada Lovelace (PERSON)" in at.selectbox(key="graph_entity").options


def test_graph_page_shows_entities_and_their_passages(env: Settings, filled: DriveService) -> None:
    at = start("app_pages/graph.py")
    shown = next(c.value for c in at.caption if c.value.startswith("Showing"))
    assert "relationships" in shown
    entity = at.selectbox(key="graph_entity")
    entity.select_index(next(i for i, o in enumerate(entity.options) if o.startswith("Marie Curie"))).run()
    assert not at.exception
    assert any("Marie Curie" in s.value for s in at.markdown)
    assert any(e.label == "curie.txt" for e in at.expander)  # the passages that mention her, with the file
    assert len(at.dataframe) == 1  # her relationships

    at.selectbox(key="graph_file").select("ada.txt").run()
    options = at.selectbox(key="graph_entity").options
    assert not any("Marie Curie" in o for o in options) and any("Lovelace" in o for o in options)
    at.text_input(key="graph_query").input("babbage").run()
    assert [o for o in at.selectbox(key="graph_entity").options if o != "—"] == [
        o for o in options if "Babbage" in o]


def test_communities_page_lists_and_drills_down(env: Settings, filled: DriveService, drive: Drive) -> None:
    from drive.store.graph_view import snapshot

    snap = snapshot(drive.db, filled.owner)
    at = start("app_pages/communities.py")
    if not snap.communities:
        assert "No communities yet" in texts(at)
        pytest.fail("the communities job produced no communities for two linked files")
    top = max((c for c in snap.communities if c.level == 0), key=lambda c: len(c.entities))
    assert any(b.key == f"comm_open_{top.id}" for b in at.button)
    at.button(key=f"comm_open_{top.id}").click().run()
    assert not at.exception
    members = at.dataframe[0].value
    assert sorted(members["entity"]) == sorted(top.entities)
    assert "Source files" in texts(at)


# ---------------------------------------------------------------- accounts


def test_accounts_refuse_to_run_without_the_web_entry_point(
    env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Accounts need web.py's cookie route: ``streamlit run app.py`` alone would sign nobody in safely.
    (Signing in, separate drives and API tokens run in a real browser: tests/e2e/test_accounts_browser.py.)"""
    monkeypatch.setenv("THEDRIVE_ACCOUNTS", "true")
    st.cache_resource.clear()
    at = start()
    assert not at.exception
    assert "streamlit run web.py" in "\n".join(e.value for e in at.error)
    assert not at.sidebar.file_uploader and not any(b.label == "Sign in" for b in at.button)


# ---------------------------------------------------------------- pure helpers


def _snapshot(n: int) -> GraphSnapshot:
    ents = [EntityView(i, f"E{i}", "PERSON" if i % 2 else "ORG", [f"alias{i}"], mentions=i + 1,
                       files=["a.txt" if i < n // 2 else "b.txt"]) for i in range(n)]
    rels = [RelationshipView(f"E{i}", f"E{i + 1}", None, 1, ["a.txt"], []) for i in range(n - 1)]
    comm = CommunityView("c0", 0, None, [f"E{i}" for i in range(10)], "First ten", "")
    return GraphSnapshot(ents, rels, [comm])


def test_graph_selection_caps_by_mentions_and_filters() -> None:
    snap = _snapshot(400)
    drawn = select_graph(snap, GraphFilters(), cap=150)
    assert len(drawn.nodes) == 150 and drawn.matched == 400
    score = importance(snap)
    assert min(score[e.name] for e in drawn.nodes) >= max(score[e.name] for e in snap.entities if e not in drawn.nodes)
    names = {e.name for e in drawn.nodes}
    assert all(r.source in names and r.target in names for r in drawn.edges)

    people = select_graph(snap, GraphFilters(types=frozenset({"PERSON"})))
    assert people.matched == 200 and all(e.type == "PERSON" for e in people.nodes)
    assert {e.name for e in select_graph(snap, GraphFilters(community="c0")).nodes} == {f"E{i}" for i in range(10)}
    assert all("a.txt" in e.files for e in select_graph(snap, GraphFilters(file="a.txt")).nodes)
    assert [e.name for e in select_graph(snap, GraphFilters(query="ALIAS399")).nodes] == ["E399"]


def test_upload_limit_and_suggestions() -> None:
    assert widget_limit_mb(512 * MIB, 200) == 200
    assert widget_limit_mb(1000, 200) == 1
    assert widget_limit_mb(5 * MIB + 1, 200) == 6
    assert suggested_questions(["a.pdf"], ["Marie Curie"], ready=0) == []
    questions = suggested_questions(["a.pdf"], ["Marie Curie"], ready=1)
    assert "Summarize a.pdf" in questions and any("Marie Curie" in q for q in questions)
