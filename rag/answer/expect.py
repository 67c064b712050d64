"""What kind of answer a question expects ("what year" -> a date, "who" -> a person), offline.

The extractive answerer prefers sentences that hold such an answer and not only the question's own
words: a small, explicit rule set, English only. For an amount, also what it should measure ("how old" ->
an age, "what share" -> a percentage).
"""

from __future__ import annotations

import re
from typing import Any

DATE = frozenset({"DATE", "TIME"})
PLACE = frozenset({"GPE", "LOC", "FAC"})
PERSON = frozenset({"PERSON"})
ORG = frozenset({"ORG"})
PRODUCT = frozenset({"PRODUCT"})
NUMBER = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL"})
# Words that carry no content in a question (and end the noun after "how many").
STOP = frozenset({"the", "a", "an", "of", "in", "on", "at", "to", "for", "by", "and", "or", "is", "was", "are",
                  "were", "which", "what", "who", "whom", "whose", "when", "where", "how", "did", "does", "do",
                  "that", "this", "with", "from", "as", "it", "its", "be", "been", "has", "have", "had", "first"})

WORK = frozenset({"WORK_OF_ART"})
# Nouns of an amount that is a stretch of time: "the length of stay" may be "4 days", "the dose" may not.
SPANS_OF_TIME = frozenset({"length", "duration", "time", "age", "period", "stay"})
# Nouns that name an amount: "what was the population", "what dose".
_AMOUNT_NOUNS = (r"(dose|dosage|sample size|rate|score|total|count|figure|temperature|price|cost|salary|budget|"
                 r"population|debt|revenue|income|profit|gdp|length|height|weight|elevation|altitude|distance|"
                 r"capacity|attendance|enrollment|enrolment)\b")
# Read on the asking phrase (``asking``), so "an actress who starred in what" asks for a work, not a person.
# "what is the country of ..." asks as "what country" does.
_THE = r"(?:(?:is|was|are|were) the )?"
_RULES: list[tuple[re.Pattern[str], frozenset[str]]] = [
    (re.compile(r"\b(what|which) time\b(?! (period|frame|span|zone))"), frozenset({"TIME"})),
    (re.compile(r"^(when|since when)\b|\b(what|which) (year|date|decade|century|month|day)\b|\bhow long ago\b"),
     DATE),
    (re.compile(r"\bhow (many|much|old|long|tall|big|far|large|strong|fast|heavy|deep|wide|high|often)\b|"
                r"\bwhat (number|percentage|percent|amount|share|proportion|fraction)\b|"
                r"\b(what|which) ([\w-]+ ){0,3}" + _AMOUNT_NOUNS), NUMBER),
    (re.compile(r"\b(what|which) " + _THE + r"([\w-]+ ){0,2}(actor|actress|singer|player|author|writer|director|musician|"
                r"composer|poet|painter|artist|politician|president|king|queen|prince|princess|emperor|man|woman|"
                r"person|character|footballer|coach|producer|novelist|wife|husband|son|daughter|father|mother|pilot|"
                r"officer|scientist|engineer|judge|lawyer|doctor|leader|founder|chairman|governor|mayor|senator|"
                r"minister|captain|driver|athlete|student|teacher|professor)\b"),
     PERSON),
    (re.compile(r"^(where|what|which)\b.*\b(located|born|based (in|at|out of)|headquartered|from$)|"
                r"\b(what|which) " + _THE + r"([\w-]+ )?(city|town|state|country|county|province|island)\b"), PLACE),
    (re.compile(r"^where\b"), PLACE),
    (re.compile(r"\b(what|which) (language|nationality)\b"), frozenset({"LANGUAGE", "NORP"})),
    (re.compile(r"\b(what|which) " + _THE + r"([\w-]+ ){0,2}(film|movie|album|song|single|book|novel|series|show|sitcom|"
                r"play|opera|musical|poem|painting|game|episode)\b"), WORK),
    (re.compile(r"\b(what|which) " + _THE + r"(make and model|make|model|aircraft|airplane|plane|helicopter|car|"
                r"vehicle)\b"), PRODUCT),
    (re.compile(r"\b(what|which) " + _THE + r"(company|organi[sz]ation|band|group|team|network|station|label|studio|"
                r"university|school|party|club|publisher)\b"), ORG),
    (re.compile(r"^(who|whom|whose)\b"), PERSON | ORG),
]
_WH = re.compile(r"\b(what|which|who|whom|whose|when|where|how)\b")
_LEADS = re.compile(r"^(?:(?:in|on|at|from|for|to|by|with|of|during|since|until|after|before|under|and|"
                    r"about|approximately|roughly|around|nearly)\s+)?"  # "About how far ..." asks as "how far"
                    r"(?=(?:what|which|who|whom|whose|when|where|how)\b)")
# A sentence end: a word of 3+ characters, then . ! or ?, then a capital ("B. Samuels", "U.S. Army" are not).
_ASKS_AFTER = re.compile(r"(?<=\w{3}[.!?])\s+(?=[A-Z])")
_RELATIVE = re.compile(r"\b(that|which|who|whom|whose|where|when)\b")


def last_clause(question: str) -> str:
    """The sentence that asks: "X has an OBE. Does Y also have one?" -> "Does Y also have one?"."""
    parts = [p for p in _ASKS_AFTER.split(question.strip()) if p.strip()]
    return parts[-1] if parts else question


def asking(question: str) -> str:
    """The phrase that asks, lower-cased, from its question word on: the question word that opens the sentence
    ("In what film did ...", "Who directed the film that ..."), else the last one, since an earlier "who" or
    "which" inside the sentence opens a relative clause ("an actress who starred in what for seven years")."""
    clause, opening = _clause(question)
    if opening is not None:
        return _NAME_OF.sub(r"\1 ", clause[opening:])
    found = _asked_wh(clause)
    return _NAME_OF.sub(r"\1 ", clause[found.start():] if found else clause)


# "what is the name of the band ..." asks as "what band ..." does
_NAME_OF = re.compile(r"^(what|which) (?:is|was|are|were) the names? of (?:the |a |an )?(?=[\w-])")


def _clause(question: str) -> tuple[str, int | None]:
    """The asking sentence, lower-cased and spaced once, and where its opening question word starts (after a
    preposition: "in what film"), or None when it does not open with one."""
    clause = " ".join(last_clause(question).lower().rstrip(" ?").split())
    opening = _LEADS.match(clause)
    if opening:
        return clause, opening.end()
    # A phrase set before the question ("At the 2011 census, what was ..."): no question word, then a comma.
    fronted, comma, rest = clause.partition(", ")
    after = _LEADS.match(rest) if comma and not _WH.search(fronted) else None
    return clause, len(fronted) + len(comma) + after.end() if after else None


def _asked_wh(clause: str) -> re.Match[str] | None:
    """The question word inside a sentence: the last one not opening a clause after a comma (", who has ..."),
    else the last one."""
    every = list(_WH.finditer(clause))
    found = [m for m in every if not clause[:m.start()].rstrip().endswith(",")] or every
    return found[-1] if found else None


def relation(question: str) -> str:
    """The words that say how the answer relates to what the question describes: "Who directed the film that
    was shot in Leland" -> "who directed the film"; "a German musician whose godfather is whom" -> "whose
    godfather is whom" (from the relative word before the question word)."""
    clause, opening = _clause(question)
    if opening is not None:
        rest = clause[opening:]
        cut = _RELATIVE.search(rest, 1)
        return rest[:cut.start()] if cut else rest
    found = _asked_wh(clause)
    if not found:
        return clause
    before = list(_RELATIVE.finditer(clause, 0, found.start()))
    start = before[-1].start() if before else found.start()
    cut = _RELATIVE.search(clause, found.end())
    return clause[start:cut.start() if cut else len(clause)]



def expected_labels(question: str) -> frozenset[str]:
    """The entity labels an answer to this question would carry; empty when it cannot tell."""
    q = asking(question)
    for pattern, labels in _RULES:
        if pattern.search(q):
            return labels
    return frozenset()


def preferred_labels(question: str) -> frozenset[str]:
    """The labels to try first: "who" asks for a person far more often than for an organisation."""
    labels = expected_labels(question)
    return PERSON if labels == PERSON | ORG else labels


# "awarded what medal", "during which century", "which Native American tribes did": the noun after the question
# word, up to the verb or preposition that ends it. Nouns of dates and amounts are read by the rules above.
_NOUN_AFTER_WH = re.compile(r"^(?:what|which)\s+(?!(?:did|does|do|could|would|can|should|will|might|may|must|"
                            r"has|have|had)\b)((?:[\w-]+\s+){0,3}?[\w-]+)(?=\s+(?:did|does|do|is|was|are|were|"
                            r"has|have|had|of|in|on|at|for|by|from|with|that|who|whom|whose|when|where)\b|$)")
NOT_HEADS = frozenset({"year", "years", "date", "day", "days", "month", "months", "time", "number", "amount",
                       "percentage", "percent", "one", "ones", "kind", "type", "sort", "part", "name"})


# "what kind of university": the answer is a kind of the noun after "of" ("land-grant university").
_KIND_OF = re.compile(r"^(?:what|which) (?:kind|kinds|type|types|sort|sorts|form|forms) of ([\w-]+)")


def kind_of(question: str) -> str:
    """The noun whose kind a question asks ("what kind of university" -> "university"); "" when it asks none."""
    found = _KIND_OF.match(asking(question))
    noun = found.group(1) if found else ""
    return "" if noun in STOP or noun in NOT_HEADS else noun


def asked_noun(question: str) -> str:
    """The noun the question names its answer by ("awarded what medal" -> "medal", "what kind of university"
    -> "university"), lower-cased as written; "" when it names none or names a date or amount (those are read
    by their kind)."""
    kinds = kind_of(question)
    if kinds:
        return kinds
    found = _NOUN_AFTER_WH.match(asking(question))
    noun = found.group(1).split()[-1] if found else ""
    return "" if not noun or noun in STOP or noun in NOT_HEADS else noun


def cloze_lead(question: str) -> tuple[str, ...]:
    """The last two words before a question word left in place ("known for his precisionist depictions of what"
    -> depictions, of; "was awarded what medal" -> was, awarded): a sentence that says them answers right after
    them. Empty when the question opens with its question word."""
    clause, opening = _clause(question)
    found = None if opening is not None else _asked_wh(clause)
    if found is None or found.group(1) not in ("what", "which", "whom"):
        return ()
    before = [w.strip(",;:'\"") for w in clause[:found.start()].split()]
    return tuple(w for w in before if w)[-2:]


def holds_answer(entities: set[tuple[str, str]], labels: frozenset[str], question: str) -> bool:
    """Does a sentence name something of the expected kind that the question does not already name?"""
    q = question.lower()
    return any(label in labels and text.lower() not in q for text, label in entities)


# What an amount's neighbours say it measures, by the question's "how ...": "age 85" answers "how old", "1,364
# hours" "how many flight hours"; for "how many/much" the cues are the question's own words that follow it.
_HOW = re.compile(r"\bhow (old|far|long|tall|high|deep|strong|fast|heavy|many|much)\b((?:\s+[a-z-]+){0,3})")
_SHARE = re.compile(r"\bwhat (share|percentage|percent|proportion|fraction)\b")
_NAMED = re.compile(r"\b(?:what|which) (?:[\w-]+ ){0,3}" + _AMOUNT_NOUNS)
_LENGTHS = ("mile", "kilometer", "kilometre", "km", "nautical", "feet", "foot", "ft", "meter", "metre", "inch")
_SPEEDS = ("knot", "kt", "mph", "km/h", "kph", "gust", "speed")
_CUES = {"old": ("age", "aged", "old"), "far": _LENGTHS, "tall": _LENGTHS, "high": _LENGTHS,
         "long": ("second", "minute", "hour", "day", "week", "month", "year", *_LENGTHS), "deep": _LENGTHS,
         "strong": _SPEEDS, "fast": _SPEEDS, "heavy": ("pound", "lb", "kg", "kilogram", "ton", "tonne")}


def measure_cues(question: str) -> frozenset[str]:
    """Words that, next to an amount, show it measures what the question asks (stemmed); empty when unknown."""
    if _SHARE.search(question.lower()):
        return frozenset({"%", "percent"})
    found = _HOW.search(question.lower())
    if not found:
        return frozenset()
    if found.group(1) in ("many", "much"):
        words: list[str] = []
        for word in found.group(2).split():
            if word in STOP:
                break
            words.append(word)
        return frozenset(singular(w) for w in words)
    return frozenset(_CUES[found.group(1)])


def amount_label(question: str) -> frozenset[str]:
    """The noun that names the amount asked for ("what was the population of ..." -> population), whose value
    follows it ("a population of 6,960", "the sample size required is 1,151"); empty when there is none."""
    named = _NAMED.search(question.lower())
    return frozenset(singular(w) for w in named.group(1).split()) if named else frozenset()


def follows_label(doc: Any, span: Any, label: frozenset[str], reach: int = 6) -> bool:
    """Does a word of the label stand within ``reach`` words before the amount?"""
    return any(singular(t.lower_) in label for t in doc[max(0, span.start - reach):span.start])


def singular(word: str) -> str:
    """A plural noun without its "s" ("sizes" -> "size"; not "class")."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def measures(doc: Any, span: Any, cues: frozenset[str]) -> bool:
    """Does a word of the amount or just around it say it measures what is asked ("age 85", "85 years old",
    "57.3%")?"""
    around = [*doc[max(0, span.start - 2) : span.end + 4]]
    return any(singular(t.lower_) in cues for t in around)


def _nouns(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Nouns by which a sentence says what its subject is ("Madonna is a biography by ..."), and the kind they give it.
_SAID_KINDS = (
    (_nouns("film movie album song single book novel biography memoir series show sitcom play opera musical poem "
            "painting game episode documentary magazine newspaper"), "WORK_OF_ART"),
    (_nouns("city town village state country county province island river lake mountain region district capital "
            "municipality suburb neighborhood"), "GPE"),
    (_nouns("company band group team network station label studio university school party club organization "
            "organisation agency corporation publisher"), "ORG"),
)


def said_to_be(span: Any) -> str | None:
    """The kind its own sentence gives a name that is the subject of "is/was a <noun>": "Madonna is a biography"
    makes that Madonna a work, whatever the tagger said; None when the sentence does not say."""
    head = span.root
    verb = head.head
    if head.dep_ != "nsubj" or verb.text.lower() not in ("is", "was", "are", "were"):
        return None
    nouns = [c.text.lower() for c in verb.children if c.dep_ == "attr" and c.pos_ == "NOUN"]
    return next((kind for noun in nouns for words, kind in _SAID_KINDS if noun in words), None)
