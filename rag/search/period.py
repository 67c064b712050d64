"""Period-aware ranking: a question that names a period ("FY 2017", "Q2 2023", "the quarter ended April 1,
2023") or asks for the latest one is answered from the files that cover it.

A drive often holds the same report for several periods, worded alike, so similarity alone cannot tell
"Apple's Q2 2023 10-Q" from the Q1 one. Each file's covered period was stored at ingest
(``drive.pipeline.ingest.metadata``); when some file covers the asked period, passages of files whose known
period does not match are left out, keeping every ranking's order otherwise. Files without a known period
always stay: a question's period says nothing against them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from drive.pipeline.ingest.metadata import PERIOD_PATTERNS, date_of
from drive.store import items
from rag.types import Passage, Scope

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_SHORT_FY = re.compile(r"\bFY\s*'?(\d\d)\b", re.IGNORECASE)
_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-–]\s*(?:FY\s*)?((?:19|20)\d\d)(?!\d)", re.IGNORECASE)
_QUARTER = re.compile(r"\bQ([1-4])\b|\b(first|second|third|fourth)\s+quarter\b", re.IGNORECASE)
_LATEST = re.compile(r"\b(latest|most recent|newest|last|current)\s+(?:\w+\s+){0,2}?"
                     r"(quarter|year|report|filing|10-[qk]|statement|plan|period|version)\b", re.IGNORECASE)
_TREND = re.compile(r"\b(over time|over the (?:years|quarters|periods)|trends?|changed?|chang(?:ing|es)|grown|growth|"
                    r"evolved?|year[- ]over[- ]year|quarter[- ]over[- ]quarter|from (?:year|quarter) to (?:year|quarter)|"
                    r"across (?:the |all )?(?:years|quarters|periods|reports|filings))\b", re.IGNORECASE)
_ORDINAL = {"first": "1", "second": "2", "third": "3", "fourth": "4"}


@dataclass(frozen=True)
class Period:
    """The years a text's period phrases cover, the quarters they name, and whether it asks for the latest."""

    years: frozenset[int] = frozenset()
    quarters: frozenset[str] = frozenset()
    latest: bool = False
    trend: bool = False  # "How has revenue changed over time?": every period has a say

    def __bool__(self) -> bool:
        return bool(self.years or self.latest or self.trend)


def period_in(text: str) -> Period:
    """The periods a text names in period phrases (not every date: "an accident in December 2007" is not a
    period, "fiscal year 2017", "FY 2022-2026", "Q2 2023", "2013 annual report" are)."""
    phrases = [m.group(0) for pattern in PERIOD_PATTERNS for m in pattern.finditer(text)]
    years: set[int] = set()
    quarters: set[str] = set()
    for phrase in phrases:
        for start, end in _RANGE.findall(phrase):
            if int(start) <= int(end) <= int(start) + 10:
                years.update(range(int(start), int(end) + 1))
        years.update(int(y) for y in _YEAR.findall(phrase))
        years.update(2000 + int(y) for y in _SHORT_FY.findall(phrase))
        quarters.update("Q" + (q or _ORDINAL[w.lower()]) for q, w in _QUARTER.findall(phrase))
    return Period(frozenset(years), frozenset(quarters), bool(_LATEST.search(text)), bool(_TREND.search(text)))


def by_period(scope: Scope, question: str, passages: list[Passage]) -> list[Passage]:
    """``passages`` without those of files whose known period misses the asked one, when some file's period
    fits it (a 2022 report that mentions 2021 in passing is not the 2021 report); unchanged when none fits."""
    asked = period_in(question)
    if not asked or not passages:
        return passages
    known = items.document_periods(scope.session, scope.owner, list({p.item_id for p in passages}))
    covered = {item: _covered(name, period) for item, (name, period, _) in known.items()}
    if asked.trend and len(asked.years) != 1:
        return _each_period_first(passages, covered)
    if asked.latest and not asked.years:
        latest = _latest(known)
        misses = {item for item, (_, period, _) in known.items() if period and item not in latest}
    else:
        misses = {item for item, per in covered.items() if per.years and not _fits(asked, per)}
        if not any(per.years and _fits(asked, per) for per in covered.values()):
            return passages  # the drive has no file of that period: the question is answered as asked
    return [p for p in passages if p.item_id not in misses]


def _each_period_first(passages: list[Passage], covered: dict[uuid.UUID, Period]) -> list[Passage]:
    """A change over time: the best passage of each file with a known period first, in time order, so the
    answer can cite every period, not the one or two files that resemble the question most."""
    best: dict[uuid.UUID, Passage] = {}
    for p in passages:
        if covered.get(p.item_id, Period()).years:
            best.setdefault(p.item_id, p)
    if len(best) < 2:
        return passages
    head = sorted(best.values(), key=lambda p: min(covered[p.item_id].years))
    chosen = {p.chunk_id for p in head}
    return head + [p for p in passages if p.chunk_id not in chosen]


def _covered(name: str, period: str) -> Period:
    """A file's period: the stored phrase, else what its name says ("2023 Q2 AAPL.pdf")."""
    found = period_in(period) if period else Period()
    return found if found.years else period_in(re.sub(r"[_.]", " ", name))


def _fits(asked: Period, covered: Period) -> bool:
    if not asked.years & covered.years:
        return False
    return not (asked.quarters and covered.quarters) or bool(asked.quarters & covered.quarters)


def _latest(known: dict[uuid.UUID, tuple[str, str, str]]) -> set[uuid.UUID]:
    """The files whose period ends last (by its years, then the date it names, then the document's date)."""
    dated = {item: (max(_covered(name, period).years, default=0), date_of(period) or date)
             for item, (name, period, date) in known.items() if period}
    if not dated:
        return set(known)
    top = max(dated.values())
    return {item for item, when in dated.items() if when == top}
