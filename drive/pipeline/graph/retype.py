"""File-wide rules that retype the names the small NER model mistyped, from what the file itself says, pure.

The model tags a maker's models and its founders ORG or PERSON at random, and the items of a list at random too.
A file says better: a brand followed by a model's name ("Dodge Challenger" beside "Challenger") makes the model a
product (``typed_by_brand``); "models such as the Charger and Challenger", "cities like Reno and Elko" say what
their items are (``typed_by_kind``, Hearst's patterns); a version makes a product ("SPSS version 26",
``typed_by_version``). What these rules decide holds for the name in every file,
so the graph job stores their mentions as ``ruled`` and the drive's type vote weighs them more
(``drive.store.graph.RULED_VOTES``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from drive.names import normalize, vote_type
from drive.pipeline.graph.clean import BODY_HEADS, FUNCTION_WORDS, NAMED_HEADS, word_cases, word_set
from drive.records import MentionRecord

# A brand's name followed by a word that is no body's noun: "Dodge Challenger", "Apple Watch" (not "Dodge
# Brothers", "Ford Foundation", "Sony Pictures", "NBC News").
_NOT_MODEL = NAMED_HEADS | BODY_HEADS | word_set(
    "brothers bros motor motors channel records studios press pictures news radio television tv broadcasting "
    "entertainment music media sports publishing government")


MODEL_IN_ORGS = 2  # the brand-and-model name itself, and one more


def typed_by_brand(texts: list[str], mentions: Iterable[MentionRecord]) -> dict[str, str]:
    """Surface -> type, for the names a file's own brands show the model mistyped (the small model tags a maker's
    models and its founders ORG or PERSON at random). A brand is a one-word organisation the file never writes
    in lowercase ("Dodge"; not "Department", "Target"). An organisation's name that opens with a brand and goes
    on with a model's name that the file also writes alone is a product ("Dodge Challenger" beside "Challenger";
    not "Ulta Beauty"), and so is that model's name alone, also when the model tagged the maker-and-model name
    right; one that ends with the brand and opens with a one-word person of the file is a person ("Horace
    Dodge", when "Horace" is a person there). A numbered product's name without its number is a product too
    ("Demon" of "Demon 170"), unless it is a brand."""
    found = list(mentions)
    lower, _ = word_cases(texts)
    votes: dict[str, list[str]] = {}
    for m in found:
        votes.setdefault(normalize(m.surface, m.label), []).append(m.label)
    voted = {key: vote_type(labels) for key, labels in votes.items()}
    brands = {k for k, t in voted.items() if t == "ORG" and " " not in k and len(k) >= 3 and not lower[k]}
    people = {k for k, t in voted.items() if t == "PERSON" and " " not in k}
    # A word that opens or goes on many of the file's organisations' names is a qualifier ("Federal" of "Federal
    # Register", "Federal Workforce"), no model's name
    in_orgs = Counter(w for k, t in voted.items() if t == "ORG" and " " in k for w in set(k.split()))
    peoples = {k for k, t in voted.items() if t in ("NORP", "GPE", "LOC")}  # "ACSI American": no model
    kinds: dict[str, str] = {}
    models: set[str] = set()
    for key, label in voted.items():
        words = key.split()
        if label not in ("ORG", "PRODUCT") or not 2 <= len(words) <= 3 or set(words) & FUNCTION_WORDS:
            continue
        if (words[0] in brands and not set(words[1:]) & _NOT_MODEL and not any(lower[w] for w in words[1:])
                and in_orgs[words[1]] <= MODEL_IN_ORGS and not set(words[1:]) & peoples
                and " ".join(words[1:]) in voted):
            kinds[key] = "PRODUCT"
            models.add(" ".join(words[1:]))
        elif label == "ORG" and words[-1] in brands and words[0] in people:
            kinds[key] = "PERSON"
        elif label == "PRODUCT" and words[-1].isdigit() and not lower[words[0]] and words[0] not in brands:
            models.add(" ".join(words[:-1]))
    kinds |= {k: "PRODUCT" for k, t in voted.items() if k in models and t in ("ORG", "PERSON")}
    return {m.surface: kinds[key] for m in found if (key := normalize(m.surface, m.label)) in kinds}


# The nouns a list's items are kinds of, by the type they give them: "models such as the Charger and Challenger".
_KIND_NOUNS = {
    "PRODUCT": word_set("model models vehicle vehicles car cars truck trucks aircraft airplane airplanes plane planes "
                      "helicopter helicopters product products device devices phone phones engine engines"),
    "ORG": word_set("company companies firm firms brand brands manufacturer manufacturers automaker automakers "
                  "carmaker carmakers retailer retailers"),
    "GPE": word_set("city cities country countries state states town towns"),
}
_KIND_OF = {noun: kind for kind, nouns in _KIND_NOUNS.items() for noun in nouns}
_LIST_OPENS = re.compile(r"\b(" + "|".join(sorted(_KIND_OF, key=len, reverse=True)) + r")\s+(?:such as|like|including)\s+",
                         re.IGNORECASE)
_BETWEEN_ITEMS = re.compile(r"^(?:,|,? and|,? or)\s+(?:the\s+)?$")
_BEFORE_FIRST = re.compile(r"^(?:the\s+)?$")


def typed_by_kind(texts: list[str], mentions: Iterable[MentionRecord]) -> dict[str, str]:
    """Surface -> type, for the names a file lists as kinds of a noun that says their type ("models such as the
    Charger and Challenger": products; "automakers like Dodge and Ford": organisations); only a list whose
    items follow one another with nothing but commas, "and" or "or" between."""
    by_chunk: dict[int, list[MentionRecord]] = {}
    for m in mentions:
        by_chunk.setdefault(m.chunk_index, []).append(m)
    kinds: dict[str, str] = {}
    for index, found in by_chunk.items():
        if index >= len(texts):
            continue
        text, ordered = texts[index], sorted(found, key=lambda m: m.start)
        for opening in _LIST_OPENS.finditer(text):
            kind, at = _KIND_OF[opening.group(1).lower()], opening.end()
            for m in ordered:
                if m.start < at:
                    continue
                gap = text[at:m.start]
                if not (_BEFORE_FIRST if at == opening.end() else _BETWEEN_ITEMS).match(gap):
                    break
                kinds[m.surface] = kind
                at = m.end
    return kinds


_VERSION = re.compile(r"^\s+(?:[Vv]ersion\s+|v(?=\d))\d+(?:\.\d+)*\b")  # "V8" is an engine


def typed_by_version(texts: list[str], mentions: Iterable[MentionRecord]) -> dict[str, str]:
    """Surface -> "PRODUCT", for the names a file writes with a version ("SPSS version 26", "Stata v17"): things
    have versions, organisations and people do not. A bare number is no version ("Channel 4", "KPI 2.2.1")."""
    return {m.surface: "PRODUCT" for m in mentions if m.label != "PRODUCT" and m.chunk_index < len(texts)
            and _VERSION.match(texts[m.chunk_index][m.end:m.end + 40])}


# "a VIN with", "an MBA from", "an IRB, FDA": an abbreviation counted with "a" or "an" and followed by no noun it
# would qualify ("an FBI agent", "a UK hit") is a common noun, not a body's name.
_COUNTED = re.compile(r"\b[Aa]n?\s+$")
_NO_NOUN_AFTER = re.compile(r"^(?:[.,;:)]|\s+(?:with|from|for|that|which|who|of|as|and|or|to|in|on|at|by|is|was|are|"
                            r"were|will|must|may|can|should)\b)")
_ABBREVIATION = re.compile(r"^[A-Z]{2,6}s?$")


def counted_abbreviations(texts: list[str], mentions: Iterable[MentionRecord]) -> set[str]:
    """The abbreviations a file counts as common nouns ("assigned a VIN with the same digits") at least half the
    times it writes them ("A DOL that harnesses ..." once among 40 mentions of the department is no such
    use); the graph job types them as terms in that file, as it does the abbreviations a file defines as terms."""
    said: dict[str, list[bool]] = {}
    for m in mentions:
        if _ABBREVIATION.match(m.surface) and m.chunk_index < len(texts):
            text = texts[m.chunk_index]
            said.setdefault(m.surface, []).append(bool(_COUNTED.search(text[max(0, m.start - 4):m.start])
                                                       and _NO_NOUN_AFTER.match(text[m.end:m.end + 12])))
    return {surface for surface, counted in said.items() if 2 * sum(counted) >= len(counted)}


# A name a file writes between quotes is a title ("the 'Lace Up' plan", "'Tai Chi Summit'"), whatever the model
# guessed; the kinds that are titles already (a law, an event, a product) keep theirs.
_QUOTES_OPEN, _QUOTES_CLOSE = "'\"‘“", "'\"’”"
_UNTITLED = frozenset({"ORG", "PERSON", "GPE", "LOC", "FAC", "NORP"})
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)


def _quoted(text: str, m: MentionRecord) -> bool:
    core = _ARTICLE.sub("", m.surface)
    opens = (core != "" and core[0] in _QUOTES_OPEN) or (core == m.surface and text[m.start - 1:m.start] in tuple(_QUOTES_OPEN))
    after = text[m.end:m.end + 2]  # "'Lace Up,' she said": a comma or full stop may sit inside the quotes
    closes = (len(core) > 1 and core[-1] in _QUOTES_CLOSE) or after[:1] in tuple(_QUOTES_CLOSE) or (
        after[:1] in (",", ".") and after[1:] in tuple(_QUOTES_CLOSE))
    return bool(opens and closes)


def typed_by_quotes(texts: list[str], mentions: Iterable[MentionRecord]) -> dict[str, str]:
    """Surface -> "WORK_OF_ART", for the names a file writes between quotes at least half the times it writes
    them."""
    said: dict[str, list[bool]] = {}
    for m in mentions:
        if m.label in _UNTITLED and m.chunk_index < len(texts):
            said.setdefault(m.surface, []).append(_quoted(texts[m.chunk_index], m))
    return {surface: "WORK_OF_ART" for surface, quoted in said.items() if 2 * sum(quoted) >= len(quoted)}
