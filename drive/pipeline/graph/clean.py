"""Which recognised names are not names, pure: dates, amounts and table headings the small NER model tags
as entities ("Three Months Ended", "Table 3", "$5 million"), and common words that a file capitalises only
by position, in headings or as defined terms ("Unaudited", "Status", "Target Actual").

``is_date_or_heading`` looks at a name alone. ``common_word_names`` looks at the whole file: a name all of
whose words the same file also writes in lowercase, about as often as capitalised, is a common word there.
Names with a function word ("Department of State") or a word the file never writes in lowercase ("OPM",
"Vertigo") are kept: those are the shapes real names have. ``heading_mentions`` finds the mentions that are
field labels ("Runway Surface Condition:", "Observation Facility, Elevation:"), headings and table cells made of
the file's common words, and names found only in lines written in capitals ("PILOT IN COMMAND"), where the small
model reads every word as a name.
``defined_terms`` finds the abbreviations a file defines as something that is not an organisation or a place
("key performance indicators (KPIs)", "Code of Federal Regulations (CFR)"), which the small model tags ORG:
they stay in the graph (search finds passages through them) with the type ``TERM``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from drive.names import beside_number, label_position
from drive.records import MentionRecord


def word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


MONTHS = word_set(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
WEEKDAYS = word_set("monday tuesday wednesday thursday friday saturday sunday")
PERIODS = word_set("day days week weeks month months quarter quarters year years period periods")
PERIOD_ENDS = frozenset({"ended", "ending", "end", "ends", "to", "through", "thru"})
NUMBER_WORDS = word_set(
    "one two three four five six seven eight nine ten eleven twelve first second third fourth fifth"
)
# "Table 3", "Figure 2.1", "Section 4", "Item 7", "Exhibit 10": references to parts of a document.
PART_WORDS = word_set(
    "table tables figure fig page pages section sections appendix exhibit chart schedule note notes item "
    "attachment annex part chapter step row column line"
)
# The abbreviations of time zones, which a clock time carries ("1100 CST", "Departure Time: CST").
TIME_ZONES = word_set("utc gmt est edt cst cdt mst mdt pst pdt akst akdt hst wet west cet cest eet eest bst jst kst")
DATE_WORDS = MONTHS | WEEKDAYS | PERIODS | PERIOD_ENDS | NUMBER_WORDS | TIME_ZONES | word_set(
    "fiscal calendar the of and last next prior previous current each per annual quarterly monthly"
)
FUNCTION_WORDS = word_set("of and for de du la le von van der den del da di on in at to by with")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_NUMBER = re.compile(r"^[\d.,:/-]+$")
_ROMAN = re.compile(r"^[ivxlc]+$")
_OUTLINE = re.compile(r"^\d+\.\d+\.\d+[.:]?$")  # three levels: a plan's numbering, where a version has two
# A word is common in a file written in lowercase at least this share of the times it is capitalised.
COMMON_SHARE = 0.5
MIN_LOWERCASE = 2


def _words(surface: str) -> list[str]:
    return [w.strip(".,;:()[]\"'’") for w in surface.split() if w.strip(".,;:()[]\"'’")]


def is_date_or_heading(surface: str) -> bool:
    """A date, time or period made only of date words ("September 30, 2023", "Three Months Ended", "CST"), an amount
    ("$5 million", "12%"), a reference to a document part ("Table 3", "Item 7A" is not: "7A" has a letter) or an
    outline's numbered item ("Strategy 4.1.1")."""
    words = [w.lower() for w in _words(surface)]
    if not words:
        return False
    if any(c in surface for c in "$€£¥%"):
        return True
    dated = all(w in DATE_WORDS or _NUMBER.match(w) for w in words)
    if dated and any(w in MONTHS or w in WEEKDAYS or w in PERIODS or w in TIME_ZONES for w in words):
        return True
    rest = words[1:]
    if rest and _OUTLINE.match(surface.split()[-1]):  # "Strategy 4.1.1", "Tactic 2.3.1.": an outline's item
        return True
    return words[0] in PART_WORDS and bool(rest) and all(_NUMBER.match(w) or _ROMAN.match(w) for w in rest)


def word_cases(texts: Iterable[str]) -> tuple[Counter[str], Counter[str]]:
    """(lowercase, other) occurrence counts of each word of these texts, keyed by the word in lowercase."""
    lower: Counter[str] = Counter()
    other: Counter[str] = Counter()
    for text in texts:
        for word in _WORD.findall(text):
            (lower if word.islower() else other)[word.lower()] += 1
    return lower, other


def _common(word: str, lower: Counter[str], other: Counter[str]) -> bool:
    n = lower[word]
    return n >= MIN_LOWERCASE and n >= COMMON_SHARE * other[word]


def common_word_names(texts: Iterable[str], mentions: Iterable[MentionRecord]) -> set[str]:
    """The surfaces among ``mentions`` made only of words this file uses as common words."""
    lower, other = word_cases(texts)
    found: set[str] = set()
    for surface in {m.surface for m in mentions}:
        words = _words(surface)
        if words and words[0].lower() == "the":
            words = words[1:]
        if not words or any(w.lower() in FUNCTION_WORDS for w in words) or any(c.isdigit() for c in surface):
            continue
        if all(_common(w.lower(), lower, other) for w in words):
            found.add(surface)
    return found


def heading_mentions(texts: list[str], mentions: Iterable[MentionRecord]) -> set[MentionRecord]:
    """The mentions that are field labels, or that fill a line or a table cell alone either with words this
    file also writes in lowercase ("| Target Met |") or more than once ("Performance Indicators" heading each
    section), that end their lines as a form's right column does, abbreviations written against a number each
    time ("KPI 6.2.1"), or names that stand in a line written in capitals and nowhere else in the file: headings
    and numbering, not names.
    A title or a name in a list ("Vertigo", "John Smith") is kept: its words
    are not common words of the file and it stands alone once. ``texts`` are the file's chunks, indexed by
    ``MentionRecord.chunk_index``."""
    lower, _ = word_cases(texts)
    mentions = list(mentions)
    position = {m: label_position(texts[m.chunk_index], m.start, m.end) for m in mentions}
    alone = Counter(m.surface for m in mentions if position[m] is None)
    edge = _at_right_edge(texts, mentions) | _numbering(texts, mentions)
    running = _repeated_lines(texts)
    calm = _written_calm(texts)
    found = set()
    for m in mentions:
        words = [w.lower() for w in _WORD.findall(m.surface) if w.lower() not in FUNCTION_WORDS]
        common = bool(words) and all(lower[w] for w in words)
        line = _line_of(texts[m.chunk_index], m.start, m.end)
        if position[m] is True or (position[m] is None and (common or alone[m.surface] > 1)) or m.surface in edge or (
                running and line in running) or (_shouted(line) and m.surface not in calm):
            found.add(m)
    return found


NEARLY_ALL = 0.9  # of a name's mentions in a file: where it stands this often is where the file always puts it
EDGE_MENTIONS = 3  # a name ending its line this many times, nearly always, is a right column read across


def _at_right_edge(texts: list[str], mentions: list[MentionRecord]) -> set[str]:
    """The surfaces that end their line after other words (not alone in it) in nearly all of their mentions:
    a two-column form read line by line puts its right column's labels ("Target", "Actual") there."""
    ends: Counter[str] = Counter()
    total = Counter(m.surface for m in mentions)
    for m in mentions:
        text = texts[m.chunk_index]
        stop = text.find("\n", m.end)
        after = text[m.end:stop if stop >= 0 else len(text)]
        before = text[text.rfind("\n", 0, m.start) + 1:m.start]
        ends[m.surface] += stop >= 0 and not after.strip() and bool(before.strip())
    return {s for s, n in ends.items() if n >= EDGE_MENTIONS and n >= NEARLY_ALL * total[s]}


NUMBERING_MENTIONS = 2  # an abbreviation written against a number this many times, nearly always, numbers


def _numbering(texts: list[str], mentions: list[MentionRecord]) -> set[str]:
    """The abbreviations a file writes against a number nearly every time: they number or qualify things ("KPI
    6.2.1", "FY 2022", "1920 CST", "14 CFR"), they do not name one."""
    numbered: Counter[str] = Counter()
    total = Counter(m.surface for m in mentions)
    for m in mentions:
        numbered[m.surface] += beside_number(texts[m.chunk_index], m.start, m.end)
    return {s for s, n in numbered.items() if n >= NUMBERING_MENTIONS and n >= NEARLY_ALL * total[s]}


def _shouted(line: str) -> bool:
    """A line in capitals ("2. (C) DIRECTIONAL CONTROL - NOT MAINTAINED - PILOT IN COMMAND"): the tagger
    reads its words as names."""
    words = [w for w in _WORD.findall(line) if len(w) > 1]
    return len(words) >= SHOUTED_WORDS and not any(c.islower() for c in line)


def _written_calm(texts: list[str]) -> str:
    """The file's lines that are not in capitals: a name in a capitals line is kept if the file also writes
    it in one of these ("NTSB")."""
    return "\n".join(line for text in texts for line in text.split("\n") if not _shouted(line))


SHOUTED_WORDS = 3  # a line of at least this many words, none in lowercase, is written in capitals
REPEATED_LINE_CHUNKS = 4  # a line in this many of a file's chunks is a running header or footer


def _repeated_lines(texts: list[str]) -> set[str]:
    """The lines of a file that recur in several of its chunks ("Strategic Plan U.S. Department of State, U.S.
    Agency for International" atop each page): running headers the page-edge test of ingest did not strip."""
    seen: Counter[str] = Counter()
    for text in texts:
        seen.update({line.strip() for line in text.split("\n") if line.strip()})
    return {line for line, n in seen.items() if n >= REPEATED_LINE_CHUNKS}


def _line_of(text: str, start: int, end: int) -> str:
    stop = text.find("\n", end)
    return text[text.rfind("\n", 0, start) + 1:stop if stop >= 0 else len(text)].strip()


TERM = "TERM"  # the type of an abbreviation defined as a term
# Words of what an abbreviation stands for when it names an organisation or a place ("Federal Aviation
# Administration (FAA)", "Department of Labor (DOL)", "United Nations (UN)"); without one it is a term ("Good
# Clinical Practice (GCP)", "key performance indicators (KPIs)").
NAMED_HEADS = word_set(
    "agency administration office department ministry board bureau council commission committee authority "
    "service services division directorate institute institutes institution center centre centers laboratory laboratories "
    "university college school academy association society federation union league foundation fund trust "
    "corporation company inc incorporated ltd llc group bank court courts congress parliament senate house "
    "assembly party organization organisation organizations network alliance coalition partnership force "
    "forces army navy command corps guard police nations states kingdom republic emirates community county "
    "city district province region territory airlines airways railway railways system systems program "
    "programme project team club church museum library hospital clinic"
)
_SMALL_WORDS = FUNCTION_WORDS | {"the", "a", "an"}  # never the first word of what an abbreviation stands for
_DEFINED = re.compile(r"\(\s*([A-Z][A-Za-z&]{1,7}?)(s)?\s*\)")
# A list of abbreviations, one per line: "AE adverse event", "GCP | Good Clinical Practice", "IRB: ...".
_GLOSSARY = re.compile(r"^[ \t•|-]*([A-Z][A-Z0-9&]{1,7})(?:[ \t]*[|:=–—-][ \t]*|[ \t]+)([A-Za-z][^\n|]{2,80}?)[ \t|]*$",
                       re.MULTILINE)


def long_form(before: str, short: str) -> str | None:
    """What ``short`` stands for in the words just ``before`` its parentheses, matched letter by letter from
    the end, each word's first letter starting the match (Schwartz & Hearst, 2003); None when they do not
    spell it."""
    words = before.split()[-min(len(short) + 5, 2 * len(short)):]
    candidate = " ".join(words)
    letters = [c.lower() for c in short if c.isalnum()]
    at = len(candidate) - 1

    def opens_word(i: int) -> bool:  # and not a small word: "Office of Personnel Management", not "of ..."
        word = candidate[i:].split(" ", 1)[0].lower()
        return (i == 0 or not candidate[i - 1].isalnum()) and word not in _SMALL_WORDS

    for n in range(len(letters) - 1, -1, -1):
        while at >= 0 and (candidate[at].lower() != letters[n] or (n == 0 and not opens_word(at))):
            at -= 1
        if at < 0:
            return None
        at -= 1
    start = candidate.rfind(" ", 0, at + 1) + 1
    return candidate[start:]


# Words of what an abbreviation stands for when it names a place rather than a body ("United Arab Emirates").
PLACE_HEADS = word_set("nations states kingdom republic emirates community county city district province region territory")


def _heads(long_form: str) -> set[str]:
    """The words of what an abbreviation stands for, lower-cased, also without a plural's "s" ("Departments of
    Labor", "Office of ... Management")."""
    words = {w.lower().strip(".,;:'’") for w in long_form.split()}
    return words | {w.rstrip("s") for w in words}


def defined_bodies(texts: Iterable[str], mentions: Iterable[MentionRecord]) -> set[str]:
    """The surfaces among ``mentions`` that these texts define as abbreviations of a body's name, not a place's:
    "(NARA)" after "National Archives and Records Administration", which the small model may tag a place."""
    bodies: set[str] = set()
    for short, found in _definitions(texts):
        heads = _heads(found)
        if heads & NAMED_HEADS and not heads & PLACE_HEADS:
            bodies.add(short)
    return {m.surface for m in mentions if m.surface in bodies}


def defined_terms(texts: Iterable[str], mentions: Iterable[MentionRecord]) -> set[str]:
    """The surfaces among ``mentions`` that these texts define as abbreviations of terms, not of organisations
    or places: "(KPIs)" after "key performance indicators", "(GCP)" after "Good Clinical Practice", "AE" in a
    list of abbreviations that reads "AE adverse event"."""
    terms: set[str] = set()
    named: set[str] = set()
    for short, found in _definitions(texts):
        (named if _heads(found) & NAMED_HEADS else terms).add(short)
    terms -= named  # defined both ways in one file: keep it
    return {m.surface for m in mentions if m.surface in terms or m.surface[:-1] in terms and m.surface.endswith("s")}


def _definitions(texts: Iterable[str]) -> Iterable[tuple[str, str]]:
    """(abbreviation, what it stands for) as the texts define them: in parentheses after the long form, or
    first on a line of a list of abbreviations, followed by the long form and nothing else."""
    texts = list(texts)
    whole = " ".join(" ".join(texts).split())
    for text in texts:
        for m in _DEFINED.finditer(text):
            before = text[max(0, m.start() - 120):m.start()]
            found = long_form(before, m.group(1))
            if found:
                yield m.group(1), _with_body(found, before, whole)
        for m in _GLOSSARY.finditer(text):
            meaning = m.group(2).strip()
            if long_form(meaning, m.group(1)) == meaning:
                yield m.group(1), meaning


_BODY_OF = re.compile(r"\b([A-Za-z]+) (of|for|on) $")


def _with_body(found: str, before: str, whole: str) -> str:
    """What an abbreviation stands for, with the body's noun the letters do not spell: "Department of Housing and
    Urban Development (HUD)" spells only what follows "of"; so does "Departments of Energy (DOE), Veterans Affairs
    (VA), and Housing and Urban Development (HUD)", where the file names "Department of Housing and Urban
    Development" elsewhere."""
    said = " ".join(before.split())
    written = _BODY_OF.search(said[:said.rfind(found)] if said.endswith(found) else "")
    if written and _heads(written.group(1)) & NAMED_HEADS:
        return f"{written.group(1)} {written.group(2)} {found}"
    return _named_body(found, whole) or found


def _named_body(found: str, whole: str) -> str | None:
    """"Department of <found>" as the file writes it somewhere, or None (plain substring search: a long report
    defines hundreds of abbreviations)."""
    for joiner in (" of ", " for ", " on "):
        at = whole.find(joiner + found)
        while at >= 0:
            end = at + len(joiner) + len(found)
            head = whole[whole.rfind(" ", 0, at) + 1:at].lstrip("(\"'“‘[")
            if (end == len(whole) or not whole[end].isalnum()) and _heads(head) & NAMED_HEADS:
                return f"{head}{joiner}{found}"
            at = whole.find(joiner + found, at + 1)
    return None


# Lowercase words a name may start with: articles and the particles of family names.
_LOWER_STARTS = word_set("the a an de du da di del della der den van von la le al el bin ibn")
_JOINING_ENDS = FUNCTION_WORDS | word_set("the a an or & -")  # as written: "Pasadena, LA" ends in a name
_SUFFIX_AFTER_COMMA = re.compile(r"^(inc|ltd|llc|llp|lp|plc|co|corp|sa|ag|nv|bv|gmbh|jr|sr|ii|iii|iv)\.?$", re.I)
_ABBREVIATION = re.compile(r"^(?:[A-Z]\.){1,3}[A-Z]?\.?$|^[A-Z]{2,4}$")  # "D.C.", "U.S.A.", "NY"


def is_fragment(surface: str) -> bool:
    """A piece of text, not a whole name: fewer than two letters ("C-"), an unbalanced quote or bracket
    ("the 'Lace Up", "Stakeholder(s"), a first word in lowercase ("non-Nike", "al" of "et al"), a last
    word that joins ("the Department of", "Smith and": a name cut at a line or a column), only articles
    ("the"), or two names run together over a comma ("Demon, Dodge"; "Acme, Inc." and "Washington, D.C."
    are whole)."""
    if sum(c.isalpha() for c in surface) < 2:
        return True
    if surface.count("(") != surface.count(")") or surface.count('"') % 2 or _odd_quotes(surface):
        return True
    words = surface.split()
    first = words[0].strip("'\"“‘(").split("-")[0]
    if first.islower() and first not in _LOWER_STARTS:
        return True
    if all(w.lower() in _LOWER_STARTS for w in words) or words[-1] in _JOINING_ENDS:
        return True
    return any(not (_SUFFIX_AFTER_COMMA.match(part.strip()) or _ABBREVIATION.match(part.strip()))
               for part in surface.split(",")[1:])


def _odd_quotes(surface: str) -> bool:
    """An opening single or curly quote without its closing one (an apostrophe inside a word is not one)."""
    opens = len(re.findall(r"(?:^|\s)['‘“]", surface))
    closes = len(re.findall(r"['’”](?:\s|$|,)", surface))
    return opens > closes


# Kinds whose names may hold a colon: titles ("Star Wars: Episode IV", "Mission: Impossible").
TITLE_LABELS = frozenset({"WORK_OF_ART", "PRODUCT", "EVENT", "LAW"})
_LABEL_THEN_VALUE = re.compile(r"\w:\s+\S")


def is_label_and_value(surface: str, label: str) -> bool:
    """A form's label with its value run together ("Precipitation and Obscuration: No Obscuration",
    "Cessna 172 Aircraft Damage: Substantial"): a name that is not a title's holds no colon before a word."""
    return label not in TITLE_LABELS and bool(_LABEL_THEN_VALUE.search(surface))


# A name's last word that says what kind of thing it names, whatever the model tagged: "Exeter Hospital" is no
# person, "the Independent Safety Board Act" no organisation. Only words that are not also surnames (not
# "House", "Court", "Church", "Bank").
BODY_HEADS = word_set(
    "agency administration office department ministry board bureau council commission committee authority "
    "institute institution center centre laboratory university college school academy association society "
    "federation foundation corporation company inc incorporated ltd llc hospital clinic museum library"
)
LAW_HEADS = word_set("act acts amendment statute ordinance")
_NOT_ORG = frozenset({"GPE", "LOC", "FAC"})  # "Exeter Hospital" may be tagged a building or a place: it stays


def corrected_label(surface: str, label: str) -> str:
    """The model's label, but a person named with a number at the end is a product ("Demon 170", "Cessna
    172S"): people are not numbered, models are; a name that ends in a body's noun ("Exeter Hospital") is no
    person, and one that ends in "Act" is a law."""
    words = surface.split()
    last = words[-1].lower().strip(".,;:'’") if len(words) > 1 else ""
    if label == "PERSON" and any(c.isdigit() for c in last):
        return "PRODUCT"
    if last in LAW_HEADS and label not in _NOT_ORG and words[-1][0].isupper():
        return "LAW"
    return "ORG" if label == "PERSON" and last in BODY_HEADS and words[-1][0].isupper() else label
