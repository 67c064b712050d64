"""A short answer read from a table cell, offline: the row the question names, in the column of its period.

Tables are stored as Markdown (``| a | b |`` rows, a ``| --- |`` separator under the header; every piece of a
split table repeats its caption and header, see ``drive.pipeline.ingest.chunk``). Read as sentences, a row is a
flat run of numbers with no column telling which is which. Here a table is parsed back into header and rows and
each amount cell is scored by:

- the table: its passage must hold at least half the question's keywords (a PDF's table often spills its
  description below its rows), better-ranked passages come first, and of a passage's tables the one whose
  title and labels hold more of them;
- its row: the question's keywords in the row's label cells, rare ones in the table counting more, and the
  share of the label's own words the question says (the label's precision);
- its column: the question's keywords in the column's header;
- its period: a question naming years ("FY 2013", "by September 30, 2023") rules out cells whose row and column
  name only other years, and prefers those naming one of its years (naming none: the table's latest year);
- its kind: targets (goal, aim, target) against actual results. A question asks for the actual value unless it
  says target/goal/aim -- and not when it states the target itself ("against a target of 90 percent").

Pure functions over passage texts; ``rag.answer.direct`` offers the best cell as the short answer when its table
holds enough of the question.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.compose import keywords

_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")
_YEAR = re.compile(r"(?<![\d.,])(19\d{2}|20\d{2})(?!\d|[.,]\d)")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}|^\d{1,2}/\d{1,2}/\d{2,4}$")
# One amount filling a cell: "$91.37", "57.3%", "≥20,000", "1.22", "(1,234)"; not "8.01B" nor "1.1.1.1".
_AMOUNT = re.compile(r"^(?P<cmp>[<>≤≥]=?|~)?\s*(?P<neg>[-−(])?\s*(?P<cur>[$€£])?\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+)"
                     r"(?P<dec>\.\d+)?\s*(?P<unit>%|percent|[KMB]|million|billion|thousand)?\)?\s*(?:\*+|\(\w\))?$",
                     re.IGNORECASE)  # a footnote mark may follow: "57.3%*", "1,204 (a)"
_SAID_AS = {"quarter": "three months", "quarterly": "three months", "half": "six months",
            "semiannual": "six months"}
_COMPARATOR = {"<": "less than", "<=": "at most", "≤": "at most", ">": "more than", ">=": "at least",
               "≥": "at least", "~": "about"}
TARGET_WORDS = frozenset({"target", "targets", "goal", "goals", "aim", "aims", "aimed", "objective", "planned",
                          "projected", "forecast", "budgeted", "estimate", "estimated"})
ACTUAL_WORDS = frozenset({"actual", "actuals", "result", "results", "achieved", "baseline"})
# A question asks for a quantity when it names one ("what was the average unit cost"), not only "how many".
MEASURE_WORDS = frozenset({"amount", "average", "cost", "costs", "count", "figure", "level", "median", "number",
                           "percent", "percentage", "price", "rate", "ratio", "share", "total", "value", "revenue",
                           "revenues", "sales", "income", "expenses", "spending", "time", "days", "target", "goal",
                           "many", "much", "size", "growth", "margin", "score", "change", "budget"})
_UNIT_WORDS = (("percent", "%"), ("percentage", "%"), ("days", " days"), ("hours", " hours"),
               ("billion", " billion"), ("million", " million"), ("thousand", " thousand"))
_PER = re.compile(r"\bper\b[^|]{1,40}$", re.IGNORECASE)
_CURRENCY_WORDS = (("dollars", "$"), ("usd", "$"), ("euros", "€"), ("eur", "€"))
MIN_COVER = 0.5  # the table must hold at least this share of the question's keywords
MIN_SCORE = 0.0  # below it a cell's kind disagrees with the question more than its words agree
RANK_PENALTY = 0.03  # per passage rank: of equal cells, the better-ranked passage's
PERIOD_HIT = 0.5
LATEST = 1e-3  # a tie-break only: below any difference of words
KIND_WEIGHT = 0.5
COLUMN_WEIGHT = 0.5
PRECISION_WEIGHT = 0.5
TABLE_WEIGHT = 0.5
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Table:
    caption: str  # the nearest line above the table (its title or heading), "" if none
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Cell:
    """The answer a table gives: the value with its unit, where it was read, and how well it fits."""

    text: str
    passage: int  # 1-based passage number
    label: str  # the row's label cells, joined
    caption: str  # the table's caption or heading
    column: str  # the column's header
    score: float

    def describe(self) -> str:
        """The cell said as a line a person can check: "Average unit cost ... (FY 2013 Results): $91.37"."""
        where = f"{self.label} ({self.column})" if self.label and self.column else self.label or self.column
        said = f"{where}: {self.text}" if where else self.text
        return f"{self.caption} — {said}" if self.caption else said


# ---------------------------------------------------------------- parsing


def split_cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [c.strip() for c in inner.split("|")]


def _is_separator(cells: list[str]) -> bool:
    """``| --- | --- |``; a PDF's table may run a row into it, so its first cell decides."""
    return bool(cells) and bool(_SEPARATOR_CELL.match(cells[0].replace(" ", "")))


def parse_tables(text: str) -> list[Table]:
    """The Markdown tables of a passage: header (the line above ``| --- |``), rows and caption."""
    tables: list[Table] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].lstrip().startswith("|"):
            i += 1
            continue
        start = i
        while i < len(lines) and lines[i].lstrip().startswith("|"):
            i += 1
        table = _table(lines, start, i)
        if table is not None:
            tables.append(table)
    return tables


def _table(lines: list[str], start: int, end: int) -> Table | None:
    block = [split_cells(line) for line in lines[start:end]]
    at = next((k for k, cells in enumerate(block) if k > 0 and _is_separator(cells)), None)
    if at is None:
        return None
    # The nearest line above that reads as a title: not a layout tool's placeholder or a stray "2030."
    caption = next((ln.strip() for ln in reversed(lines[max(0, start - 3):start]) if _is_label(ln.strip())), "")
    header = tuple(" ".join(block[k][j] for k in range(at) if j < len(block[k])).strip()
                   for j in range(max(len(b) for b in block[:at])))
    rows = tuple(tuple(r) for r in block[at + 1:] if any(r) and not _is_separator(r))
    return Table(caption.lstrip("# ").strip(), header, rows)


# ---------------------------------------------------------------- the question


@dataclass(frozen=True)
class Asked:
    terms: frozenset[str]
    years: frozenset[str]
    target: bool  # asks for a target (goal, aim) rather than an actual result


def asked(question: str) -> Asked:
    q = question.lower()
    tokens = _WORD.findall(q)
    # "against a target of at least 90 percent" states the target: what is asked is the result.
    stated = re.search(r"\b(target|goal)s?\s+(of|was|is)\s+(at least |at most |about |over |under )?[$]?\d", q)
    target = bool(TARGET_WORDS & set(tokens)) and not stated
    terms = keywords(question)
    for word, said in _SAID_AS.items():  # statements head a quarter "Three Months Ended ..."
        if word in tokens:
            terms |= keywords(said)
    return Asked(frozenset(terms), frozenset(_YEAR.findall(question)), target)


def asks_quantity(question: str) -> bool:
    """"how many ...", "what was the average unit cost ...", "what share ...": a number is the answer."""
    return bool(MEASURE_WORDS & set(_WORD.findall(question.lower())))


# ---------------------------------------------------------------- scoring


def read_cell(question: str, passages: Sequence[str]) -> Cell | None:
    """The table cell that answers ``question`` from ``passages`` (texts, best first), or None when no table
    holds enough of the question or no cell fits its period."""
    if not asks_quantity(question):
        return None
    want = asked(question)
    if not want.terms:
        return None
    best: Cell | None = None
    for n, text in enumerate(passages, start=1):
        # The passage is the table's context: a PDF's table often spills its description below the rows.
        cover = len(want.terms & keywords(text)) / len(want.terms)
        if cover < MIN_COVER:
            continue
        for table in parse_tables(text):
            cell = _best_cell(want, table, n, cover)
            if cell is not None and cell.score > MIN_SCORE and (best is None or cell.score > best.score):
                best = cell
    return best


def _best_cell(want: Asked, table: Table, passage: int, cover: float) -> Cell | None:
    if not table.rows:
        return None
    labels = [[c for c in row if not _value(c)] for row in table.rows]
    latest = max(_YEAR.findall(" ".join([*table.header, *(c for cells in labels for c in cells)])), default="")
    row_fit = _fits(want.terms, [" ".join(cells) for cells in labels])
    # Of two tables in one passage, the one whose title and labels say what is asked ("2.4.H Aidan Users" for
    # "how many users of Aidan"): the passage's words alone tie them.
    own = keywords(" ".join([table.caption, *(c for cells in labels for c in cells)]))
    table_fit = TABLE_WEIGHT * len(want.terms & own) / len(want.terms)
    # Of the question's words a header says at all: "budget" picks the "FY 2017 Budget" column outright.
    column_fit = _fits(want.terms & keywords(" ".join(table.header)), list(table.header))
    best: Cell | None = None
    for r, row in enumerate(table.rows):
        for c, value in enumerate(row):
            amount = _value(value)
            if amount is None or (_YEAR.fullmatch(value.strip()) and not want.years):
                continue
            header = table.header[c] if c < len(table.header) else ""
            period = _period(want, labels[r], header, latest)
            if period is None:  # it names other years than the question's
                continue
            fit = period + _kind(want, labels[r], header)
            label = " ".join(x for x in row[:c] if _is_label(x))
            score = cover + table_fit + row_fit[r] + PRECISION_WEIGHT * _precision(want.terms, label) + fit
            score += COLUMN_WEIGHT * (column_fit[c] if c < len(column_fit) else 0.0) - RANK_PENALTY * (passage - 1)
            if best is None or score > best.score:
                best = Cell(_with_unit(amount, header), passage, label, table.caption, header, score)
    return best


def _fits(terms: frozenset[str], texts: list[str]) -> list[float]:
    """For each text, the share of the question's keywords it holds, words rare among the texts counting more."""
    bags = [keywords(t) for t in texts]
    weight = {t: math.log1p(len(bags) / (1.0 + sum(t in b for b in bags))) for t in terms}
    total = sum(weight.values()) or 1.0
    return [sum(w for t, w in weight.items() if t in bag) / total for bag in bags]


def _precision(terms: frozenset[str], label: str) -> float:
    """The share of the row label's words the question says: "Products" fits "products net sales" better
    than "Total net sales" does."""
    words = keywords(label)
    return len(words & terms) / len(words) if words else 0.0


def _period(want: Asked, labels: list[str], header: str, latest: str) -> float | None:
    """A bonus when the cell's row or column names a year the question names; None when it names only others.
    A question naming no year asks for the table's latest: a tie-break for the cells of its latest year,
    wherever the table puts them (financial statements first, performance reports last), never more than
    one of the question's words in a header ("What was the change ...": the "Change" column)."""
    years = set(_YEAR.findall(" ".join([*labels, header])))
    if not years:
        return 0.0
    if not want.years:
        return LATEST if latest in years else 0.0
    return PERIOD_HIT if years & want.years else None


def _kind(want: Asked, labels: list[str], header: str) -> float:
    """Target or actual, from the row's cells (a "Type" column) else the column's header."""
    kind = _kind_of(" ".join(labels)) or _kind_of(header)
    if kind is None:
        return 0.0
    if want.target:
        return KIND_WEIGHT if kind == "target" else -KIND_WEIGHT
    return KIND_WEIGHT / 5 if kind == "actual" else -KIND_WEIGHT  # a mild default, below a header's word


def _kind_of(text: str) -> str | None:
    tokens = set(_WORD.findall(text.lower()))
    target, actual = bool(tokens & TARGET_WORDS), bool(tokens & ACTUAL_WORDS)
    return "target" if target and not actual else "actual" if actual and not target else None


def _value(cell: str) -> re.Match[str] | None:
    """The amount a cell holds when it holds one and nothing else (not a date, an id, or words)."""
    text = cell.strip().replace("\u2212", "-")
    if not text or _DATE.match(text):
        return None
    amount = _AMOUNT.match(text)
    if amount and len(amount.group("unit") or "") == 1 and amount.group("unit") != "%" and not amount.group("cur"):
        return None  # "8.01B" numbers a measure; "$1.2B" is an amount
    return amount


def _is_label(cell: str) -> bool:
    """A cell that names its row: words, not an amount, a date, "n/a" or a layout tool's identifier."""
    return bool(re.search(r"[^\W\d_]{2}", cell)) and cell.lower() != "n/a" and not _DATE.match(cell) \
        and not _is_id(cell)


def _is_id(text: str) -> bool:
    """A layout tool's identifier ("_9cb3bab4-f714-11ec-..."): not a label a person reads."""
    return text.startswith("_") or bool(re.fullmatch(r"[A-Z_]+_\d+", text))


def _with_unit(amount: re.Match[str], header: str) -> str:
    """The value as an answer: its comparator in words, its currency and unit, a percent or days from the
    column's header when the cell itself has none."""
    number = amount.group("num") + (amount.group("dec") or "")
    words = set(_WORD.findall(header.lower()))
    currency = amount.group("cur") or next((sign for word, sign in _CURRENCY_WORDS if word in words), "")
    text = f"{currency}{number}"
    if amount.group("neg"):
        text = f"-{text}"
    unit = amount.group("unit")
    if unit:
        text += unit if len(unit) == 1 else f" {unit}"  # "57.3%", "$1.2B", "3 billion"
    elif rate := _PER.search(header):  # "Number per 100 Million VMT": a rate, its "million" is not a scale
        text += f" {rate.group(0)}"
    else:  # the header's unit only: a row's label may name several ("days to complete the fastest 90 percent")
        text += next((suffix for word, suffix in _UNIT_WORDS if word in words), "")
    comparator = amount.group("cmp")
    return f"{_COMPARATOR.get(comparator, comparator)} {text}" if comparator else text
