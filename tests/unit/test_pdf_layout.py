"""PDF reading order and tables: real PDFs made by the tests, read through PDFium."""

from __future__ import annotations

from pathlib import Path

import pytest

from drive.errors import CorruptFile
from drive.pipeline.ingest.extract import extract
from drive.pipeline.ingest.formats.layout import Run, page_text
from drive.pipeline.ingest.formats.ruled import Rule
from tests import filegen

LEFT = "Left column opens here. " + "The harbour crane lifts containers at dawn. " * 6 + "Left column ends here."
RIGHT = "Right column opens here. " + "The lighthouse keeper logs every passing ship. " * 6 + "Right column ends here."
TABLE = [
    ["Segment", "Q2 2023", "Q2 2022"],
    ["Products", "63,355", "63,948"],
    ["Services", "19,604", "17,486"],
    ["Total net sales", "82,959", "81,434"],
]


@pytest.fixture(scope="module")
def layout_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("layout") / "quarterly.pdf"
    return filegen.make_pdf_layout(path, "Quarterly report", (LEFT, RIGHT), TABLE)


def test_two_columns_are_read_one_after_the_other(layout_pdf: Path) -> None:
    text = extract(layout_pdf, "quarterly.pdf", ocr=None).text
    order = [text.index(p) for p in ("Quarterly report", "Left column opens", "Left column ends",
                                     "Right column opens", "Right column ends")]
    assert order == sorted(order), text
    assert "The harbour crane lifts containers at dawn." in " ".join(text.split())


def test_a_table_keeps_its_rows_and_header(layout_pdf: Path) -> None:
    text = extract(layout_pdf, "quarterly.pdf", ocr=None).text
    assert "| Segment | Q2 2023 | Q2 2022 |\n| --- | --- | --- |" in text
    assert "| Total net sales | 82,959 | 81,434 |" in text


def test_header_lines_above_the_numbers_merge_into_one_header_row() -> None:
    def cell(text: str, left: float, top: float) -> Run:
        return Run(text, left, top - 8, left + 6 * len(text), top)

    runs = [cell("Three Months Ended", 300, 700), cell("Three Months Ended", 420, 700),
            cell("June 25, 2022", 300, 688), cell("June 26, 2021", 420, 688)]
    rows = [("Products", "63,355", "63,948"), ("Services", "19,604", "17,486"), ("Total net sales", "82,959", "81,434")]
    for k, (label, a, b) in enumerate(rows):
        top = 670 - 12 * k
        runs += [cell(label, 72, top), cell(a, 300, top), cell(b, 420, top)]
    text = page_text(runs, 612)
    assert text.splitlines()[0] == "|  | Three Months Ended June 25, 2022 | Three Months Ended June 26, 2021 |"
    assert "| Total net sales | 82,959 | 81,434 |" in text


def test_a_form_keeps_each_label_beside_its_value() -> None:
    # An NTSB report's weather block: labels in a left column, values to their right on the same lines. Read as
    # two columns, every label came first and "Overcast / 200 ft agl" lost the "Lowest Ceiling:" it answers.
    def cell(text: str, left: float, top: float) -> Run:
        return Run(text, left, top - 8, left + 5 * len(text), top)

    fields = [("Observation Time:", "1453 EST"), ("Lowest Cloud Condition:", "Visibility 1.25 Miles"),
              ("Lowest Ceiling:", "Overcast / 200 ft agl"), ("Wind Speed/Gusts:", "5 knots"),
              ("Wind Direction:", "190 degrees"), ("Altimeter Setting:", "30 inches Hg"),
              ("Departure Point:", "Elyria, OH (LPR)"), ("Destination:", "Pontiac, MI (PTK)")]
    runs = [r for k, (label, value) in enumerate(fields) for r in (cell(label, 72, 700 - 12 * k),
                                                                   cell(value, 320, 700 - 12 * k))]
    runs.append(cell("Turbulence Severity /", 430, 700 - 12 * 4))  # a right-column label without its colon
    lines = page_text(runs, 612).splitlines()
    assert "Lowest Ceiling: Overcast / 200 ft agl" in lines
    assert "Wind Direction: 190 degrees | Turbulence Severity /" in lines
    assert "Destination: Pontiac, MI (PTK)" in lines


def test_a_form_of_two_field_columns_is_no_table_and_keeps_its_fields_apart() -> None:
    # "Aircraft and Owner/Operator Information": label, value, label, value on each line, a few values numbers.
    # As a table, the label lines without numbers folded into one row ("Landing Gear Type: Date/Type of ...").
    def cell(text: str, left: float, top: float) -> Run:
        return Run(text, left, top - 8, left + 5 * len(text), top)

    rows = [("Aircraft Make:", "Piper", "Registration:", "N5921D"), ("Landing Gear Type:", "Tailwheel", "Seats:", "4"),
            ("Airframe Total Time:", "3861 Hours", "Engines:", "1 Reciprocating"),
            ("Registered Owner:", "Willis O Forman", "Rated Power:", "150 hp"),
            ("Operator:", "Willis O Forman", "Engine Model/Series:", "O-320"), ("ELT:", "Installed", "Seats Used:", "2")]
    runs = [cell(text, left, 700 - 12 * k) for k, row in enumerate(rows)
            for text, left in zip(row, (72, 200, 320, 420), strict=True)]
    lines = page_text(runs, 612).splitlines()
    assert "Landing Gear Type: Tailwheel | Seats: 4" in lines
    assert "Registered Owner: Willis O Forman | Rated Power: 150 hp" in lines
    header = [cell("Aircraft: Reims F172 M", 72, 700), cell("Aircraft Damage: Destroyed", 320, 700)]
    assert page_text(header, 612) == "Aircraft: Reims F172 M | Aircraft Damage: Destroyed"  # not "F172 M Aircraft"


SYNOPSIS = [
    ("Title of Study", "Patient experience of day-case bladder tumour resection: qualitative interviews with "
                       "patients treated in hospitals across England"),
    ("Number of Study Sites", "6+"),
    ("Number of participants", "15, with plans to expand in increments of 3 until thematic saturation is reached, "
                               "or until the study period ends"),
    ("Study Design", "Semi-structured qualitative interviews"),
    ("Study Duration", "18 Months"),
]


def test_a_ruled_table_of_labels_and_values_is_read_row_by_row(tmp_path: Path) -> None:
    # A protocol's synopsis: labels without colons, each in the middle of its row's height, values wrapped. Read
    # as two columns, all labels came first; line by line, "Number of participants" fell inside its value.
    path = filegen.make_pdf_synopsis(tmp_path / "synopsis.pdf", "Protocol synopsis", SYNOPSIS)
    lines = extract(path, "synopsis.pdf", ocr=None).sections[0].text.splitlines()
    assert lines[0] == "Protocol synopsis"
    assert lines[1:] == [f"{label}: {value}" for label, value in SYNOPSIS]


def test_rules_across_a_table_of_more_columns_leave_it_as_it_was() -> None:
    def cell(text: str, left: float, top: float) -> Run:
        return Run(text, left, top - 8, left + 5 * len(text), top)

    rows = [("Description", "Type", "Status"), ("Improve coverage", "Target", "Met"),
            ("Increase tables", "Target", "Increased"), ("Serve patients", "Actual", "Reduced"),
            ("Reduce wait", "Actual", "Met"), ("Expand access", "Target", "Unmet")]
    runs = [cell(text, left, 700 - 20 * k) for k, row in enumerate(rows)
            for text, left in zip(row, (72, 330, 450), strict=True)]
    rules = [Rule(711 - 20 * k, 60, 560) for k in range(len(rows) + 1)]
    assert page_text(runs, 612, lambda: rules) == page_text(runs, 612)


def test_the_next_tables_title_below_a_last_row_without_its_rule_is_no_part_of_its_label() -> None:
    def cell(text: str, left: float, top: float) -> Run:
        return Run(text, left, top - 8, left + 5 * len(text), top)

    rows = [("Performance Measure", "Percent of offices meeting targets"), ("Data Source", "Team survey"),
            ("Frequency", "Weekly"), ("Data Limitations", "The data fluctuate nominally")]
    runs = [r for k, (label, value) in enumerate(rows) for r in (cell(label, 72, 700 - 24 * k),
                                                                 cell(value, 250, 700 - 24 * k))]
    runs += [cell("TABLE 2.01B", 72, 700 - 24 * 4), cell("Performance Measure", 72, 700 - 24 * 5 - 8),
             cell("Percent of employees trained", 250, 700 - 24 * 5 - 8)]
    rules = [Rule(706 - 24 * k, 60, 560) for k in range(4)]  # no rule under "Data Limitations"
    rules += [Rule(706 - 24 * 5 - 4, 60, 560), Rule(706 - 24 * 6 - 4, 60, 560)]
    lines = page_text(runs, 612, lambda: rules).splitlines()
    assert lines[:4] == ["Performance Measure: Percent of offices meeting targets", "Data Source: Team survey",
                         "Frequency: Weekly", "Data Limitations: The data fluctuate nominally"]
    assert lines[4] == "TABLE 2.01B"


def test_text_drawn_twice_at_one_place_is_read_once() -> None:
    runs = [Run("Bold heading", 72, 700, 150, 710), Run("Bold heading", 72.4, 700.2, 150.4, 710.2)]
    assert page_text(runs, 612) == "Bold heading"


def test_words_placed_apart_without_a_space_glyph_read_apart(tmp_path: Path) -> None:
    # PDFium's own text reads "UnitedStates" here; poppler and a reader's eye see two words
    words = ["the", "people", "of", "the", "United", "States", "and", "the", "world"]
    path = filegen.make_pdf_words(tmp_path / "placed.pdf", words, gap_em=0.15)
    assert extract(path, "placed.pdf", ocr=None).sections[0].text == " ".join(words)


def test_a_pdf_without_any_readable_page_fails(tmp_path: Path) -> None:
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
    with pytest.raises(CorruptFile, match="not a valid PDF"):
        extract(path, "junk.pdf", ocr=None)


def test_right_to_left_text_comes_back_in_reading_order() -> None:
    from drive.pipeline.ingest.formats.pdf import logical_order

    # PDFium hands Arabic over in visual order (characters reversed); Latin stretches keep theirs.
    visual = "ةدعاق ىلع Scopus وأ Web Of Science"
    assert logical_order(visual) == "Web Of Science أو Scopus على قاعدة"


def test_a_row_label_wrapped_around_its_numbers_joins_its_row() -> None:
    def cell(text: str, left: float, top: float) -> Run:
        return Run(text, left, top - 8, left + 5 * len(text), top)

    lines = [("Measure", "FY 2012", "FY 2013")]
    runs = [cell(t, x, 720) for t, x in zip(lines[0], (72, 300, 400), strict=True)]
    # Each label spans three lines, centred on the line with the numbers (as report tables print them).
    for k, (above, label, below, a, b) in enumerate([("Average unit cost", "for processing", "retirement claims",
                                                      "$101.89", "$91.37"),
                                                     ("Percent of claims", "processed", "accurately", "92%", "93%")]):
        top = 700 - 40 * k
        runs += [cell(above, 72, top), cell(label, 72, top - 12), cell(a, 300, top - 12), cell(b, 400, top - 12),
                 cell(below, 72, top - 24)]
    text = page_text(runs, 612)
    assert "| Average unit cost for processing retirement claims | $101.89 | $91.37 |" in text, text
    assert "| Percent of claims processed accurately | 92% | 93% |" in text, text


def test_a_currency_sign_set_apart_stays_with_its_amount() -> None:
    def cell(text: str, left: float, top: float) -> Run:
        return Run(text, left, top - 8, left + 5 * len(text), top)

    runs = [cell("Three Months Ended", 300, 720), cell("Three Months Ended", 420, 720)]
    for k, (label, a, b) in enumerate([("Products", "63,355", "63,948"), ("Services", "19,604", "17,486"),
                                       ("Total net sales", "82,959", "81,434")]):
        top = 700 - 12 * k
        runs += [cell(label, 72, top), cell("$", 300, top), cell(a, 340, top), cell("$", 420, top), cell(b, 460, top)]
    text = page_text(runs, 612)
    assert "| Total net sales | $ 82,959 | $ 81,434 |" in text, text
