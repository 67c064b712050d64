"""A two-column table drawn with rules, read row by row: "Number of participants: 15, with plans to expand ...".

A protocol's synopsis is such a table: labels left, values right, a rule under each row, no colons. Read as two
columns of prose (``layout``), all the labels come first and all the values after, so no value stands beside
its label; read line by line, a label set in the middle of its row's height falls between its value's lines.
The rules say where each row begins and ends: the text between two rules that run across the column gap is one
row, its left part the label, its right part the value. Pure: rules and lines in, text out (PDF points, y up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

MIN_ROWS = 3  # rows with text on both sides of the gap, for the stretch to be read as such a table
ROW_SHARE = 0.5  # of the stretch's lines that must fall in those rows
LABEL_WORDS = 12  # a label: "GOAL 2 Timely, Accurate, and Responsive Customer Service"
SAME_Y = 1.5  # points: segments this close in height are one rule (a row's rule is drawn cell by cell)


class Cell(Protocol):
    """What is read of a cell (``layout.Run``): its text and where it starts and ends across the page."""

    @property
    def text(self) -> str: ...
    @property
    def left(self) -> float: ...
    @property
    def right(self) -> float: ...


class Line(Protocol):
    """What is read of a line (``layout.Line``): its cells, left to right, its height on the page and its text."""

    @property
    def cells(self) -> Sequence[Cell]: ...
    @property
    def top(self) -> float: ...
    @property
    def bottom(self) -> float: ...
    @property
    def height(self) -> float: ...
    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Rule:
    """A horizontal rule: its height on the page and where it starts and ends."""

    y: float
    left: float
    right: float


def ruled_rows(lines: Sequence[Line], x: float, rules: list[Rule]) -> list[str] | None:
    """The stretch's lines read row by row, each row "left: right" where rules across ``x`` bound it, other lines
    in place; None unless MIN_ROWS rows hold text on both sides of ``x`` and hold ROW_SHARE of the lines, and
    none of them is a row of more than two columns or holds more than LABEL_WORDS words on the left."""
    bounds = sorted({round(r.y, 1) for r in _joined(rules) if r.left < x < r.right}, reverse=True)
    if len(bounds) < MIN_ROWS + 1:
        return None
    rows = {i: _within(row, x) for i, row in _between(lines, bounds).items()}
    paired = {i: _pair(row, x) for i, row in rows.items()}
    both = [i for i, (left, right) in paired.items() if left and right]
    if not _label_table(lines, {i: rows[i] for i in both}, [paired[i][0] for i in both], x):
        return None
    out: list[str] = []
    done: set[int] = set()
    for line in lines:
        row = next((i for i in both if line in rows[i]), None)
        if row is None:
            out.append(line.text)
        elif row not in done:
            done.add(row)
            left, right = paired[row]
            out.append(f"{left} {right}" if left.endswith(":") else f"{left}: {right}")
    return out


def _between(lines: Sequence[Line], bounds: list[float]) -> dict[int, list[Line]]:
    """The lines whose middle falls between two consecutive rules, by the number of the rule above them."""
    rows: dict[int, list[Line]] = {}
    for line in lines:
        middle = (line.top + line.bottom) / 2
        row = next((i for i, (hi, lo) in enumerate(zip(bounds, bounds[1:], strict=False)) if lo < middle < hi), None)
        if row is not None:
            rows.setdefault(row, []).append(line)
    return rows


def _label_table(lines: Sequence[Line], rows: dict[int, list[Line]], labels: list[str], x: float) -> bool:
    """Enough rows with text on both sides, holding enough of the lines; none a row of more columns
    ("Description | Type | Status | Start Date"), and no label of prose (a page of two columns that the boxes of
    a sidebar cut)."""
    if len(rows) < MIN_ROWS or sum(len(row) for row in rows.values()) < ROW_SHARE * len(lines):
        return False
    if any(not _two_cells(line, x) for row in rows.values() for line in row):
        return False
    return all(len(label.split()) <= LABEL_WORDS for label in labels)


def _within(row: list[Line], x: float) -> list[Line]:
    """The row's lines beside its value: a line left of ``x`` only, and below (or above) the value's lines by
    more than half a line, is no part of its label but the next table's title ("TABLE 1.03") where a table's
    last rule is missing: it is read in place."""
    valued = [line for line in row if not all(_left_of(c, x) for c in line.cells)]
    if not valued:
        return row
    top, bottom = max(v.top for v in valued), min(v.bottom for v in valued)
    return [line for line in row if line in valued
            or (line.top >= bottom - line.height / 2 and line.bottom <= top + line.height / 2)]


def _two_cells(line: Line, x: float) -> bool:
    """At most one cell on each side of ``x``: a label and its value, not a row of several columns."""
    left = sum(1 for c in line.cells if _left_of(c, x))
    return left <= 1 and len(line.cells) - left <= 1


def _pair(row: list[Line], x: float) -> tuple[str, str]:
    """A row's text left of ``x`` and right of it, each top to bottom."""
    left = " ".join(c.text for line in row for c in line.cells if _left_of(c, x))
    right = " ".join(c.text for line in row for c in line.cells if not _left_of(c, x))
    return " ".join(left.split()), " ".join(right.split())


def _left_of(cell: Cell, x: float) -> bool:
    """Does the cell stand left of the gap at ``x`` (its middle does)?"""
    return (cell.left + cell.right) / 2 < x


def _joined(rules: list[Rule]) -> list[Rule]:
    """Segments at one height that meet (a rule drawn cell by cell) as one rule."""
    out: list[Rule] = []
    for rule in sorted(rules, key=lambda r: (round(r.y / SAME_Y), r.left)):
        last = out[-1] if out else None
        if last is not None and abs(last.y - rule.y) <= SAME_Y and rule.left <= last.right + SAME_Y:
            out[-1] = Rule(last.y, last.left, max(last.right, rule.right))
        else:
            out.append(rule)
    return out
