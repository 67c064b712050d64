"""Reports of the same kind for several periods, worded alike: a question that names a period, or asks for
the latest, is answered from the file that covers it (the period stored at ingest), not from a neighbour
that mentions the same year in passing."""

from __future__ import annotations

import io

from drive.core import Drive
from drive.jobs.drain import drain
from drive.jobs.worker import Worker
from drive.ml.models import Models
from drive.service import DriveService
from rag.ask import ask, retrieve

REVENUE = {2020: 8, 2021: 10, 2022: 12, 2023: 15}


def report(year: int) -> str:
    before = REVENUE.get(year - 1)
    trend = f" That is up from ${before} million in fiscal year {year - 1}." if before else ""
    return (f"Acme Annual Report, Fiscal Year {year}.\n\n"
            f"Total revenue was ${REVENUE[year]} million.{trend} Operating costs rose with the new plant. "
            "The board thanks every employee for the year's work.")


def test_a_named_period_or_the_latest_picks_the_file_that_covers_it(
        drive: Drive, svc: DriveService, worker: Worker, models: Models) -> None:
    names = {year: f"acme-report-{letter}.txt" for year, letter in zip(REVENUE, "abcd", strict=True)}
    for year, name in names.items():
        svc.upload(io.BytesIO(report(year).encode()), name)
    drain(worker)
    assert {i.period for i in svc.list_page(None, limit=10)} >= {"Fiscal Year 2021", "Fiscal Year 2023"}
    for year in (2020, 2021, 2022):
        found = retrieve(drive, models, svc.owner, f"What was Acme's total revenue in fiscal year {year}?")
        files = list(dict.fromkeys(p.file for p in found.passages))
        assert files[0] == names[year], (year, files)
    answer = ask(drive, models, svc.owner, "What was Acme's total revenue in fiscal year 2021?")
    assert answer.short_answer == "$10 million"
    cited = {c.file: c for c in answer.citations}
    assert cited[names[2021]].period == "Fiscal Year 2021"  # the citation says which year its file covers
    assert cited[names[2021]].to_json()["period"] == "Fiscal Year 2021"  # what `ask --json` prints
    latest = retrieve(drive, models, svc.owner, "What total revenue does the latest annual report give?")
    assert latest.passages[0].file == names[2023]
    plain = retrieve(drive, models, svc.owner, "What was Acme's total revenue in fiscal year 2021?", mode="vector")
    assert {p.file for p in plain.passages} == set(names.values())  # baselines are not re-ranked, nothing dropped

    trend = ask(drive, models, svc.owner, "How has Acme's total revenue changed over time?")
    assert {c.file for c in trend.citations} == set(names.values())  # every year has its say


CERTIFICATION = ("CERTIFICATION PURSUANT TO 18 U.S.C. SECTION 1350, AS ADOPTED PURSUANT TO SECTION 906 OF THE "
                 "SARBANES-OXLEY ACT OF 2002. I, the Chief Executive Officer of Acme, certify that the report fully "
                 "complies with the requirements of Section 13(a) of the Securities Exchange Act of 1934 and that the "
                 "information it contains fairly presents, in all material respects, the financial condition and "
                 "results of operations of the Company. Date: {date}")


def test_a_notice_repeated_in_every_filing_takes_one_place_not_five(
        drive: Drive, svc: DriveService, worker: Worker, models: Models) -> None:
    topics = ["Revenue from the new plant covered its operating costs within a year.",
              "Operating costs of the plant rose because steel prices doubled.",
              "The company reported revenue growth in every region except Europe.",
              "Management expects operating costs to fall once the plant runs at capacity."]
    for n, topic in enumerate(topics):
        details = " ".join(f"In week {w} the plant shipped {100 * n + 7 * w} crates to customer {chr(65 + w)}."
                           for w in range(1, 16))
        body = (f"Acme quarterly filing number {n + 1}.\n\n{topic} {details}\n\n"
                + CERTIFICATION.format(date=f"July {n + 20}, 2023"))
        svc.upload(io.BytesIO(body.encode()), f"filing-{n + 1}.txt")
    drain(worker)
    found = retrieve(drive, models, svc.owner, "What do the filings say about Acme's revenue and operating costs "
                                                "and the certification of the report?")
    top = found.passages[:5]
    assert sum("SARBANES-OXLEY" in p.text for p in top) == 1, [p.text[:60] for p in top]
    plain = retrieve(drive, models, svc.owner, "the certification of the report Sarbanes-Oxley", mode="keyword")
    assert sum("SARBANES-OXLEY" in p.text for p in plain.passages) == 4  # every copy is still there to find
