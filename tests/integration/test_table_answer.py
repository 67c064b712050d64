"""A question whose answer is one cell of a table in a spreadsheet or a Word document, through real ingestion:
the offline short answer is that cell (the asked row, in the asked period's column), cited to its file."""

from __future__ import annotations

from pathlib import Path

from drive.core import Drive
from drive.jobs.drain import drain
from drive.jobs.worker import Worker
from drive.ml.models import Models
from drive.service import DriveService
from rag.ask import ask
from tests.filegen import make_docx, make_xlsx

PERMITS: list[list[object]] = [["Region", "FY 2022 Actual", "FY 2023 Actual", "FY 2023 Target"],
           ["Harbor district", 4410, 4702, 5000],
           ["Hill district", 3120, 3388, 3500],
           ["Old town", 2890, 2755, 3000],
           ["Riverside", 1960, 2204, 2100]]
VISITS = [["Branch", "Visits in 2021", "Visits in 2022", "Change"],
          ["Central library", "120,400", "131,900", "9.6%"],
          ["Riverside branch", "45,210", "48,730", "7.8%"],
          ["Airport kiosk", "8,115", "7,020", "-13.5%"]]


def test_the_short_answer_is_the_cell_of_the_asked_row_and_period(
        tmp_path: Path, drive: Drive, svc: DriveService, worker: Worker, models: Models) -> None:
    sheet = make_xlsx(tmp_path / "permits.xlsx", {"Building permits issued": PERMITS})
    report = make_docx(tmp_path / "libraries.docx", "Library visits",
                       ["Visits to the city's libraries, counted at the door by each branch."], VISITS)
    for path in (sheet, report):
        with path.open("rb") as fh:
            svc.upload(fh, path.name)
    drain(worker)

    asked = {"How many building permits were issued in the Hill district in FY 2023?": ("3388", sheet.name),
             "What was the FY 2023 target for building permits in the Old town?": ("3000", sheet.name),
             "How many visits did the Riverside branch have in 2022?": ("48,730", report.name),
             "What was the change in visits at the airport kiosk?": ("-13.5%", report.name)}
    for question, (value, file) in asked.items():
        answer = ask(drive, models, svc.owner, question)
        assert answer.found and answer.short_answer == value, (question, answer.short_answer, answer.text)
        first = answer.citations[0]  # the short answer's citation comes first: the file holding the table
        assert first.file == file and value in first.passage
        assert answer.text.startswith(f"**{value}** [1]")
