"""Keyword search on a drive where one word is everywhere: the rare word still finds its file, for its owner only,
and ranks it above files that only repeat the question's common words."""

from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import text

from drive.core import Drive
from drive.jobs.drain import drain
from drive.jobs.worker import Worker
from drive.service import DriveService
from rag.search import rare, retrieve
from rag.search.retrieve import keyword_search
from rag.types import Scope

QUESTION = "Which quarterly report mentions the Zanzibar office?"


def fill(svc: DriveService, worker: Worker) -> None:
    for n in range(10):
        body = f"Quarterly report {n}. The quarterly report lists revenue, costs and the report's other figures."
        svc.upload(io.BytesIO(body.encode()), f"report-{n}.txt")
    svc.upload(io.BytesIO(b"Quarterly report 11. The new Zanzibar office opened in March."), "zanzibar.txt")
    drain(worker)


def search(drive: Drive, owner: uuid.UUID) -> list[str]:
    with drive.db.session() as s:
        return [p.file for p in keyword_search(Scope(s, owner), QUESTION, k=20)]


def test_a_rare_word_finds_its_file_when_common_words_no_longer_choose(
    drive: Drive, svc: DriveService, worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(svc, worker)
    other = drive.service(drive.user_id(f"k{uuid.uuid4().hex[:8]}"))
    other.upload(io.BytesIO(b"Our Zanzibar quarterly report: the office moved."), "theirs.txt")
    drain(worker)
    with drive.db.engine.begin() as conn:
        conn.execute(text("ANALYZE chunks"))
    everything = search(drive, svc.owner)
    assert "zanzibar.txt" in everything and len(everything) == 11  # every file holding a word
    # As on a drive of millions of chunks: "quarterly" and "report" too common to choose. The frequencies are set
    # here because the statistics are the whole table's, and other tests' files share it.
    listed = {"quarter": 0.5, "report": 0.6, "mention": 0.0001}
    monkeypatch.setattr(rare, "_listed", lambda *_: listed)
    monkeypatch.setattr(rare, "BUDGET", 1)
    pruned = search(drive, svc.owner)
    assert pruned[0] == "zanzibar.txt"  # only files holding the rare word are ranked, by all the words
    assert len(pruned) < len(everything)
    assert "theirs.txt" not in everything + pruned
    assert search(drive, other.owner) == ["theirs.txt"]



def test_a_rare_word_outweighs_common_words_said_many_times(svc: DriveService, worker: Worker, drive: Drive) -> None:
    for n in range(6):
        body = (f"Flight log {n}. Flight time: {300 + n} hours total, all aircraft. The pilot logged the hours of "
                "each aircraft; the pilot's aircraft hours were recorded by the pilot.")
        svc.upload(io.BytesIO(body.encode()), f"log-{n}.txt")
    svc.upload(io.BytesIO(b"The accident at Belen: the aircraft ground looped on landing."), "belen.txt")
    drain(worker)
    with drive.db.session() as s:
        found = [p.file for p in keyword_search(Scope(s, svc.owner), "How many aircraft hours did the pilot have "
                                                                     "when he ground looped at Belen?", k=10)]
    assert found[0] == "belen.txt"  # "Belen" and "looped" are in one file; "pilot", "hours", "aircraft" in all
    assert len(found) == 7


def test_the_rare_word_enters_the_shortlist_before_files_repeating_common_words(
    svc: DriveService, worker: Worker, drive: Drive, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(6):
        body = f"Flight log {n}. The pilot logged {300 + n} hours in the aircraft; pilot hours, aircraft hours."
        svc.upload(io.BytesIO(body.encode()), f"log-{n}.txt")
    svc.upload(io.BytesIO(b"The accident at Belen: the aircraft ground looped."), "belen.txt")
    drain(worker)
    with drive.db.engine.begin() as conn:
        conn.execute(text("ANALYZE chunks"))
    # As on a drive where the common words match far more chunks than the shortlist holds.
    monkeypatch.setattr(rare, "_listed", lambda *_: {"pilot": 0.5, "hour": 0.5, "aircraft": 0.5})
    monkeypatch.setattr(retrieve, "SHORTLIST", 3)
    with drive.db.session() as s:
        found = [p.file for p in keyword_search(Scope(s, svc.owner), "Pilot hours in the aircraft at Belen?", k=3)]
    assert found[0] == "belen.txt"
