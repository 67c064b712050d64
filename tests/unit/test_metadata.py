"""Document metadata: title, date and covered period from properties, first pages and the file name."""

from __future__ import annotations

from drive.pipeline.ingest.metadata import date_of, describe, period_of
from drive.records import DocMeta, Extracted, Section


def doc(first_page: str, meta: DocMeta | None = None) -> Extracted:
    return Extracted([Section(first_page, page=1), Section("Body text.", page=2)], "application/pdf", meta=meta or DocMeta())


def test_a_quarterly_filing_names_its_period_and_date() -> None:
    page = ("UNITED STATES SECURITIES AND EXCHANGE COMMISSION\nFORM 10-Q\n"
            "QUARTERLY REPORT PURSUANT TO SECTION 13\nFor the quarterly period ended April 1, 2023\nApple Inc.")
    meta = describe(doc(page), "aapl-10q.pdf").meta
    assert meta.period == "quarterly period ended April 1, 2023"
    assert meta.date == "2023-04-01"
    assert meta.title == "UNITED STATES SECURITIES AND EXCHANGE COMMISSION"


def test_properties_win_for_title_and_author_and_the_file_name_gives_the_period() -> None:
    meta = describe(doc("Summary of results", DocMeta(title="Annual Performance Report", author="OPM",
                                                       created="D:20180125081203-05'00'")), "2023 Q2 AAPL.pdf").meta
    assert (meta.title, meta.author, meta.date, meta.period) == ("Annual Performance Report", "OPM", "2018-01-25",
                                                                 "2023 Q2")


def test_a_placeholder_title_is_replaced_by_the_first_line() -> None:
    meta = describe(doc("# Strategic Plan FY 2022-2026\nIntro", DocMeta(title="Microsoft Word - plan.docx")), "x.pdf").meta
    assert meta.title == "Strategic Plan FY 2022-2026"
    assert meta.period == "FY 2022-2026"


def test_parsers() -> None:
    assert period_of("Annual Performance Report Fiscal Year 2017") == "Fiscal Year 2017"
    assert period_of("for the fiscal year ended September 30, 2022") == "fiscal year ended September 30, 2022"
    assert period_of("no period here") == ""
    assert date_of("Signed on Dec. 29, 2007 in Tallahassee") == "2007-12-29"
    assert date_of("Updated March 2024") == "2024-03"
    assert date_of("2023-11-15 draft") == "2023-11-15"
    assert date_of("Tue, 04 Apr 2023 09:30:00") == "2023-04-04"
    assert describe(doc("Text"), "DHS2020.pdf").meta.period == "2020"
