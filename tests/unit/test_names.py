"""File and folder names: direction-control characters that disguise a name are refused; real
right-to-left names are not."""

from __future__ import annotations

import pytest

from drive.errors import InvalidName
from drive.names import (
    beside_number,
    clean_name,
    display_name,
    in_table_body,
    in_title_line,
    keys_of,
    label_position,
    proper_spans,
    title_key,
    title_of,
)


@pytest.mark.parametrize("name", ["invoice\u202efdp.exe.txt", "a\u2066b.pdf", "report\u200f.pdf", "x\u061cy.txt",
                                  "\u202bhidden.txt"])
def test_direction_controls_are_refused(name: str) -> None:
    with pytest.raises(InvalidName, match="text-direction control"):
        clean_name(name)


@pytest.mark.parametrize("name", ["تقرير الربع الثالث.pdf", "דוח שנתי.txt", "café (v2).docx", "日本語.md"])
def test_right_to_left_and_other_scripts_are_fine(name: str) -> None:
    assert clean_name(name) == name


def test_other_refusals_are_unchanged() -> None:
    for bad, reason in (("", "empty"), ("a/b", "'/'"), ("..", "not a valid name"), ("a\x07b", "control")):
        with pytest.raises(InvalidName, match=reason):
            clean_name(bad)


def test_a_sentence_names_a_file_by_its_title_even_in_the_possessive() -> None:
    keys = set(keys_of(proper_spans("Elections were held in July 2000, following Ezer Weizman's resignation.")))
    assert title_key(title_of("Ezer Weizman.txt")) in keys
    hospital = set(keys_of(proper_spans("She worked at St. Mary's Hospital in Leeds.")))
    assert title_key(title_of("St. Mary's Hospital.pdf")) in hospital  # a possessive inside a title stays
    assert "leeds" in keys_of(proper_spans("She worked at St. Mary's Hospital in Leeds."))


def _place(text: str, name: str) -> tuple[bool | None, bool]:
    start = text.index(name)
    return label_position(text, start, start + len(name)), in_title_line(text, start, start + len(name))


def test_where_a_name_sits_label_heading_title_line_or_sentence() -> None:
    form = "Meteorological Information and Flight Plan\nRestraint Used: Seatbelt\n| Cessna |\n"
    assert _place(form, "Meteorological Information") == (False, True)  # a piece of a title-case line
    assert _place(form, "Restraint")[0] is True  # begins a field label
    assert _place(form, "Cessna")[0] is None  # a cell alone
    prose = "The pilot, Maria Lopez, flew from Madill to Tulsa.\n"
    assert _place(prose, "Maria Lopez") == (False, False)


@pytest.mark.parametrize(("text", "name", "qualifier"), [
    ("In FY\n2022 the agency", "FY", True), ("under 14 CFR Part 91", "CFR", True), ("at 1200 CST the pilot", "CST", True),
    ("a 500 MW plant", "MW", True), ("The NTSB said in 2008", "NTSB", False), ("Acme 2022 plan", "Acme", False),
])
def test_an_abbreviation_against_a_number_is_a_qualifier(text: str, name: str, qualifier: bool) -> None:
    start = text.index(name)
    assert beside_number(text, start, start + len(name)) is qualifier


def test_a_table_body_cell_is_told_from_its_header_and_from_prose() -> None:
    table = "Orders\n| Customer | City |\n| --- | --- |\n| Globex | Denver |\n"
    assert in_table_body(table, table.index("Denver")) is True
    assert in_table_body(table, table.index("City")) is False  # the header row
    prose = "Globex moved to Denver.\n"
    assert in_table_body(prose, prose.index("Denver")) is False


def test_a_name_is_shown_without_the_sentences_article_when_it_is_also_written_without_it() -> None:
    assert display_name(["the Dodge Challenger"] * 5 + ["Dodge Challenger"] * 2) == "Dodge Challenger"
    assert display_name(["the United States"] * 3 + ["The United States"] * 2 + ["United States"]) == "United States"
    assert display_name(["the Beatles"] * 3 + ["The Beatles"]) == "the Beatles"  # never written bare: kept
    assert display_name(["United States"] * 3 + ["THE UNITED STATES"]) == "United States"  # a heading's capitals
