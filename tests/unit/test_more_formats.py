"""E-mail, EPUB, OpenDocument, TSV and RTF files made by the tests, read to text with structure."""

from __future__ import annotations

from pathlib import Path

import pytest

from drive.errors import UnsupportedFile
from drive.pipeline.ingest.extract import SUPPORTED_EXTENSIONS, extract
from tests import filegen

TABLE = [["Region", "Total"], ["North", "120"], ["South", "95"]]


def test_an_email_has_its_headers_body_and_attachments_as_sections(tmp_path: Path) -> None:
    sheet = filegen.make_csv(tmp_path / "figures.csv", TABLE)
    note = filegen.make_pdf(tmp_path / "note.pdf", ["The ferry schedule changes in May."])
    path = filegen.make_eml(tmp_path / "update.eml", "Quarterly update", "Sales grew in the north.", [sheet, note])
    doc = extract(path, "update.eml", ocr=None)
    assert doc.mime == "message/rfc822"
    first = doc.sections[0].text
    assert first.startswith("# Quarterly update\nFrom: Ada <ada@example.org>") and "Sales grew in the north." in first
    assert [s.heading for s in doc.sections[1:]] == ["figures.csv", "note.pdf"]
    assert "| Region | Total |\n| --- | --- |\n| North | 120 |" in doc.sections[1].text
    assert "The ferry schedule changes in May." in doc.sections[2].text
    assert (doc.meta.title, doc.meta.date) == ("Quarterly update", "2023-04-04")


def test_an_unreadable_attachment_is_named_with_its_reason(tmp_path: Path) -> None:
    blob = tmp_path / "model.xyz"
    blob.write_bytes(b"\x00\x01binary")
    doc = extract(filegen.make_eml(tmp_path / "m.eml", "Files", "See attached.", [blob]), "m.eml", ocr=None)
    assert "## Attachment: model.xyz\n\n(not searchable: " in doc.sections[1].text


def test_an_epub_has_one_section_per_chapter(tmp_path: Path) -> None:
    path = filegen.make_epub(tmp_path / "book.epub", "Sea Tales",
                             [("The Harbour", "Cranes lift containers at dawn."), ("The Lighthouse", "Keepers log ships.")])
    doc = extract(path, "book.epub", ocr=None)
    assert [(s.page, s.heading) for s in doc.sections] == [(1, "The Harbour"), (2, "The Lighthouse")]
    assert "Cranes lift containers at dawn." in doc.sections[0].text and "Keepers log ships." in doc.sections[1].text
    assert (doc.meta.title, doc.meta.author) == ("Sea Tales", "Test Author")


def test_opendocument_text_spreadsheet_and_presentation(tmp_path: Path) -> None:
    odt = extract(filegen.make_odt(tmp_path / "memo.odt", "Budget", ["The ferry costs rose."], TABLE), "memo.odt",
                  ocr=None)
    assert odt.text == "# Budget\n\nThe ferry costs rose.\n\n| Region | Total |\n| --- | --- |\n| North | 120 |\n| South | 95 |"
    ods = extract(filegen.make_ods(tmp_path / "book.ods", {"Sales": TABLE, "Empty": []}), "book.ods", ocr=None)
    assert [(s.page, s.heading) for s in ods.sections] == [(1, "Sales")]
    assert ods.sections[0].text.startswith("# Sales\n| Region | Total |\n| --- | --- |")
    odp = extract(filegen.make_odp(tmp_path / "deck.odp", [("Intro", "Welcome aboard"), ("Plan", "Sail at noon")]),
                  "deck.odp", ocr=None)
    assert [(s.page, s.text) for s in odp.sections] == [(1, "Welcome aboard"), (2, "Sail at noon")]


def test_tsv_is_a_table_and_rtf_is_its_text(tmp_path: Path) -> None:
    tsv = tmp_path / "data.tsv"
    tsv.write_text("city\tpopulation\nOslo\t709000\n", encoding="utf-8")
    assert extract(tsv, "data.tsv", ocr=None).text == "| city | population |\n| --- | --- |\n| Oslo | 709000 |"
    rtf = extract(filegen.make_rtf(tmp_path / "letter.rtf", ["Dear café owner,", "The order ships Monday."]),
                  "letter.rtf", ocr=None)
    assert rtf.text.splitlines() == ["Dear café owner,", "The order ships Monday."]


def test_new_extensions_are_supported_and_unknown_ones_say_not_searchable(tmp_path: Path) -> None:
    assert {".eml", ".epub", ".odt", ".ods", ".odp", ".rtf", ".tsv"} <= SUPPORTED_EXTENSIONS
    path = tmp_path / "drawing.dwg"
    path.write_bytes(b"AC1032\x00\x00binary")
    with pytest.raises(UnsupportedFile, match=r"^not searchable: \.dwg files"):
        extract(path, "drawing.dwg", ocr=None)


def test_a_renamed_zip_is_not_taken_for_an_opendocument(tmp_path: Path) -> None:
    import zipfile

    from drive.errors import CorruptFile

    path = tmp_path / "fake.odt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(CorruptFile, match="not a valid OpenDocument text"):
        extract(path, "fake.odt", ocr=None)
