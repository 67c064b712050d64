# ruff: noqa: F811 - the fixtures imported from test_app are redefined as test parameters, as pytest intends
"""The Files page as a drive: headers that sort, a search box, ticked rows moved, reprocessed or deleted
together, counts of the folder being viewed, names shown literally, no stale details after a move."""

from __future__ import annotations

import io

from streamlit.testing.v1 import AppTest

from drive.core import Drive
from drive.records import Status
from drive.service import DriveService
from drive.settings import Settings
from tests.e2e.test_app import drive, env, start, svc, tag, texts  # noqa: F401 - fixtures

PAGE = "app_pages/files.py"


def names(at: AppTest) -> list[str]:
    """The names in the listing, top to bottom (as the page writes them: Markdown-escaped)."""
    return [b.label for b in at.main.button if b.key and str(b.key).startswith("files_name_")]


def test_search_and_sort_by_the_column_headers(env: Settings, svc: DriveService) -> None:
    svc.mkdir("Zeta folder")
    svc.upload(io.BytesIO(b"a" * 3000), "budget.txt")
    svc.upload(io.BytesIO(b"b" * 10), "agenda.txt")
    svc.upload(io.BytesIO(b"c" * 500), "Budget notes.txt")
    at = start(PAGE)
    assert names(at) == ["Zeta folder", "agenda.txt", "Budget notes.txt", "budget.txt"]  # folders first

    at.button(key="files_sort_size").click().run()  # biggest first
    assert names(at) == ["Zeta folder", "budget.txt", "Budget notes.txt", "agenda.txt"]
    assert at.button(key="files_sort_size").label == "Size ↓"
    at.button(key="files_sort_size").click().run()
    assert names(at) == ["Zeta folder", "agenda.txt", "Budget notes.txt", "budget.txt"]
    at.button(key="files_sort_name").click().run()

    at.text_input(key="files_search").input("BUDGET").run()
    assert names(at) == ["Budget notes.txt", "budget.txt"]
    at.text_input(key="files_search").input("nothing like it").run()
    assert names(at) == [] and "Nothing here matches" in texts(at)


def test_ticked_rows_are_moved_reprocessed_and_deleted_together(env: Settings, svc: DriveService) -> None:
    archive = svc.mkdir("Archive")
    a = svc.upload(io.BytesIO(b"first file"), "a.txt")
    b = svc.upload(io.BytesIO(b"second file"), "b.txt")
    c = svc.upload(io.BytesIO(b"third file"), "c.txt")
    at = start(PAGE)
    at.checkbox(key=f"files_pick_{a.id}").check()
    at.checkbox(key=f"files_pick_{b.id}").check().run()
    assert "**2 selected**" in texts(at)
    target = at.selectbox(key="files_bulk_to")
    target.select_index(target.options.index("Archive")).run()
    at.button(key="files_bulk_move").click().run()
    assert not at.exception
    assert sorted(i.name for i in svc.list(archive.id)) == ["a.txt", "b.txt"]
    assert [i.name for i in svc.list() if i.kind.value == "file"] == ["c.txt"]
    assert "selected" not in texts(at)  # the ticks went with the rows

    at.button(key=f"files_name_{archive.id}").click().run()  # into the folder: its own counts
    assert "in Archive: 2 files · 0 ready · 2 processing" in texts(at)
    at.checkbox(key=f"files_pick_{a.id}").check()
    at.checkbox(key=f"files_pick_{b.id}").check().run()
    at.button(key="files_bulk_delete").click().run()
    assert "cannot be undone" in texts(at) and len(svc.list(archive.id)) == 2
    at.button(key="files_bulk_delete_yes").click().run()
    assert svc.list(archive.id) == []
    assert c.id in {i.id for i in svc.list()}


def test_reprocess_several_failed_files_at_once(drive: Drive, env: Settings, svc: DriveService) -> None:
    from drive.store import items

    infos = [svc.upload(io.BytesIO(f"file {n}".encode()), f"f{n}.txt") for n in range(3)]
    with drive.db.session() as s:
        for info in infos:
            items.mark_failed(s, svc.owner, info.id, "OperationalError: database restarted")
    at = start(PAGE)
    for info in infos[:2]:
        at.checkbox(key=f"files_pick_{info.id}").check()
    at.run()
    at.button(key="files_bulk_reprocess").click().run()
    assert [svc.get(i.id).status for i in infos] == [Status.PENDING, Status.PENDING, Status.FAILED]


def test_names_are_literal_and_details_do_not_go_stale_after_a_move(env: Settings, svc: DriveService) -> None:
    folder = svc.mkdir("<b>Reports & #1")
    odd = svc.upload(io.BytesIO(b"plain words"), "**bold** _x_ [link](x:y).txt")
    at = start(PAGE)
    label = next(b.label for b in at.main.button if b.key == f"files_name_{odd.id}")
    assert label == "\\*\\*bold\\*\\* \\_x\\_ \\[link\\](x\\:y).txt"  # every mark escaped: shown as named
    assert next(b.label for b in at.main.button if b.key == f"files_name_{folder.id}") == "\\<b\\>Reports \\& \\#1"

    at.button(key=f"files_name_{odd.id}").click().run()
    assert any("\\*\\*bold\\*\\*" in m.value for m in at.markdown if m.value.startswith("###"))
    target = at.selectbox(key=f"files_move_to_{odd.id}")
    target.select_index(target.options.index("<b>Reports & #1"))
    at.button(key=f"files_move_{odd.id}").click().run()
    assert svc.get(odd.id).parent_id == folder.id
    assert not any(m.value.startswith("###") for m in at.markdown)  # no details of a file no longer here


def test_preview_draws_pdf_pages_and_images(env: Settings, svc: DriveService, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    from tests.filegen import make_pdf

    pdf = make_pdf(tmp_path / "two.pdf", ["The first page.", "The second page."])
    doc = svc.upload(io.BytesIO(pdf.read_bytes()), "two.pdf")
    png = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(png, format="PNG")
    picture = svc.upload(io.BytesIO(png.getvalue()), "red.png")

    at = start(PAGE)
    at.button(key=f"files_name_{doc.id}").click().run()
    assert not at.exception
    assert sum('class="drawn-page"' in str(getattr(h, "value", "")) for h in at.get("html")) == 1
    assert any("Page 1 of 2" in m.value for m in at.markdown)
    at.button(key="files_preview_next").click().run()
    assert any("Page 2 of 2" in m.value for m in at.markdown)

    at.button(key=f"files_name_{picture.id}").click().run()
    assert len(at.image) == 1 and not any("Page 1 of" in m.value for m in at.markdown)
