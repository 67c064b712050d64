"""Short answers read from a table cell: the row the question names, in the column of the period or kind
(target or actual) it asks for, with its unit; tables written as the readers store them (Markdown, header
repeated in every chunk of a split table)."""

from __future__ import annotations

from drive.pipeline.ingest.chunk import chunk
from drive.pipeline.ingest.formats import markdown_table
from drive.records import Extracted, Section
from rag.answer.table import asks_quantity, parse_tables, read_cell

SALES = ("Condensed Consolidated Statements of Operations (in millions)\n" + markdown_table([
    ["", "Three Months Ended June 25, 2022", "Three Months Ended June 26, 2021",
     "Nine Months Ended June 25, 2022", "Nine Months Ended June 26, 2021"],
    ["Products", "$ 63,355", "$ 63,948", "$ 245,241", "$ 207,977"],
    ["Services", "19,604", "17,486", "58,941", "50,147"],
    ["Total net sales", "82,959", "81,434", "304,182", "258,124"],
    ["Gross margin percentage", "43.3%", "43.3%", "43.3%", "41.8%"],
]))

MEASURES = ("Strategic Goal 4: Honor Service\n" + markdown_table([
    ["Performance Measure", "FY 2011 Results", "FY 2012 Results", "FY 2013 Results", "FY 2013 Target", "Met/ Not Met"],
    ["Percent of retirement claims processed accurately", "94%", "92%", "93%", "95%", "Not Met"],
    ["Average unit cost for processing retirement claims", "$107.62", "$101.89", "$91.37", "$108.29", "Met"],
    ["Retirement claims processed within 60 days", "41%", "38%", "57.3%", "90%", "Not Met"],
]))

# A plan's indicator as a PDF's layout gives it: one row per period, the kind in a "Type" column, the
# description spilled into whichever row it landed on.
INDICATOR = ("1.3.G Adult Enrollees\n" + markdown_table([
    ["", "Description", "Type", "Trend", "Start Date", "End Date", "Number"],
    ["_9cb3bab4-f714-11ec", "", "Target", "Increasing", "2020-10-01", "2021-09-30", "56,000"],
    ["", "", "Target", "Increasing", "2021-10-01", "2022-09-30", "70,000"],
    ["", "Number of adult education participants enrolled", "Actual", "Baseline", "2019-10-01", "2020-09-30",
     "51,915"],
]) + "\nin an integrated education and training program.")


def test_the_row_and_the_period_column_the_question_names() -> None:
    cell = read_cell("What were total net sales for the three months ended June 25, 2022?", [SALES])
    assert cell is not None and cell.text == "82,959" and cell.passage == 1
    assert cell.describe() == ("Condensed Consolidated Statements of Operations (in millions) — Total net sales "
                               "(Three Months Ended June 25, 2022): 82,959")
    services = read_cell("How much revenue came from services in the nine months ended June 26, 2021?", [SALES])
    assert services is not None and services.text == "50,147"
    products = read_cell("What were products net sales in the nine months ended June 25, 2022?", [SALES])
    assert products is not None and products.text == "$245,241"  # its currency comes with it
    latest = read_cell("What were total net sales for the quarter?", [SALES])  # no year: the latest quarter
    assert latest is not None and latest.text == "82,959"
    nine = read_cell("What were total net sales for the nine months ended in 2021?", [SALES])
    assert nine is not None and nine.text == "258,124"
    margin = read_cell("What was the gross margin percentage for the nine months ended June 26, 2021?", [SALES])
    assert margin is not None and margin.text == "41.8%"


def test_actual_unless_the_question_asks_for_the_target() -> None:
    actual = read_cell("What was the FY 2013 average unit cost of processing a retirement claim?", [MEASURES])
    assert actual is not None and actual.text == "$91.37"
    target = read_cell("What FY 2013 goal was set for the average unit cost of retirement claims?", [MEASURES])
    assert target is not None and target.text == "$108.29"
    # The question states the target: what it asks for is the result.
    stated = read_cell("What share of retirement claims was processed within 60 days in FY 2013, against a "
                       "target of at least 90 percent?", [MEASURES])
    assert stated is not None and stated.text == "57.3%"
    latest = read_cell("What is the average unit cost for processing retirement claims?", [MEASURES])
    assert latest is not None and latest.text == "$91.37"  # the latest year's result, the last column but one
    earlier = read_cell("What was the FY 2012 average unit cost for processing retirement claims?", [MEASURES])
    assert earlier is not None and earlier.text == "$101.89"


def test_a_row_per_period_is_chosen_by_its_dates_and_kind() -> None:
    question = "What is the FY 2022 target for the number of adult education participants enrolled?"
    cell = read_cell(question, [INDICATOR])
    assert cell is not None and cell.text == "70,000"
    baseline = read_cell("How many adult education participants were enrolled in FY 2020?", [INDICATOR])
    assert baseline is not None and baseline.text == "51,915"


def test_of_two_tables_in_a_passage_the_one_titled_by_the_question() -> None:
    # the same rows ("Target Increasing") in both: only the titles tell them apart
    visits = INDICATOR.replace("1.3.G Adult Enrollees", "2.4.G Site Visits").replace("70,000", "220,000,000")
    users = INDICATOR.replace("1.3.G Adult Enrollees", "2.4.H Aidan Users").replace("70,000", "750,000")
    cell = read_cell("What is the FY 2022 target for Aidan users?", [visits + "\n\n" + users])
    assert cell is not None and cell.text == "750,000" and cell.caption == "2.4.H Aidan Users"


def test_a_split_table_is_read_from_the_chunk_holding_the_row() -> None:
    rows = [["Region", "FY 2022 Actual", "FY 2023 Actual", "FY 2023 Target"]]
    rows += [[f"District {i}", f"{1000 + i * 7:,}", f"{1100 + i * 9:,}", f"{1200 + i:,}"] for i in range(1, 60)]
    rows.append(["Harbor district", "4,410", "4,702", "5,000"])
    text = "Table 2 - Permits issued by region\n" + markdown_table(rows)
    pieces = [c.text for c in chunk(Extracted([Section(text, page=3)], "application/pdf"), 500, 60)]
    holding = [n for n, t in enumerate(pieces, start=1) if "Harbor district" in t]
    assert len(pieces) > 3 and holding and holding[0] > 1  # the row is not in the first chunk
    for piece in pieces:
        assert parse_tables(piece)[0].header == tuple(rows[0])  # every chunk says what its numbers are
    cell = read_cell("How many permits were issued in the Harbor district in FY 2023?", pieces)
    assert cell is not None and cell.text == "4,702" and cell.passage == holding[0]


def test_units_and_comparators_come_with_the_value() -> None:
    table = "KPI 1.1.1 Motor Vehicle Fatalities\n" + markdown_table([
        ["Description", "Type", "End Date", "Number per 100 Million VMT", "Percent of roads"],
        ["Reduce motor vehicle fatalities", "Target", "2023-09-30", "1.22", "≥40"],
        ["Reduce motor vehicle fatalities", "Actual", "2021-10-01", "1.36*", "(12)"],
    ])
    actual = read_cell("What was the motor vehicle fatality rate in 2021?", [table])
    assert actual is not None and actual.text == "1.36 per 100 Million VMT"  # the footnote mark is not read
    rate = read_cell("What motor vehicle fatality rate is the target by 2023?", [table])
    assert rate is not None and rate.text == "1.22 per 100 Million VMT"  # a rate's "million" is not a scale
    share = read_cell("What percent of roads is the motor vehicle fatalities target for 2023?", [table])
    assert share is not None and share.text == "at least 40%"


def test_no_cell_when_the_table_is_not_about_the_question_or_no_number_is_asked() -> None:
    assert read_cell("What was the average unit cost of a passport renewal in FY 2013?", [SALES]) is None
    assert read_cell("Who signed the report on retirement claims?", [MEASURES]) is None
    assert read_cell("What was the FY 2009 average unit cost for processing retirement claims?", [MEASURES]) is None
    assert read_cell("How many claims were processed?", ["Claims were processed by hand. | not a table |"]) is None
    assert asks_quantity("What was the average unit cost?") and not asks_quantity("Who wrote it?")


def test_the_header_caption_and_rows_are_parsed_back() -> None:
    [table] = parse_tables("Intro line.\n\n" + MEASURES + "\n\nAfter.")
    assert table.caption == "Strategic Goal 4: Honor Service"
    assert table.header[3] == "FY 2013 Results" and len(table.rows) == 3
    assert table.rows[1][0] == "Average unit cost for processing retirement claims"
    assert parse_tables("| a | b |\n| c | d |") == []  # no separator: not a table with a header


def test_a_measure_number_is_not_an_amount_but_a_scaled_currency_is() -> None:
    table = "Goal 8\n" + markdown_table([
        ["Table", "Performance Measure", "FY 2017 Results", "FY 2017 Budget"],
        ["8.01B", "Days to complete the fastest 90 percent of initial investigations", "161", "$1.2B"],
    ])
    days = read_cell("How many days did the fastest 90 percent of initial investigations take in FY 2017?", [table])
    assert days is not None and days.text == "161" and days.label.startswith("Days to complete")
    budget = read_cell("What was the FY 2017 budget for initial investigations?", [table])
    assert budget is not None and budget.text == "$1.2B"
