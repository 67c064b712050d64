"""Entity resolution, pure: which mentions name the same thing.

An entity's identity is (label, key). ``normalize`` folds the spelling variants of one name
("Acme Corp." = "ACME Corporation" = "Acme's" -> "acme"); ``resolve_file`` then lets a short
form ("Holmes") join the one longer name of the same label in the same file that contains it
("sherlock holmes"). Labels are never crossed: PERSON "Jordan" and GPE "Jordan" stay apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable

from drive.records import MentionRecord, ResolvedMention

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
_EDGE_PUNCT = " \t\r\n\"'“”‘’«»()[]{}<>,;:!?*|/\\"


def _fold(text: str) -> str:
    """Case- and accent-insensitive form: 'Société' -> 'societe'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _tokens(surface: str) -> list[str]:
    text = _POSSESSIVE.sub("", surface.strip())
    text = _JOINERS.sub("", _fold(text))
    return [t for t in _NON_WORD.split(text) if t]


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


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    """True if ``shorter`` is a contiguous run of ``longer``'s words."""
    n = len(shorter)
    return any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def _roots(keys: Iterable[str]) -> dict[str, str]:
    """Map each key of one label to the key it merges into (itself when no unique longer form)."""
    split = {k: tuple(k.split()) for k in set(keys)}
    # Longest first, so a candidate's own root is final before shorter keys look at it.
    ordered = sorted(split, key=lambda k: (-len(split[k]), k))
    root: dict[str, str] = {}
    by_word: dict[str, list[str]] = defaultdict(list)  # word -> keys already rooted that contain it
    for key in ordered:
        words = split[key]
        candidates = {
            root[other]
            for other in by_word.get(words[0], ())
            if len(split[other]) > len(words) and _contains(split[other], words)
        }
        for word in set(words):
            by_word[word].append(key)
        short_enough = len(key.replace(" ", "")) >= 2
        root[key] = candidates.pop() if len(candidates) == 1 and short_enough else key
    return root


def resolve_file(mentions: list[MentionRecord]) -> list[ResolvedMention]:
    """Resolve all mentions of one file; the result is in input order, one per mention.

    Deterministic and independent of the order of ``mentions``. Mentions whose name has no
    word character at all get an empty key; callers should drop those.
    """
    keys = [normalize(m.surface, m.label) for m in mentions]
    by_label: dict[str, set[str]] = defaultdict(set)
    for mention, key in zip(mentions, keys, strict=True):
        if key:
            by_label[mention.label].add(key)
    roots = {label: _roots(label_keys) for label, label_keys in by_label.items()}
    return [
        ResolvedMention(mention=m, key=roots[m.label][k] if k else k)
        for m, k in zip(mentions, keys, strict=True)
    ]


def clean_surface(surface: str) -> str:
    """A surface form fit for display: single spaces, no possessive, no stray edge punctuation."""
    text = " ".join(surface.split())
    text = _POSSESSIVE.sub("", text).strip(_EDGE_PUNCT)
    return text


def _surface_counts(surfaces: Iterable[str]) -> Counter[str]:
    return Counter(c for c in (clean_surface(s) for s in surfaces) if c)


def display_name(surfaces: Iterable[str]) -> str:
    """The name to show for an entity seen under these surface forms.

    Prefers the fullest form (most words), then the most frequent, then the longest, then the
    lexicographically smallest: "Sherlock Holmes" over "Holmes", "Acme" over "Acme's".
    """
    counts = _surface_counts(surfaces)
    if not counts:
        return ""
    return min(counts, key=lambda s: (-len(s.split()), -counts[s], -len(s), s))


def aliases(surfaces: Iterable[str]) -> list[str]:
    """The other names an entity goes by: distinct cleaned forms (ignoring case) except the display name."""
    counts = _surface_counts(surfaces)
    shown = display_name(counts.elements())
    best: dict[str, str] = {}
    for surface in sorted(counts, key=lambda s: (-counts[s], s)):
        best.setdefault(surface.casefold(), surface)
    return sorted(s for folded, s in best.items() if folded != shown.casefold())
