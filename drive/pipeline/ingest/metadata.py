"""What a document is and when: title, author, document date and covered period (pure functions).

Evidence, strongest first: the file's own properties (``Extracted.meta``, filled by the readers
that have them), the text of its first pages, then its file name ("2023 Q2 AAPL.pdf" names a
period). ``describe(doc, filename)`` returns the completed ``DocMeta``; ``period_of(text)`` and
``date_of(text)`` are the small parsers, usable on a question too.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePath

from drive.records import Extracted

FIRST_PAGES_CHARS = 6000
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|" \
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_LONG_DATE = re.compile(rf"\b({_MONTH})\s+(\d{{1,2}}),?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH})\s+((?:19|20)\d\d)\b", re.IGNORECASE)
_MONTH_YEAR = re.compile(rf"\b({_MONTH})\s+((?:19|20)\d\d)\b", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_PDF_DATE = re.compile(r"^D?:?((?:19|20)\d\d)(\d\d)?(\d\d)?")
PERIOD_PATTERNS = [
    re.compile(rf"\b(?:quarterly|fiscal|transition)\s+period\s+ended\s+{_LONG_DATE.pattern[2:-2]}", re.IGNORECASE),
    re.compile(rf"\b(?:fiscal\s+)?(?:year|quarter|six months|nine months|three months)\s+ended\s+"
               rf"{_LONG_DATE.pattern[2:-2]}", re.IGNORECASE),
    re.compile(r"\b(?:fiscal\s+year|FY)\s*'?((?:19|20)?\d\d)(?:\s*[-–]\s*(?:FY\s*)?((?:19|20)?\d\d))?\b", re.IGNORECASE),
    re.compile(r"\b(Q[1-4])\s*[-_ ]?\s*((?:19|20)\d\d)\b|\b((?:19|20)\d\d)\s*[-_ ]?\s*(Q[1-4])\b", re.IGNORECASE),
    re.compile(r"\b((?:19|20)\d\d)\s+(?:annual|performance|strategic|financial)\b", re.IGNORECASE),
]
_NAME_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_BAD_TITLES = re.compile(r"^(?:untitled|microsoft word - .*|document\d*|slide \d+|.*\.(?:docx?|pdf|rtf))$",
                         re.IGNORECASE)


def describe(doc: Extracted, filename: str) -> Extracted:
    """``doc`` with its metadata completed from its first pages and its file name."""
    meta = doc.meta
    head = "\n".join(s.text for s in doc.sections[:3])[:FIRST_PAGES_CHARS]
    stem = PurePath(filename).stem
    name = stem.replace("_", " ")
    title = meta.title if _good_title(meta.title, stem) else _first_line(head) or stem
    # A date printed on the first pages beats the file's creation date (often a later re-export).
    date = date_of(head) or _pdf_date(meta.created) or date_of(name)
    period = meta.period or period_of(head) or period_of(name) or _year_in(name)
    return replace(doc, meta=replace(meta, title=title[:300], date=date, period=period[:200]))


def period_of(text: str) -> str:
    """The first period a text names ('quarterly period ended April 1, 2023', 'fiscal year 2017',
    'Q2 2023', '2022 annual'), as written; '' if none."""
    for pattern in PERIOD_PATTERNS:
        match = pattern.search(text)
        if match:
            return " ".join(match.group().split())
    return ""


def date_of(text: str) -> str:
    """The first date a text names, as ISO 'YYYY-MM-DD' (or 'YYYY-MM' for 'March 2024'); '' if none."""
    found = [(m.start(), _iso(m.group(3), m.group(1), m.group(2))) for m in _LONG_DATE.finditer(text)][:1]
    found += [(m.start(), _iso(m.group(3), m.group(2), m.group(1))) for m in _DAY_MONTH_YEAR.finditer(text)][:1]
    found += [(m.start(), f"{m.group(1)}-{m.group(2)}-{m.group(3)}") for m in _ISO_DATE.finditer(text)][:1]
    if not found:
        found = [(m.start(), _iso(m.group(2), m.group(1), None)) for m in _MONTH_YEAR.finditer(text)][:1]
    return min(found)[1] if found else ""


def _iso(year: str, month: str, day: str | None) -> str:
    number = next(i for i, name in enumerate(_MONTHS, start=1) if name.startswith(month.lower().rstrip(".")[:3]))
    return f"{year}-{number:02d}" + (f"-{int(day):02d}" if day else "")


def _pdf_date(raw: str) -> str:
    match = _PDF_DATE.match(raw.strip())
    if not match:
        return ""
    return "-".join(part for part in match.groups() if part)


def _good_title(title: str, stem: str) -> bool:
    """Not too short, not a tool's placeholder, not just the file's name again."""
    title = title.strip()
    return len(title) >= 4 and not _BAD_TITLES.match(title) and title.lower() != stem.lower()


def _year_in(name: str) -> str:
    """A year written in a file name ('DHS2020', 'report_2017_final'), the last resort for a period."""
    match = _NAME_YEAR.search(name)
    return match.group(1) if match else ""


def _first_line(text: str) -> str:
    """The first line that reads like a title: some letters, not a table row, not a page number."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if len(line) >= 4 and not line.startswith("|") and sum(c.isalpha() for c in line) >= 4:
            return line
    return ""
