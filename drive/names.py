"""Names: file and folder names the drive accepts (with a clear reason for what it refuses), the
folding of entity names into identity keys and display names (``normalize``, ``display_name``), and where
in a text's layout a name sits (``label_position``, ``in_title_line``: a form's label, a heading, a title)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from drive.errors import InvalidName

MAX_NAME_BYTES = 255
# Direction controls (embeddings, overrides, isolates, marks): ``invoice\u202efdp.exe.txt`` would display
# as "invoicetxt.exe.pdf". They have no place in a file name.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_name(raw: str) -> str:
    """Return the normalized name, or raise InvalidName saying what is wrong with it."""
    name = unicodedata.normalize("NFC", raw).strip()
    if not name:
        raise InvalidName("a name cannot be empty")
    if "\x00" in name:
        raise InvalidName("a name cannot contain a NUL character")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise InvalidName("a name cannot contain control characters")
    if any(ch in BIDI_CONTROLS for ch in name):
        raise InvalidName("a name cannot contain text-direction control characters (they can disguise "
                          "what a name really says)")
    if "/" in name or "\\" in name:
        raise InvalidName(f"a name cannot contain '/' or '\\': {name!r}")
    if name in (".", ".."):
        raise InvalidName(f"{name!r} is not a valid name")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise InvalidName(f"a name can be at most {MAX_NAME_BYTES} bytes long (this one is {len(name.encode())})")
    return name


def split_path(path: str) -> list[str]:
    """``reports/q3.pdf`` -> ["reports", "q3.pdf"]; each part must itself be a valid name."""
    parts = [p for p in path.strip().strip("/").split("/") if p]
    if not parts:
        raise InvalidName("an empty path")
    return [clean_name(p) for p in parts]


_PARENTHETICAL = re.compile(r"\s*\([^)]*\)\s*$")
_NON_ALNUM = re.compile(r"[\W_]+")


def title_of(filename: str) -> str:
    """A file's name as words: ``q3-report_final.pdf`` -> ``q3 report final``."""
    stem = filename.rsplit(".", 1)[0] if "." in filename.strip(".") else filename
    return " ".join(re.split(r"[\s_\-.]+", stem)).strip()


def title_key(text: str) -> str:
    """Fold a title or a name for matching one to the other: case, accents, punctuation, a trailing
    "(qualifier)" and a leading "the" do not count. "The Curse of the Jade Scorpion (film)" and
    "Curse of the Jade Scorpion" both give "curse of the jade scorpion"."""
    folded = unicodedata.normalize("NFKD", _PARENTHETICAL.sub("", text))
    folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    words = _NON_ALNUM.sub(" ", folded).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


_NAME_TOKEN = re.compile(r"[\w'’.&-]+", re.UNICODE)
_POSSESSIVE_END = re.compile(r"['’]s$")  # "Ezer Weizman's resignation" names "Ezer Weizman"
MAX_GRAM = 8


def proper_spans(text_: str, max_gram: int = MAX_GRAM) -> set[str]:
    """Word spans that could be names: in text with capitals, spans that start and end on a capital
    or a digit; in all-lowercase text, every span. A span ending in a possessive also comes without it
    ("Ezer Weizman's resignation" names "Ezer Weizman"; "St. Mary's Hospital" stays whole)."""
    tokens = [t.strip(".,'’") for t in _NAME_TOKEN.findall(text_)]
    tokens = [t for t in tokens if t]
    cased = text_ != text_.lower()
    proper = [not cased or t[:1].isupper() or t[:1].isdigit() for t in tokens]
    spans = set()
    for i in range(len(tokens)):
        if not proper[i]:
            continue
        for j in range(i + 1, min(len(tokens), i + max_gram) + 1):
            if proper[j - 1]:
                span = " ".join(tokens[i:j])
                spans.add(span)
                if _POSSESSIVE_END.search(span):
                    spans.add(_POSSESSIVE_END.sub("", span))
    return spans


def keys_of(spans: set[str] | list[str]) -> list[str]:
    """The title keys of name spans, short ones (under 3 characters) left out."""
    return sorted({k for k in (title_key(s) for s in spans) if len(k) >= 3})


# ---------------------------------------------------------------- entity names

CORPORATE_SUFFIXES = frozenset(
    {
        "corp", "corporation", "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "co", "company",
        "plc", "gmbh", "ag", "sa", "nv", "bv", "se", "ab", "oy", "asa", "spa", "srl", "sarl", "pty", "pte", "kk",
    }
)
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "lord", "lady", "madam"})

_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")
_JOINERS = re.compile(r"[.'’`]")  # "U.S." -> "us", "O'Brien" -> "obrien"
_NON_WORD = re.compile(r"[\W_]+")
_EDGE_PUNCT = " \t\r\n\"'“”‘’«»()[]{}<>,;:!?*|/\\•·▪●◦–—"


def _fold(text: str) -> str:
    """Case- and accent-insensitive form: 'Société' -> 'societe'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _tokens(surface: str) -> list[str]:
    text = _POSSESSIVE.sub("", surface.strip())
    text = _JOINERS.sub("", _fold(text))
    return [t for t in _NON_WORD.split(text) if t]


def holds_run(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    """True if ``shorter`` is a contiguous run of ``longer``'s words."""
    n = len(shorter)
    return any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def normalize(surface: str, label: str) -> str:
    """The identity key of a name within its label (lowercase words joined by single spaces).

    Drops case, accents, punctuation, possessives, a leading "the", corporate suffixes and,
    for people, honorifics. Never returns less than one word if the name had one.
    """
    tokens = _tokens(surface)
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    if label == "PERSON":
        while len(tokens) > 1 and tokens[0] in HONORIFICS:
            tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in CORPORATE_SUFFIXES:
        tokens = tokens[:-1]
    return " ".join(tokens)


_INNER_QUOTE = re.compile(r"(?:(?<=\s)|^)[\"'‘“«](?=\w)|(?<=\w)[\"’”»](?=\s|$)")


def clean_surface(surface: str) -> str:
    """A surface form fit for display: single spaces, no possessive, no stray edge punctuation, and no quotes
    around a name inside it ("the 'Lace Up'" is "the Lace Up": the quote before the name stayed once the
    edge's was stripped)."""
    text = " ".join(surface.split())
    text = _POSSESSIVE.sub("", text).strip(_EDGE_PUNCT)
    return _INNER_QUOTE.sub("", text).strip(_EDGE_PUNCT)


_ARTICLE = re.compile(r"^(?:the|a|an) (?=\S)", re.IGNORECASE)


def _surface_counts(surfaces: Iterable[str]) -> Counter[str]:
    """Cleaned forms and how often each was written; "the Dodge Challenger" and "The Dodge Challenger" count
    as "Dodge Challenger" when the name is also written without the article: the article is the sentence's,
    not the name's ("The Hague", never written bare, keeps it)."""
    counts = Counter(c for c in (clean_surface(s) for s in surfaces) if c)
    for form in [f for f in counts if _ARTICLE.match(f)]:
        bare = _ARTICLE.sub("", form)
        if bare in counts:
            counts[bare] += counts.pop(form)
    return counts


def display_name(surfaces: Iterable[str], label: str = "PERSON") -> str:
    """The name to show for an entity of type ``label`` seen under these surface forms.

    Prefers the fullest form (most words, a leading article not counted), then the most frequent, then the
    longest, then the lexicographically smallest: "Sherlock Holmes" over "Holmes", "Acme" over "Acme's",
    "United States" over "THE UNITED STATES" written once in a heading, "U.S. Department of Transportation"
    over "the Department". Other than a person's, a name's words are counted as ``normalize`` keeps them, so a
    form that only adds a company suffix is not fuller: "Dodge", not "the Dodge Company" written once.
    """
    counts = _surface_counts(surfaces)
    if not counts:
        return ""
    if label != "PERSON":
        return min(counts, key=lambda s: (-len(normalize(s, label).split()), -counts[s], -len(s), s))
    return min(counts, key=lambda s: (-len(_ARTICLE.sub("", s).split()), -counts[s], -len(s), s))


def aliases(surfaces: Iterable[str]) -> list[str]:
    """The other names an entity goes by: distinct cleaned forms (ignoring case) except the display name."""
    counts = _surface_counts(surfaces)
    shown = display_name(counts.elements())
    best: dict[str, str] = {}
    for surface in sorted(counts, key=lambda s: (-counts[s], s)):
        best.setdefault(surface.casefold(), surface)
    return sorted(s for folded, s in best.items() if folded != shown.casefold())


# When a name's mentions are tagged with different types as often, the earlier type here wins. PERSON
# comes last: it is the type the small NER model gives most often by mistake ("Unaudited", "Demon 170").
TYPE_ORDER = ("ORG", "GPE", "PRODUCT", "WORK_OF_ART", "EVENT", "FAC", "LOC", "LAW", "NORP", "PERSON")


def vote_type(labels: Iterable[str]) -> str:
    """A name's type: the label most of its mentions carry (ties broken by ``TYPE_ORDER``)."""
    counts = Counter(labels)
    if not counts:
        return ""
    rank = {t: n for n, t in enumerate(TYPE_ORDER)}
    return min(counts, key=lambda t: (-counts[t], rank.get(t, len(rank)), t))


# Where a name sits in its text's layout: the graph job drops a file's field labels and headings
# (drive.pipeline.graph.clean.heading_mentions); the graph page demotes names that sit nowhere else
# (drive.store.graph.heading_entities).
_LABEL_JOINERS = frozenset(re.findall(r"\S+", "of and or for from to at in on by the & /"))
MAX_LABEL_REST = 6  # words after the name, up to the label's colon
LABEL_LOOKAHEAD = 80  # characters after a name that may finish its label
_TITLE_SMALL_WORDS = _LABEL_JOINERS | frozenset(re.findall(r"\S+", "a an with de du la le von van der den del da di - – ·"))
MAX_TITLE_WORDS = 10


_SLASH_WRAP = re.compile(r"/[\s|]+")


def _continues_label(rest: str, opens: bool = False) -> bool:
    """True if ``rest``, the text after a mention, finishes a field label: capitalised words, joining words and
    slashes up to a colon on the same line or cell ("Restraint| Used:", "Turbulence Severity| /\nForecast/
    Actual:", a label wrapped after its slash); after a comma too when the name ``opens`` its line or cell
    ("Observation Facility, Elevation:", two fields under one label)."""
    label, colon, _ = rest.partition(":")
    # "Visibility (RVR):", "Observation Facility, Elevation:", a label wrapped after its slash into the next
    # cell ("Turbulence Severity / |\n|  | Forecast/Actual:")
    label = _SLASH_WRAP.sub("/ ", label.lstrip(" .),") if opens else label.lstrip(" .)"))
    if not colon or "\n" in label or "|" in label:
        return False
    words = re.findall(r"[^\s/]+|/", label)
    return len(words) <= MAX_LABEL_REST and all(w[:1].isupper() or w.lower() in _LABEL_JOINERS for w in words)


def _line_bounds(text_: str, start: int, end: int) -> tuple[int, int]:
    """Where the line or table cell holding ``text_[start:end]`` begins and ends."""
    line_start = max(text_.rfind("\n", 0, start), text_.rfind("|", 0, start)) + 1
    ends = [i for i in (text_.find("\n", end), text_.find("|", end)) if i >= 0]
    return line_start, min(ends) if ends else len(text_)


def label_position(text_: str, start: int, end: int) -> bool | None:
    """True if a mention is a field label ("Runway Surface Condition:", "Date & Time:") or begins one
    ("Restraint| Used:"); None if it fills a line or a table cell alone (a heading, a title, a column header or
    a name in a list); False in running text."""
    line_start, line_end = _line_bounds(text_, start, end)
    # After a label on its line, a name is that label's value, with the next label after it ("Location:
    # Madill, OK Accident Number:"), not part of that next label.
    value = ":" in text_[line_start:start]
    if text_[start:end].rstrip().endswith(":") or text_[end:end + 3].lstrip(" .)").startswith(":") or (
            not value and _continues_label(text_[end:end + LABEL_LOOKAHEAD], not text_[line_start:start].strip())):
        return True
    alone = not text_[line_start:start].strip(" \t•*-–·#") and not text_[end:line_end].strip(" \t./")
    return None if alone else False


def in_title_line(text_: str, start: int, end: int) -> bool:
    """True if the line or cell holding a mention is written as a title: a few words, each capitalised, a
    number or small, and no sentence end ("Meteorological Information and Flight Plan"). A sentence wrapped by
    the page can look the same, so this alone does not make a name a heading."""
    line_start, line_end = _line_bounds(text_, start, end)
    line = text_[line_start:line_end]
    words = line.split()
    if not 0 < len(words) <= MAX_TITLE_WORDS or line.rstrip().endswith((".", ",", ";", "?", "!")):
        return False
    return all(w[:1].isupper() or w[:1].isdigit() or w.lower() in _TITLE_SMALL_WORDS for w in words)


_ABBREVIATION = re.compile(r"^[A-Z]{2,5}$")
_NUMBER_BEFORE = re.compile(r"\d[\d,.:/-]*\s?$")  # one space or line break between: "FY\n2022"
_NUMBER_AFTER = re.compile(r"^\s?\(?\d")


def beside_number(text_: str, start: int, end: int) -> bool:
    """True if the mention is an abbreviation written against a number, as units and qualifiers are ("FY
    2022", "14 CFR", "1200 CST", "KPI 3"), not names."""
    return (bool(_ABBREVIATION.match(text_[start:end])) and
            bool(_NUMBER_BEFORE.search(text_[max(0, start - 12):start]) or _NUMBER_AFTER.match(text_[end:end + 4])))


def in_table_body(text_: str, start: int) -> bool:
    """True if a mention sits in a Markdown table's body row (below its header and ``| --- |`` rule): a value
    of the table, such as a customer's name in a list, not a column's heading."""
    line_start = text_.rfind("\n", 0, start) + 1
    if not text_[line_start:start].lstrip().startswith("|"):
        return False
    above = text_[:max(0, line_start - 1)].rsplit("\n", 1)[-1].strip()
    return above.startswith("|")
