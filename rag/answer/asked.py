"""The names a question asks about, read whole and folded for comparison: "Flute Sonata in C" stops at "in",
"Bank of America" does not stop at "of", "Akinoshū" is compared as "akinoshu"."""

from __future__ import annotations

import re
import unicodedata

from rag.answer.places import spelled

_PHRASE_TOKEN = re.compile(r"[^\W_][\w'’-]*|[^\w\s]")
_POSSESSIVE = re.compile(r"['’]s\b")
_LOWER_SUFFIX = re.compile(r"-[a-z][\w-]*$")
NAME_JOINERS = frozenset({"of", "the", "de", "la", "du", "von", "van", "der", "del", "&"})
# Capitalised words that open or frame a question rather than name something; months and days are dates, which
# documents write in many ways ("December 2007", "12/15/2007").
NOT_NAMES = frozenset({
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "does", "do", "did", "is", "are", "was",
    "were", "the", "a", "an", "in", "on", "at", "to", "from", "by", "for", "with", "as", "after", "before", "during",
    "if", "and", "or", "both", "this", "that", "these", "those", "it", "its", "his", "her", "their", "according",
    "besides", "about", "under", "since", "until", "between", "among", "of", "not", "no", "yes", "i", "we", "you",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
})


def phrases(question: str) -> list[str]:
    """The names the question mentions, whole and folded: runs of capitalised words, numbers after them and
    joiners inside them ("Flute Sonata in C" stops at "in", "Bank of America" does not stop at "of"). A
    sentence's first word counts only when the next one is capitalised too ("David Jones is ...")."""
    tokens = [m.group(0) for m in _PHRASE_TOKEN.finditer(question)]
    runs: list[list[str]] = [[]]
    opening = True
    for i, token in enumerate(tokens):
        if not token[:1].isalnum():
            before = tokens[i - 1] if i else ""
            if token == "." and len(before) == 1 and before.isupper():
                continue  # an initial: "Hyman B. Samuels"
            runs.append([])
            opening = token in "?!" or (token == "." and len(before) >= 3)
            continue
        word = _POSSESSIVE.sub("", token)
        if word[:1].isupper():  # "GIRFT-funded": the name is GIRFT
            word = _LOWER_SUFFIX.sub("", word)
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        capital = word[:1].isupper() and word.lower() not in NOT_NAMES
        if opening:
            capital = capital and following[:1].isupper()
        opening = False
        if capital or (runs[-1] and (word[:1].isdigit() or word.lower() in NAME_JOINERS)):
            runs[-1].append(word)
            if word != token:  # "EPA's Safer Choice" is EPA, then Safer Choice; "GIRFT-funded" ends at GIRFT
                runs.append([])
        else:
            runs.append([])
    found = []
    for run in runs:
        while run and run[-1].lower() in NAME_JOINERS:
            run.pop()
        if run:
            found.append(folded(" ".join(run)))
    return list(dict.fromkeys(f for f in found if f))


def folded(text: str) -> str:
    """Lower case, no accents ("Akinoshū" is asked as "Akinoshu"), no possessive "'s", words separated by single
    spaces: how names are compared."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", spelled(text).lower()) if not unicodedata.combining(c))
    return " ".join(re.findall(r"[^\W_]+", _POSSESSIVE.sub("", plain)))
