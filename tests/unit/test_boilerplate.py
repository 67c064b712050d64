"""Running headers, footers and page numbers are dropped before chunking; the body and tables stay."""

from __future__ import annotations

from drive.pipeline.ingest.boilerplate import strip_repeated_lines
from drive.records import Extracted, Section


def report(pages: list[str]) -> Extracted:
    return Extracted([Section(text, page=n) for n, text in enumerate(pages, start=1)], "application/pdf")


def page(n: int, body: str) -> str:
    return f"ACME Corp. Quarterly Report\n{body}\nConfidential - do not distribute\nPage {n} of 5"


def test_running_header_footer_and_page_numbers_go_and_the_body_stays() -> None:
    bodies = ["Revenue rose in the north.", "Costs fell.", "| Region | Total |\n| --- | --- |\n| North | 12 |",
              "Outlook is stable.", "Signed by the board."]
    doc = strip_repeated_lines(report([page(n, b) for n, b in enumerate(bodies, start=1)]))
    assert [s.text for s in doc.sections] == bodies
    assert [s.page for s in doc.sections] == [1, 2, 3, 4, 5]


def test_a_line_on_few_pages_is_kept() -> None:
    pages = ["Summary\nSales grew.", "Summary\nCosts fell.", "Details\nMore text.", "Details\nEven more.",
             "Appendix\nTables.", "Index\nTerms."]
    assert strip_repeated_lines(report(pages)) == report(pages)


def test_a_table_header_repeated_on_every_page_is_kept() -> None:
    pages = [f"| Measure | FY 2017 |\n| --- | --- |\n| Row {n} | {n} |" for n in range(1, 5)]
    assert strip_repeated_lines(report(pages)) == report(pages)


def test_documents_without_pages_are_untouched() -> None:
    doc = Extracted([Section("Title\nBody"), Section("Title\nMore")], "text/plain")
    assert strip_repeated_lines(doc) is doc
