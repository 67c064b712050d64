# ruff: noqa: F811 - the fixtures imported from test_app are redefined as test parameters, as pytest intends
"""The source viewer: a citation opens its file at the cited page. A PDF page is drawn (pypdfium2) with the
passage marked in the page's text; a text file shows its text with the passage marked and nothing in it
rendered as HTML or Markdown; previous/next page; download."""

from __future__ import annotations

import io
from pathlib import Path

from streamlit.testing.v1 import AppTest

from drive.core import Drive
from drive.service import DriveService
from drive.settings import Settings
from tests.e2e.test_app import drive, env, process, start, svc, tag  # noqa: F401 - fixtures
from tests.filegen import make_docx, make_pdf, make_png_text

PAGES = ["The orchard report lists apples, pears and plums grown on the north slope.",
         "The harvest of 2021 was the largest: the cooperative pressed 41,300 litres of cider that autumn.",
         "Appendix: the tractor was repaired twice."]


def ask(at: AppTest, question: str) -> None:
    at.chat_input(key="chat_input").set_value(question).run()
    assert not at.exception, at.exception


def source_buttons(at: AppTest) -> list:  # type: ignore[type-arg]
    return [b for b in at.button if b.key and b.key.startswith("src_m")]


def htmls(at: AppTest) -> list[str]:
    """The HTML the page shows."""
    return [str(getattr(h, "value", "")) for h in at.get("html")]


def test_a_pdf_citation_opens_the_cited_page_with_the_passage_marked(
    drive: Drive, env: Settings, svc: DriveService, tmp_path: Path
) -> None:
    pdf = make_pdf(tmp_path / "orchard.pdf", PAGES)
    info = svc.upload(io.BytesIO(pdf.read_bytes()), "orchard.pdf")
    process(drive, svc, [info.id])
    at = start()
    ask(at, "How many litres of cider did the cooperative press in 2021?")
    buttons = source_buttons(at)
    assert buttons and "orchard.pdf" in buttons[0].label and "p. 2" in buttons[0].label
    buttons[0].click().run()
    assert not at.exception, at.exception

    assert any(m.value == "Page 2 of 3" or "Page 2 of 3" in m.value for m in at.markdown)
    drawn = [h for h in htmls(at) if 'class="drawn-page"' in h]
    assert drawn and "data:image/png;base64," in drawn[0]  # the page, drawn inline (never a /media/ URL)
    marked = [h for h in htmls(at) if "<mark" in h]
    assert marked and "41,300 litres" in marked[0].split("<mark")[1]
    assert any(d.label == "Download orchard.pdf" for d in at.download_button)

    at.button(key="source_next").click().run()
    assert any("Page 3 of 3" in m.value for m in at.markdown)
    assert any("tractor" in h for h in htmls(at)) and not any("<mark" in h for h in htmls(at))
    assert at.button(key="source_next").disabled


def test_a_text_citation_shows_the_file_text_marked_and_never_as_html(
    drive: Drive, env: Settings, svc: DriveService
) -> None:
    body = ("<script>alert('x')</script> **Meeting notes** <b>bold</b>\n\n"
            "The budget for the lighthouse restoration is 87,000 euros, approved in March.\n")
    info = svc.upload(io.BytesIO(body.encode()), "notes_*draft*.txt")
    process(drive, svc, [info.id])
    at = start()
    ask(at, "What is the budget for the lighthouse restoration?")
    buttons = source_buttons(at)
    assert buttons and "notes\\_\\*draft\\*.txt" in buttons[0].label  # the name shown literally
    buttons[0].click().run()
    assert not at.exception, at.exception
    shown = "\n".join(htmls(at))
    assert "&lt;script&gt;" in shown and "<script>" not in shown and "&lt;b&gt;bold&lt;/b&gt;" in shown
    assert "**Meeting notes**" in shown  # as typed, not bold
    assert "87,000 euros" in shown.split("<mark")[1].split("</mark>")[0]
    assert any(d.label == "Download notes\\_\\*draft\\*.txt" for d in at.download_button)  # literal


def test_an_image_citation_shows_the_image_and_an_office_citation_its_text_marked(
    drive: Drive, env: Settings, svc: DriveService, tmp_path: Path
) -> None:
    photo = make_png_text(tmp_path / "whiteboard.png", "Kiln firing starts at 1,240 degrees on Thursday")
    report = make_docx(tmp_path / "glaze.docx", "Glaze notes",
                       ["The celadon glaze needs 14 grams of iron oxide per kilogram.", "Rinse the brushes."])
    ids = [svc.upload(io.BytesIO(p.read_bytes()), p.name).id for p in (photo, report)]
    process(drive, svc, ids)
    at = start()

    ask(at, "At what temperature does the kiln firing start?")
    button = next(b for b in source_buttons(at) if "whiteboard.png" in b.label)
    button.click().run()
    assert not at.exception, at.exception
    assert len(at.image) == 1  # the photo itself, not only its text
    assert any("Text found in the image" in c.value for c in at.caption)
    assert any("<mark" in h for h in htmls(at))

    ask(at, "How much iron oxide does the celadon glaze need?")
    button = next(b for b in source_buttons(at) if "glaze.docx" in b.label)
    button.click().run()
    assert not at.exception, at.exception
    assert len(at.image) == 0
    marked = [h for h in htmls(at) if "<mark" in h]
    assert marked and "14 grams of iron oxide" in marked[0].split("<mark")[1].split("</mark>")[0]
    assert any(d.label == "Download glaze.docx" for d in at.download_button)
