"""Reading order for one PDF page, from the positions of its text runs (pure: no PDF library here).

Input: ``Run``s, each a piece of text with its box (PDF points, y grows upwards), as PDFium reports
text rectangles. Output: the page's text, top to bottom, where

* runs on one baseline are one line; a wide horizontal gap inside a line separates *cells*;
* a run of lines with several aligned cells is a **table**, emitted as a Markdown table whose first
  row is the header (header lines above the first row holding numbers are merged column by column,
  so "Three Months Ended" / "June 25, 2022" becomes one header cell);
* a **two-column** stretch (lines that leave a common vertical gutter free) is read column by
  column, left then right; lines that cross the gutter (titles, full-width paragraphs) are read in
  place; a form (labels left of the gutter) line by line, a table ruled into label/value rows row by
  row (``ruled``);
* a vertical gap larger than a line and a half starts a new paragraph (a blank line).
"""

from __future__ import annotations

import bisect
import functools
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from drive.pipeline.ingest.formats import table_line
from drive.pipeline.ingest.formats.ruled import Rule, ruled_rows

_NUMERIC = re.compile(r"^[\s$€£(+\-–—]*\d[\d.,%\s)]*[%)*]?$|^[\s$€£]*[—–-]+\s*$")
CELL_GAP = 1.2  # a gap wider than this many line heights separates cells
_MIN_TABLE_ROWS = 3
_CURRENCY = {"$", "€", "£", "¥", "US$"}
_MAX_HEADER_LINES = 3
_LABEL = re.compile(r"[^\W\d]\)?:(?:\s|$)")  # "Lowest Ceiling:", "Rating(s): None"; not "12:30"
_OPENS_LABEL = re.compile(r"[A-Z][^:|.]{0,40}[^\W\d]\)?\.?:(?:\s|$)")  # "Aircraft Damage:", "Certified Max Gross Wt.:"
FORM_LABELS = 0.5  # a form: this share of the gutter-split lines hold a label left of it, or of the rows open with one
FORM_CELLS = 0.25  # and, for rows taken for a table, this share of all their cells are labels (values alternate)
_MAX_WRAPPED = 4  # ordinary lines allowed between two table rows (a label wrapped over several lines)


@dataclass(frozen=True)
class Run:
    """A piece of text and its box: left, bottom, right, top in points (y up)."""

    text: str
    left: float
    bottom: float
    right: float
    top: float

    @property
    def height(self) -> float:
        return max(self.top - self.bottom, 1.0)


@dataclass
class Line:
    """Cells of one baseline, left to right; a cell is runs closer than a cell gap, joined.
    ``top``, ``bottom`` and ``height`` (the median cell height) are computed once, at creation."""

    cells: list[Run]
    top: float = field(init=False)
    bottom: float = field(init=False)
    height: float = field(init=False)

    def __post_init__(self) -> None:
        self.top = max(c.top for c in self.cells)
        self.bottom = min(c.bottom for c in self.cells)
        heights = sorted(c.height for c in self.cells)
        self.height = heights[len(heights) // 2]

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells)


def page_text(runs: list[Run], width: float, rules: Callable[[], Sequence[Rule]] = tuple) -> str:
    """The page's text in reading order (see the module docstring); ``rules`` gives the page's horizontal rules,
    asked only of a page with a column gap (finding them means looking at every drawing on the page)."""
    lines = group_lines(dedupe([r for r in runs if r.text.strip()]))
    if not lines:
        return ""
    rules = functools.cache(rules)  # looked for once a page, however many stretches between tables ask
    blocks = _table_blocks(lines)
    out: list[str] = []
    plain: list[Line] = []
    for block in blocks:
        if isinstance(block, Line):
            plain.append(block)
            continue
        out.append(_prose(plain, width, rules))
        plain = []
        out.append(table_markdown(block))
    out.append(_prose(plain, width, rules))
    return "\n\n".join(t for t in out if t.strip())


# ---------------------------------------------------------------- lines and cells


def dedupe(runs: list[Run]) -> list[Run]:
    """Drop a run repeating the text of a run drawn almost at the same place (fake bold, shadows)."""
    kept: list[Run] = []
    seen: dict[str, list[Run]] = {}
    for run in runs:
        twins = seen.setdefault(run.text, [])
        if any(abs(t.left - run.left) < run.height and abs(t.bottom - run.bottom) < run.height for t in twins):
            continue
        twins.append(run)
        kept.append(run)
    return kept


def group_lines(runs: list[Run]) -> list[Line]:
    """Runs sharing a baseline as lines, top to bottom: a run joins the line above when their boxes
    overlap vertically by half the smaller height (a footnote mark or a small glyph joins its line)."""
    ordered = sorted(runs, key=lambda r: -(r.top + r.bottom) / 2)
    rows: list[list[Run]] = []
    box = (0.0, 0.0)  # (bottom, top) of the last row's core: its runs of median height
    for run in ordered:
        if rows:
            overlap = min(run.top, box[1]) - max(run.bottom, box[0])
            if overlap >= 0.5 * min(run.height, box[1] - box[0]):
                rows[-1].append(run)
                continue
        rows.append([run])
        box = (run.bottom, run.top)
    return [Line(_cells(sorted(row, key=lambda r: r.left))) for row in rows]


def _cells(runs: list[Run]) -> list[Run]:
    """Join runs whose horizontal gap is small; a wide gap starts a new cell."""
    cells = [runs[0]]
    for run in runs[1:]:
        prev = cells[-1]
        gap = run.left - prev.right
        # A currency sign set apart from its amount ("$   63,355", as filings print them) stays with it.
        if gap > CELL_GAP * min(prev.height, run.height) and gap > 4 and prev.text.strip() not in _CURRENCY:
            cells.append(run)
        else:
            joiner = "" if prev.text.endswith(" ") or run.text.startswith(" ") or gap < 0.5 else " "
            cells[-1] = Run(prev.text + joiner + run.text, prev.left, min(prev.bottom, run.bottom),
                            max(prev.right, run.right), max(prev.top, run.top))
    return [Run(" ".join(c.text.split()), c.left, c.bottom, c.right, c.top) for c in cells]


# ---------------------------------------------------------------- tables


def _is_tabular(line: Line) -> bool:
    """Three or more cells, or a label and a number."""
    if len(line.cells) >= 3:
        return True
    return len(line.cells) == 2 and bool(_NUMERIC.match(line.cells[1].text))


def _table_blocks(lines: list[Line]) -> list[Line | list[Line]]:
    """Lines in order, with each table's lines gathered into one list."""
    out: list[Line | list[Line]] = []
    i = 0
    while i < len(lines):
        end = _table_end(lines, i)
        rows = lines[i:end]
        if (end > i and sum(_is_tabular(r) for r in rows) >= _MIN_TABLE_ROWS and _numeric_share(rows) > 0
                and not _is_form(rows)):
            heads = 0
            while heads < _MAX_HEADER_LINES and out and isinstance(out[-1], Line) and _heads(out[-1], rows):
                rows.insert(0, out.pop())  # type: ignore[arg-type]
                heads += 1
            out.append(rows)
            i = end
        else:
            out.append(lines[i])
            i += 1
    return out


def _is_form(rows: list[Line]) -> bool:
    """Labels and their values side by side ("Landing Gear Type: | Tailwheel | Seats: | 4"), not a table: kept as
    lines, each label beside its value (a table would fold the label lines without numbers into one row)."""
    cells = [c.text.rstrip() for r in rows for c in r.cells]
    labels = sum(c.endswith(":") for c in cells)
    opening = sum(r.cells[0].text.rstrip().endswith(":") for r in rows)
    return opening >= FORM_LABELS * len(rows) and labels >= FORM_CELLS * len(cells)


def _table_end(lines: list[Line], start: int) -> int:
    """End (exclusive) of a table starting at ``start``: tabular lines, with a few ordinary
    lines (a wrapped label) between them; ``start`` itself when it is not tabular."""
    if not _is_tabular(lines[start]):
        return start
    end, gap = start + 1, 0
    left, right = lines[start].cells[0].left, lines[start].cells[-1].right
    for j in range(start + 1, len(lines)):
        spacing = lines[j - 1].bottom - lines[j].top
        if spacing > 2.5 * lines[j].height:
            break
        if _is_tabular(lines[j]):
            end, gap = j + 1, 0
            left, right = min(left, lines[j].cells[0].left), max(right, lines[j].cells[-1].right)
            continue
        gap += 1
        # A line running across most of the table (a note, the next heading) ends it.
        if gap > _MAX_WRAPPED or any(c.right - c.left > 0.5 * (right - left) for c in lines[j].cells):
            break
    # The last row's label may wrap onto a line or two below it.
    for _ in range(2):
        if end >= len(lines) or lines[end - 1].bottom - lines[end].top > 1.5 * lines[end].height:
            break
        if any(c.right - c.left > 0.5 * (right - left) for c in lines[end].cells):
            break
        end += 1
    return end


def _heads(line: Line, rows: list[Line]) -> bool:
    """Whether ``line``, just above a table, is one of its header lines: close above it, and either
    several cells or text only over the data columns (right of the row labels)."""
    if line.bottom - rows[0].top > 2 * line.height:
        return False
    labels_end = min(r.cells[0].right for r in rows if len(r.cells) > 1)
    return len(line.cells) >= 2 or line.cells[0].left > labels_end


def _numeric_share(rows: list[Line]) -> float:
    cells = [c for r in rows for c in r.cells[1:]]
    return sum(bool(_NUMERIC.match(c.text)) for c in cells) / max(len(cells), 1)


def table_markdown(rows: list[Line]) -> str:
    """A Markdown table: columns from the union of the cells' horizontal extents."""
    bands = _bands(rows)
    grid = [_place(row, bands) for row in rows]
    header, body = _split_header(grid)
    body = merge_wrapped(body)
    lines = [table_line(header), table_line(["---"] * len(bands))]
    lines += [table_line(r) for r in body]
    return "\n".join(lines)


def _bands(rows: list[Line]) -> list[tuple[float, float]]:
    """Column bands: overlapping cell extents merged, from the rows with the most cells; then any
    cell of the other rows that overlaps no band (row labels wrapped onto lines of their own) adds one."""
    most = max(len(r.cells) for r in rows)
    spans = sorted((c.left, c.right) for r in rows if len(r.cells) >= max(2, most - 1) for c in r.cells)
    bands = _merge(spans)
    extra = sorted((c.left, c.right) for r in rows for c in r.cells
                   if not any(c.left < b[1] and b[0] < c.right for b in bands))
    return sorted(bands + _merge(extra)) if extra else bands


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for left, right in spans:
        if merged and left <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], right)
        else:
            merged.append([left, right])
    return [(a, b) for a, b in merged]


def merge_wrapped(body: list[list[str]]) -> list[list[str]]:
    """Fold lines without a number (a label or note wrapped over several lines, often centred on its
    row) into the rows holding numbers: those between two such rows are split half to the one above,
    half to the one below. A table without numeric rows is left as it is."""
    data = [i for i, row in enumerate(body) if any(_NUMERIC.match(c) for c in row if c)]
    if not data:
        return body
    owner = {}
    for k, i in enumerate(data):
        owner[i] = i
        low = data[k - 1] if k else -1
        between = list(range(low + 1, i))
        half = 0 if low < 0 else (len(between) + 1) // 2
        for j in between[:half]:
            owner[j] = low
        for j in between[half:]:
            owner[j] = i
    for j in range(data[-1] + 1, len(body)):
        owner[j] = data[-1]
    merged: dict[int, list[str]] = {i: [""] * len(body[0]) for i in data}
    for j, row in enumerate(body):
        target = merged[owner[j]]
        for k, cell in enumerate(row):
            if cell:
                target[k] = f"{target[k]} {cell}".strip()
    return [merged[i] for i in data]


def _place(row: Line, bands: list[tuple[float, float]]) -> list[str]:
    cells = [""] * len(bands)
    for cell in row.cells:
        index = min(range(len(bands)), key=lambda k: _distance(cell, bands[k]))
        cells[index] = f"{cells[index]} {cell.text}".strip()
    return cells


def _distance(cell: Run, band: tuple[float, float]) -> float:
    overlap = min(cell.right, band[1]) - max(cell.left, band[0])
    if overlap > 0:
        return -overlap
    return min(abs(cell.left - band[1]), abs(band[0] - cell.right))


def _split_header(grid: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """Leading rows without a number in a data column (years aside) merge into one header row."""
    count = 0
    for row in grid:
        if any(_NUMERIC.match(c) and not _YEAR.match(c) for c in row[1:] if c):
            break
        count += 1
    # Label-only lines just above the first row of numbers are that row's wrapped label, not header.
    while count > 1 and not any(grid[count - 1][1:]):
        count -= 1
    if count == 0 or count == len(grid):
        count = 1
    header = [" ".join(row[k] for row in grid[:count] if row[k]) for k in range(len(grid[0]))]
    return header, grid[count:]


_YEAR = re.compile(r"^(?:19|20)\d\d$")


# ---------------------------------------------------------------- prose and columns


def _prose(lines: list[Line], width: float, rules: Callable[[], Sequence[Rule]] = tuple) -> str:
    if not lines:
        return ""
    gutter = _gutter(lines, width)
    form = gutter is not None and _labels_left_of(lines, gutter)
    rows = ruled_rows(lines, gutter, list(rules())) if gutter is not None and not form else None
    if rows:  # a ruled table of labels and values: row by row
        return "\n".join(rows)
    ordered = _column_order(lines, gutter) if gutter is not None and not form else lines  # a form: line by line
    return _paragraphs(ordered, form)


def _fields(line: Line, form: bool = False) -> str:
    """The line's text, a field set apart from the next field's label by " | " ("Aircraft: Reims F172 M |
    Aircraft Damage: Destroyed"; in a ``form``, from any next cell: "Wind Direction: 90° | Turbulence
    Severity"), so neither a reader nor the tagger runs two fields together; a label and its value, a bullet
    and its text are joined by a space."""
    text = line.cells[0].text
    for before, cell in zip(line.cells, line.cells[1:], strict=False):
        ended = before.text.rstrip()
        apart = (form or _OPENS_LABEL.match(cell.text)) and not ended.endswith(":") and len(ended) > 3
        text += (" | " if apart else " ") + cell.text
    return text


def _gutter(lines: list[Line], width: float) -> float | None:
    """An x in the middle of the page that no cell of most lines crosses, with text on both sides."""
    lo, hi = 0.3 * width, 0.7 * width
    cells = [c for line in lines for c in line.cells]
    if len(lines) < 6:
        return None
    lefts, rights = sorted(c.left for c in cells), sorted(c.right for c in cells)

    def crossing_at(x: float) -> int:  # cells with left < x minus those also ending by x
        return bisect.bisect_left(lefts, x) - bisect.bisect_right(rights, x)

    crossing, x = min((crossing_at(lo + (hi - lo) * step / 40), lo + (hi - lo) * step / 40) for step in range(41))
    left = sum(1 for line in lines if any(c.right <= x for c in line.cells))
    right = sum(1 for line in lines if any(c.left >= x for c in line.cells))
    if crossing > 0.2 * len(lines) or min(left, right) < 0.3 * len(lines):
        return None
    return x


def _labels_left_of(lines: list[Line], x: float) -> bool:
    """A form, not two columns of prose: most lines' text left of ``x`` is a label ("Lowest Ceiling:") whose value
    stands right of it, or a label and its value ("Aircraft Make: Piper", another pair right of it), so the page
    is read line by line and each block of fields stays whole."""
    paired = [line for line in lines if any(c.right <= x for c in line.cells) and any(c.left >= x for c in line.cells)]
    labels = sum(1 for line in paired if _LABEL.search(" ".join(c.text for c in line.cells if c.right <= x)))
    return labels >= FORM_LABELS * len(paired) > 0


def _column_order(lines: list[Line], x: float) -> list[Line]:
    """Lines that cross the gutter stay in place; between them, the left column, then the right."""
    out: list[Line] = []
    left: list[Line] = []
    right: list[Line] = []
    for line in lines:
        if any(c.left < x < c.right for c in line.cells):
            out += left + right + [line]
            left, right = [], []
            continue
        lcells = [c for c in line.cells if c.right <= x]
        rcells = [c for c in line.cells if c.left >= x]
        if lcells:
            left.append(Line(lcells))
        if rcells:
            right.append(Line(rcells))
    return out + left + right


def _paragraphs(lines: list[Line], form: bool = False) -> str:
    """Lines joined by newlines; a blank line where the gap is well above the usual line spacing,
    or where reading jumps back up the page (the next column)."""
    gaps = [a.bottom - b.top for a, b in zip(lines, lines[1:], strict=False)]
    usual = statistics.median([g for g in gaps if g > 0] or [0.0])
    parts = [_fields(lines[0], form)] if lines else []
    for gap, line in zip(gaps, lines[1:], strict=True):
        wide = gap > max(1.4 * usual, 0.5 * line.height)
        parts.append("\n\n" if wide or gap < -2 * line.height else "\n")
        parts.append(_fields(line, form))
    return "".join(parts)
