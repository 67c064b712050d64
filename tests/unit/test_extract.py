"""The extract stage on real files of every supported format, and on the broken ones people upload."""

from __future__ import annotations

import os
import threading
import zipfile
from pathlib import Path

import pytest

from drive.errors import CorruptFile, PermanentError, UnsupportedFile
from drive.ml.ocr import load_ocr
from drive.pipeline.ingest.extract import SUPPORTED_EXTENSIONS, extract
from drive.records import Extracted
from tests import filegen
from tests.filegen import Sample


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Sample]:
    folder = tmp_path_factory.mktemp("formats")
    return {s.path.name: s for s in filegen.make_every_format(folder)}


def pages(doc: Extracted) -> list[int | None]:
    return [s.page for s in doc.sections]


@pytest.mark.parametrize(
    "name",
    [
        "report.pdf",
        "memo.docx",
        "deck.pptx",
        "book.xlsx",
        "table.csv",
        "page.html",
        "notes.md",
        "plain.txt",
        "script.py",
        "data.json",
    ],
)
def test_every_text_format_yields_its_text_on_the_right_page(samples: dict[str, Sample], name: str) -> None:
    sample = samples[name]
    doc = extract(sample.path, name, ocr=None)
    assert sample.path.suffix in SUPPORTED_EXTENSIONS
    for page, phrase in sample.expected:
        assert any(phrase in s.text and s.page == page for s in doc.sections), (phrase, page, doc.sections)
    assert doc.ocr_pages == 0


def test_pdf_has_one_section_per_page_with_that_page_text(samples: dict[str, Sample]) -> None:
    doc = extract(samples["report.pdf"].path, "report.pdf", ocr=load_ocr())
    assert doc.mime == "application/pdf"
    assert pages(doc) == [1, 2]
    assert "turbines" in doc.sections[0].text and "glaciers" not in doc.sections[0].text
    assert "glaciers" in doc.sections[1].text
    assert doc.ocr_pages == 0  # pages with a text layer are never OCRed


def test_docx_keeps_the_heading_and_the_table_in_order(samples: dict[str, Sample]) -> None:
    doc = extract(samples["memo.docx"].path, "memo.docx", ocr=load_ocr())
    assert pages(doc) == [None]
    text = doc.text
    assert text.startswith("# Budget memo")
    assert "| Item | Cost |\n| --- | --- |\n| Ferry | 42 |" in text
    assert text.index("ferry budget") < text.index("| Item |")


def test_pptx_gives_one_section_per_slide_titled(samples: dict[str, Sample]) -> None:
    doc = extract(samples["deck.pptx"].path, "deck.pptx", ocr=load_ocr())
    assert [(s.page, s.heading) for s in doc.sections] == [(1, "Kickoff"), (2, "Roadmap")]
    assert "pelican" in doc.sections[0].text and "kayak" not in doc.sections[0].text


def test_xlsx_gives_one_section_per_sheet_named(samples: dict[str, Sample]) -> None:
    doc = extract(samples["book.xlsx"].path, "book.xlsx", ocr=load_ocr())
    assert [(s.page, s.heading) for s in doc.sections] == [(1, "Sales"), (2, "Staff")]
    assert doc.sections[0].text.splitlines() == ["# Sales", "| Region | Total |", "| --- | --- |", "| North | 120 |"]


def test_office_pages_keep_their_numbers_when_slides_or_sheets_are_empty(tmp_path: Path) -> None:
    import datetime

    deck = filegen.make_pptx(tmp_path / "gaps.pptx", [("Intro", "Hello"), ("", ""), ("Outro", "Bye")])
    assert [(s.page, s.heading) for s in extract(deck, "gaps.pptx", ocr=load_ocr()).sections] == [(1, "Intro"), (3, "Outro")]
    book = filegen.make_xlsx(
        tmp_path / "gaps.xlsx",
        {
            "Dates": [["day", "n"], [datetime.datetime(2024, 3, 1), 2.0]],
            "Blank": [],
            "Later": [[None, None, "far cell"]],
        },
    )
    doc = extract(book, "gaps.xlsx", ocr=load_ocr())
    assert [(s.page, s.heading) for s in doc.sections] == [(1, "Dates"), (3, "Later")]
    assert "| 2024-03-01 | 2 |" in doc.sections[0].text


def test_pptx_tables_and_speaker_notes_are_kept(tmp_path: Path) -> None:
    import pptx
    from pptx.util import Inches

    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = "Prices"
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    for (r, c), value in {(0, 0): "Fruit", (0, 1): "Price", (1, 0): "Fig", (1, 1): "3"}.items():
        table.cell(r, c).text = value
    slide.notes_slide.notes_text_frame.text = "Mention the discount."
    presentation.save(str(tmp_path / "prices.pptx"))
    doc = extract(tmp_path / "prices.pptx", "prices.pptx", ocr=load_ocr())
    assert doc.text == "# Prices\n\n| Fruit | Price |\n| --- | --- |\n| Fig | 3 |\n\nNotes: Mention the discount."


def test_csv_is_one_table(samples: dict[str, Sample]) -> None:
    doc = extract(samples["table.csv"].path, "table.csv", ocr=load_ocr())
    assert doc.text == "| city | population |\n| --- | --- |\n| Oslo | 709000 |"
    assert doc.mime == "text/csv"


def test_html_drops_scripts_and_styles_and_keeps_headings(samples: dict[str, Sample]) -> None:
    doc = extract(samples["page.html"].path, "page.html", ocr=load_ocr())
    assert "hidden" not in doc.text and "color" not in doc.text
    assert "# Tomatoes\n\nWater them daily." in doc.text


def test_html_lists_tables_and_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "rich.htm"
    path.write_text(
        "<body><h2>Menu</h2><ul><li>Soup <b>of the day</b></li><li>Bread</li></ul>"
        "<table><tr><th>Dish</th><th>Price</th></tr><tr><td>Soup</td><td>4</td></tr></table>"
        "<p>Open<br>daily</p><!-- secret comment --></body>",
        encoding="utf-8",
    )
    text = extract(path, "rich.htm", ocr=load_ocr()).text
    assert text == "## Menu\n\n- Soup of the day\n\n- Bread\n\n| Dish | Price |\n| --- | --- |\n| Soup | 4 |\n\nOpen\ndaily"


def test_markdown_code_and_json_come_out_readable(samples: dict[str, Sample]) -> None:
    assert extract(samples["notes.md"].path, "notes.md", ocr=load_ocr()).text == "# Notes\n\nThe lighthouse keeper waved."
    code = extract(samples["script.py"].path, "script.py", ocr=load_ocr())
    assert code.text == "def greet():\n    return 'hello otter'" and code.mime == "text/x-python"
    data = extract(samples["data.json"].path, "data.json", ocr=load_ocr())
    assert data.text == '{\n  "animal": "lynx",\n  "legs": 4\n}'


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("cp1252", "Crème brûlée for €5"), ("utf-16", "Grüße aus Köln"), ("utf-8-sig", "Ça va très bien")],
)
def test_text_in_other_encodings_is_decoded(tmp_path: Path, encoding: str, text: str) -> None:
    path = filegen.make_text(tmp_path / "legacy.txt", text, encoding=encoding)
    assert extract(path, "legacy.txt", ocr=load_ocr()).text == text


def test_a_text_that_mentions_the_pdf_header_is_still_text(tmp_path: Path) -> None:
    path = filegen.make_text(tmp_path / "pdf-notes.md", "# Notes\n\nEvery PDF starts with %PDF-1.7 on line one.")
    assert "%PDF-1.7" in extract(path, "pdf-notes.md", ocr=load_ocr()).text


def test_a_file_without_extension_that_is_text_is_read_as_text(tmp_path: Path) -> None:
    path = filegen.make_text(tmp_path / "README", "Read me first.")
    assert extract(path, "README", ocr=load_ocr()).text == "Read me first."


@pytest.mark.parametrize(
    ("name", "phrase", "mime"),
    [
        ("sign.png", "OPEN ALL NIGHT", "image/png"),
        ("photo.jpg", "FRESH BREAD", "image/jpeg"),
        ("fax.tiff", "SEND HELP", "image/tiff"),
    ],
)
def test_images_are_read_by_ocr(samples: dict[str, Sample], name: str, phrase: str, mime: str) -> None:
    doc = extract(samples[name].path, name, ocr=load_ocr())
    assert doc.text == phrase
    assert pages(doc) == [None] and doc.mime == mime and doc.ocr_pages == 1


def test_a_multipage_tiff_gets_a_page_number_per_frame(tmp_path: Path) -> None:
    first, second = filegen.render_text("FIRST FAX"), filegen.render_text("SECOND FAX")
    first.save(tmp_path / "fax.tif", save_all=True, append_images=[second])
    doc = extract(tmp_path / "fax.tif", "fax.tif", ocr=load_ocr())
    assert [(s.page, s.text) for s in doc.sections] == [(1, "FIRST FAX"), (2, "SECOND FAX")]
    assert doc.ocr_pages == 2


def test_a_scanned_page_is_read_by_ocr_with_its_page_number(samples: dict[str, Sample]) -> None:
    doc = extract(samples["scan.pdf"].path, "scan.pdf", ocr=load_ocr())
    assert [(s.page, s.text) for s in doc.sections] == [(1, "Typed first page."), (2, "SCANNED SECOND PAGE")]
    assert doc.ocr_pages == 1


def test_without_ocr_images_and_scans_give_no_text_but_no_error(samples: dict[str, Sample]) -> None:
    image = extract(samples["sign.png"].path, "sign.png", ocr=None)
    assert image.sections == [] and image.text == "" and image.ocr_pages == 0
    scan = extract(samples["scan.pdf"].path, "scan.pdf", ocr=None)
    assert pages(scan) == [1]


def test_an_image_without_text_is_empty_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "blank.png"
    filegen.render_text("", width=300, height=200).save(path)
    doc = extract(path, "blank.png", ocr=load_ocr())
    assert doc.sections == [] and doc.ocr_pages == 1


def test_the_ocr_engine_is_loaded_once_and_shared_by_threads() -> None:
    engines: list[object] = []
    threads = [threading.Thread(target=lambda: engines.append(load_ocr())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(engines) == 4 and all(e is engines[0] for e in engines)


def test_an_image_with_the_wrong_image_extension_is_read_by_its_content(
    samples: dict[str, Sample], tmp_path: Path
) -> None:
    path = tmp_path / "really-a-png.jpg"
    path.write_bytes(samples["sign.png"].path.read_bytes())
    assert extract(path, "really-a-png.jpg", ocr=None).mime == "image/png"


# ---------------------------------------------------------------- bad input


def _bad_files(folder: Path, samples: dict[str, Sample]) -> list[tuple[str, bytes, type[Exception], str]]:
    pdf = samples["report.pdf"].path.read_bytes()
    png = samples["sign.png"].path.read_bytes()
    return [
        ("photo.pdf", png, CorruptFile, "photo.pdf is not a valid PDF: the content is a PNG image"),
        ("report.docx", os.urandom(4096), CorruptFile, "report.docx is not a valid Word document"),
        ("empty.txt", b"", CorruptFile, "empty.txt is empty (0 bytes)"),
        ("half.pdf", pdf[: len(pdf) // 2], CorruptFile, "not a valid PDF: the file is truncated"),
        ("cut.png", png[:200], CorruptFile, "not a valid PNG image"),
        ("model.xyz", b"some bytes", UnsupportedFile, "not searchable: .xyz files are not a supported type"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), UnsupportedFile, "save it as .docx"),
        ("deck.docx", samples["deck.pptx"].path.read_bytes(), CorruptFile, "the content is a PowerPoint presentation"),
        ("notes.txt", png, CorruptFile, "notes.txt is not a text file: the content is a PNG image"),
        ("broken.json", b'{"a": 1,,}', CorruptFile, "not valid JSON"),
    ]


def test_bad_files_fail_permanently_with_a_readable_reason(samples: dict[str, Sample], tmp_path: Path) -> None:
    for name, data, error, message in _bad_files(tmp_path, samples):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(error) as caught:
            extract(path, name, ocr=load_ocr())
        assert isinstance(caught.value, PermanentError)
        assert message in str(caught.value), str(caught.value)


def test_a_password_protected_pdf_is_unsupported(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text="Top secret")
    pdf.set_encryption(owner_password="owner", user_password="user")
    pdf.output(str(tmp_path / "locked.pdf"))
    with pytest.raises(UnsupportedFile, match="password-protected"):
        extract(tmp_path / "locked.pdf", "locked.pdf", ocr=load_ocr())


def test_zip_bombs_are_refused_before_anything_is_unpacked(tmp_path: Path) -> None:
    huge = tmp_path / "huge.docx"
    with zipfile.ZipFile(huge, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", "<w:document/>")
        with zf.open("word/media/padding.bin", "w") as member:
            for _ in range(210):
                member.write(bytes(1 << 20))
    with pytest.raises(CorruptFile, match="looks like a zip bomb: it would unpack to 210 MB"):
        extract(huge, "huge.docx", ocr=load_ocr())

    dense = tmp_path / "dense.xlsx"
    with zipfile.ZipFile(dense, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", bytes(8 << 20))
    with pytest.raises(
        CorruptFile, match=r"looks like a zip bomb: member xl/worksheets/sheet1.xml is compressed \d+:1"
    ):
        extract(dense, "dense.xlsx", ocr=load_ocr())


def test_html_nested_thousands_of_levels_deep_is_read(tmp_path: Path) -> None:
    depth = 5000  # far past Python's recursion limit
    page = ("<html><head><title>Deep</title></head><body>" + "<div>" * depth + "<p>The bottom line.</p>"
            + "</div>" * depth + "<ul><li>one</li></ul><table><tr><th>a</th></tr><tr><td>1</td></tr></table></body></html>")
    path = tmp_path / "deep.html"
    path.write_text(page, encoding="utf-8")
    text = extract(path, "deep.html", ocr=None).text
    assert "The bottom line." in text and "- one" in text and "| a |" in text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_text_without_a_byte_order_mark_reads_as_text(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes("Grüße aus Köln: the meeting moved to Tuesday.\n".encode(codec) * 50)
    doc = extract(path, "notes.txt", ocr=None)
    assert doc.text.startswith("Grüße aus Köln: the meeting moved to Tuesday.")
    assert "\x00" not in doc.text


def test_a_long_pdf_is_read_whole_across_reopenings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The PDF is reopened every REOPEN_PAGES pages to release what PDFium parsed; no page may be lost or repeated.
    from drive.pipeline.ingest.formats import pdf

    monkeypatch.setattr(pdf, "REOPEN_PAGES", 3)
    path = filegen.make_pdf(tmp_path / "long.pdf", [f"Ledger page {n} records shipment {n * 7}." for n in range(1, 11)])
    done = pdf.read(path, "application/pdf", ocr=None)
    assert [s.page for s in done.sections] == list(range(1, 11))
    assert all(f"shipment {(s.page or 0) * 7}" in s.text for s in done.sections)
