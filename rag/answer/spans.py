"""Answer spans of the best sentences, offline: the few words (a name, date, number, title) that answer a
question, and a bridge question's second hop.

Candidates are spaCy entities, noun chunks, quoted titles and amounts of the best-ranked sentences. Each scores
by the relevance of the sentence holding it, by how close it sits to the question's own words there, and by
whether it is of the kind the question asks for (``rag.answer.expect``); words the question already says are
not answers. When the span found is the subject of another file ("the film shot in Leland" -> "Maximum
Overdrive", a file of that name), and that file says what the question asks of it ("directed"), the answer is
read there instead ("Stephen King").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from drive.names import title_key, title_of
from rag.answer.chain import chain_of, relations
from rag.answer.compose import MONTHS, keywords
from rag.answer.expect import (
    DATE,
    NOT_HEADS,
    NUMBER,
    SPANS_OF_TIME,
    STOP,
    amount_label,
    asked_noun,
    cloze_lead,
    expected_labels,
    follows_label,
    kind_of,
    last_clause,
    measure_cues,
    measures,
    preferred_labels,
    relation,
    said_to_be,
)
from rag.answer.roles import asked_role, fits, labelled_values

ENTITY_BONUS = 0.3
ECHO_WEIGHT = 0.75  # a span made of the question's own words says nothing new
NEAR_SCALE = 8.0  # words: an answer this far from the question's words counts half
MAX_WORDS = 8
SPAN_SENTENCES = 8  # spans come from the best sentences only; options and yes/no look at all of them
ROLE_BONUS = 1.0  # a span where the question's form puts its answer (``rag.answer.roles``) counts double
# A question asking one relation of the file it names is answered there ("Who is the author of Brand?");
# measured on the single-hop questions of MuSiQue's decompositions (bench/single_hop.py)
START_BONUS = 1.0
CHAIN_BONUS = 1.0  # a sentence that continues the chain from the file the question names (``rag.answer.chain``)
RELATION_WEIGHT = 2.0  # the second hop's words that say how the answer relates count this much more
WORD = re.compile(r"[^\W_]+")
NAME_KINDS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"})
CONTAINING_PLACES = frozenset({"state", "country", "nation"})  # asked nouns that name the place a city lies in
UNTAGGED_NAME = "NAME"  # the label of a capitalised proper noun's phrase that the tagger did not tag
YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
# A number and its unit; not part of an identifier such as "1.1.1.1", "3.3.A", "1R43HD108061" or "RV-8".
# A dose's "2.4 x 106 IU/m2" (the PDF lost "10⁶"'s superscript) is one amount: its multiplier and a unit per
# something ("times/day", "mg/kg", "IU/m2") or a unit of measure written short ("Gy", "mL", "µg") stay with it.
AMOUNT = re.compile(r"(?<![\w.])(?<![A-Za-z]-)\$?\d(?:[\d,]*\d)?(?:\.\d+)?(?!\w|\.\w)"
                    r"(?:\s?[x×]\s?10\^?[-−]?\d{1,2}(?![\d.,]\d))?(?:\s*(?P<unit>%|percent|million|billion|"
                    r"trillion|hours?|minutes?|days?|weeks?|months?|years?(?: old)?|knots|feet|foot|miles?|"
                    r"nautical miles|(?!and/|or/)[A-Za-zµμ]{1,5}/[A-Za-z]{1,5}[0-9²]?|mg|kg|µg|μg|mcg|mL|ml|IU|Gy|mmHg|"
                    r"patients|participants|people))?(?![\w])")
# A life's span after a name, "(15 June 1924 – 24 April 2005)": the first date is a birth, the second a death.
_LIFESPAN = re.compile(r"\(([^()]{0,60}?\d{3,4})\s*[–—-]\s*([^()]{0,40}?\d{3,4})\s*\)")
_BORN = re.compile(r"\b(born|birth|birthday)\b")
_DIED = re.compile(r"\b(die|died|death|dead)\b")
_POSSESSIVE_END = re.compile(r"(?<=\w)['’]s$")
# A stretch of time, not a point in it ("364 days", "three years later"): no answer to "when".
DURATION = re.compile(r"^(?:about |around |nearly |almost |over |some |more than |the (?:next |past |last |first )?)?"
                      r"(?:\d[\d,.]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few|many)\s+"
                      r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries)"
                      r"(?: old| long| later| earlier| ago| after| before)?$", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“]([^\"“”]{2,80})[\"”]")
_TIMES = re.compile(r"\b(?:once|twice|thrice|(?:one|two|three|four|five|six|seven|eight|nine|ten)(?:-time| times)|"
                    r"\d+(?:-time| times))\b", re.IGNORECASE)


@dataclass(frozen=True)
class Evidence:
    """A sentence that may hold the answer: its text, 1-based passage number, relevance (higher is better)
    and the file it comes from."""

    text: str
    passage: int
    relevance: float
    source: str = ""


@dataclass(frozen=True)
class ShortAnswer:
    text: str
    passage: int  # the passage it comes from (1-based), for its citation
    sentence: str = ""  # the sentence it was read from
    also: tuple[Evidence, ...] = ()  # other sentences it rests on (a comparison: the other option's value)
    tier: int = 0  # how well its kind fits the question (``_tier``)


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOP}


def best_span(question: str, evidence: Sequence[Evidence], nlp: Any,
              read: Sequence[Evidence] | None = None) -> ShortAnswer | None:
    """The best-scoring span of the best sentences: of the kind asked for first, then by score. The bridge's
    chain is read in ``read`` (every candidate sentence; default the same): the file the question names may
    say where it leads in a sentence that shares no other word with the question ("Buyende is a town in the
    Eastern Region of Uganda")."""
    labels = expected_labels(question)
    preferred = preferred_labels(question)
    asked = content_words(question)
    years = _asks_year(question)
    cues = measure_cues(question)
    named = amount_label(question)
    timeless = bool(named) and not named & SPANS_OF_TIME  # an amount asked by a noun that is no stretch of time
    role = asked_role(question)
    whole_doc, asking_doc, *docs = nlp.parse([question, last_clause(question), *(e.text for e in evidence)])
    noun = _noun_of_wh(asking_doc) or asked_noun(question)
    lead = cloze_lead(question)
    kinds = kind_of(question)
    # the noun naming the answer's kind: "what surface", "what medal" ("Medal of Honor" is no echo)
    kind = {w for w in asked if keywords(w) & role.labels or w == noun}
    life = 1 if _BORN.search(question.lower()) else 2 if _DIED.search(question.lower()) else 0
    top = max(e.relevance for e in evidence) or 1.0
    chain = chain_of(question, read or evidence)
    start = chain.start if relations(whole_doc) <= 1 else frozenset()
    best: tuple[int, float, Evidence, str] | None = None
    for ev, doc in zip(evidence, docs, strict=True):
        linked = 1.0 + CHAIN_BONUS * chain.continues(ev) + START_BONUS * (ev.source in start)
        anchors = [t.i for t in doc if t.text.lower() in asked]
        values = labelled_values(doc, role)  # "Primary endpoint: X": X whole, where the question's form puts it
        for span, label in [*_spans(doc, numbers=bool(labels & NUMBER)), *((v, "") for v in values)]:
            text = _container(doc, span, noun) if label == "GPE" else None
            text = text or _trim(span.text, labels, years)
            span_words = content_words(text)
            if not span_words or span_words <= asked or len(text.split()) > MAX_WORDS:
                continue
            # "David Leland" for "...Leland..." is an echo; "snowy frozen surface" for "what surface" is not
            echo = len(span_words & (asked - kind)) / len(span_words)
            # a label's value stands next to the question's words that name it: "Primary endpoint: X"
            near = 0 if span in values else min((abs(a - span.start) for a in anchors), default=20)
            value = (ev.relevance / top) * (1.0 / (1.0 + near / NEAR_SCALE)) * linked
            value *= (1.0 - ECHO_WEIGHT * echo) * _entity_bonus(label)
            # the value itself, or a span opening it ("1,151" of "sample size is 1,151 and the maximum ..."), fits
            value *= 1.0 + ROLE_BONUS * (1.0 if any(v.start == span.start for v in values) else fits(span, role))
            value *= 1.0 + ROLE_BONUS * (label in DATE and _in_lifespan(doc.text, span, life))
            # Of the kind asked for first ("who" -> a person), then of a related kind, then anything; an amount
            # whose neighbours say it measures what is asked goes before other amounts. Kind and score are
            # those of one occurrence: "90" next to "knots" in a table row does not lift "90 degree" elsewhere.
            tier = _tier(text, said_to_be(span) or label, labels, preferred)
            tier -= 1 if years and tier == 2 and not YEAR.search(text) else 0  # "what year": "seven-year" is no year
            tier -= 1 if labels == DATE and tier == 2 and DURATION.match(text) else 0  # "when": "364 days" is no time
            tier -= 1 if timeless and tier == 2 and DURATION.match(text) else 0  # "what dose": "4 weeks" is none
            tier += 1 if tier == 2 and labels & NUMBER and (
                (cues and measures(doc, span, cues)) or (named and follows_label(doc, span, named))) else 0
            # "what medal": "Medal of Honor"; not for a kind the tagger tells ("what company": "Dow Jones & Company"
            # is no likelier than "American Psychological Association", "what city": "New York City" than "Middelburg")
            tier += 1 if noun and not kinds and not labels & NAME_KINDS and _named_by(span, noun) else 0
            tier += 1 if lead and _after_lead(doc, span, lead) else 0  # "depictions of what": "of urban landscapes"
            tier += 1 if kinds and _a_kind_of(span, kinds, asked) else 0  # "what kind of university": "land-grant university"
            if best is None or (tier, value) > best[:2]:
                best = (tier, value, ev, text)
    if best is None:
        return None
    tier, _, ev, text = best
    return ShortAnswer(text, ev.passage, ev.text, tier=tier)


def hop(question: str, found: ShortAnswer, evidence: Sequence[Evidence], nlp: Any) -> ShortAnswer | None:
    """A bridge question's second hop: when the span found is itself the subject of another file ("the film
    shot in Leland" -> "Maximum Overdrive", and the question asks who directed it), the answer is read from
    that file's sentences holding the question's remaining words, nearest to them; None when there is none,
    or when the first hop's file already says how its span relates to the question."""
    first = next((e for e in evidence if e.text == found.sentence), None)
    if first is None:
        return None
    said = set().union(*(keywords(e.text) for e in evidence if e.source == first.source))
    rest = keywords(question) - said - keywords(found.text)  # what the first hop's file does not say
    name = title_key(found.text)
    files = {e.source for e in evidence if e.source != first.source and title_key(title_of(e.source)) == name}
    second = [e for e in evidence if e.source in files and keywords(e.text) & rest][:SPAN_SENTENCES]
    if not rest or not second:
        return None
    verb = keywords(relation(question))
    known = content_words(question) | content_words(first.text)
    best = _read_second(question, second, rest, verb, known, content_words(found.text), nlp)
    if best is None or best.tier < found.tier or len(keywords(best.sentence) & verb) <= len(said & verb):
        return None
    return replace(best, also=(first,))


def _read_second(question: str, second: Sequence[Evidence], rest: set[str], verb: set[str], known: set[str],
                 own: set[str], nlp: Any) -> ShortAnswer | None:
    """The best span of the second hop's sentences: in the sentence holding most of the remaining words (those
    saying how it relates count more), nearest to them; not the bridge again under another name."""
    labels = expected_labels(question)
    years = _asks_year(question)
    best: tuple[int, float, Evidence, str] | None = None
    for ev, doc in zip(second, nlp.parse([e.text for e in second]), strict=True):
        held = keywords(ev.text) & rest
        share = (len(held) + RELATION_WEIGHT * len(held & verb)) / (len(rest) + RELATION_WEIGHT * len(verb & rest))
        anchors = [t.i for t in doc if keywords(t.text) & rest]
        for span, label in _spans(doc, numbers=bool(labels & NUMBER)):
            text = _trim(span.text, labels, years)
            new = content_words(text)
            if not new or new <= known or 2 * len(new & own) >= len(own) or len(text.split()) > MAX_WORDS:
                continue  # nothing new, or the bridge under another name ("Karl Philipp Emmanuel Bach")
            near = min((abs(a - span.start) for a in anchors), default=20)
            value = share / (1.0 + near / NEAR_SCALE) * _entity_bonus(label)
            tier = _tier(text, label, labels, labels)  # the tagger's PERSON/ORG split is shaky: either fits
            if best is None or (tier, value) > best[:2]:
                best = (tier, value, ev, text)
    return ShortAnswer(best[3], best[2].passage, best[2].text, tier=best[0]) if best else None


def _tier(text: str, label: str, labels: frozenset[str], preferred: frozenset[str]) -> int:
    """2: of the kind asked for; 1: of a related kind; 0: anything else. An amount is a number with at most a
    unit ("1364 hours", tagged TIME by the tagger), not an identifier holding digits ("PA-22")."""
    if labels & NUMBER:
        return 2 if AMOUNT.fullmatch(text) or _TIMES.fullmatch(text) else 1 if label in labels else 0
    if label == UNTAGGED_NAME:  # a name of some kind: as good as a related kind when a name is asked for
        return 1 if labels & NAME_KINDS else 0
    return 2 if label in preferred else 1 if label in labels else 0


def _names_number(doc: Any, span: Any) -> bool:
    """True if a bare number is part of a name, right after a proper noun that does not open its sentence:
    "Cessna 152", "Apollo 11", "Route 66" (a model, a mission, a road), not "In 2007" or an amount."""
    if span.start == 0:
        return False
    before = doc[span.start - 1]
    return (before.pos_ == "PROPN" and before.text[:1].isupper() and not before.is_sent_start
            and before.text.lower() not in MONTHS)


# A model's code: letters then digits, maybe a dash and a suffix ("F172", "RV-8", "PA-31T", "A320"); the tagger
# calls "Reims F172 M" a law.
_MODEL_CODE = re.compile(r"\b[A-Z]{1,4}-?\d{1,4}[A-Z]{0,3}\b")


def _spans(doc: Any, numbers: bool = False) -> list[tuple[Any, str]]:
    """Entities (with their label) and noun chunks (label "") of a parsed sentence; with ``numbers``, also every
    number with its unit ("1,364 hours", "$91.37", "57.3%"), which the tagger misses in forms and table rows."""
    # A "name" with no capital letter is the tagger's slip ("sturm und drang" tagged PERSON): a plain phrase.
    # and a suffix alone ("Jr." of "Hank Williams, Jr.", tagged apart) is no name
    ents = [e for e in doc.ents if (e.label_ not in NAME_KINDS or any(c.isupper() for c in e.text))
            and e.text not in _NAME_SUFFIXES]
    # "Columbus, Ohio": a place and the place it lies in, one answer (before its parts, which tie with it)
    found = [(doc[a.start:b.end], "GPE") for a, b in zip(ents, ents[1:], strict=False)
             if a.label_ == b.label_ == "GPE" and b.start == a.end + 1 and doc[a.end].text == ","]
    found += [(_with_suffix(doc, e), "PRODUCT" if _MODEL_CODE.search(e.text) else e.label_) for e in ents]
    covered = {t for e in ents for t in range(e.start, e.end)}
    if numbers:
        # An amount inside a longer entity ("age 85", tagged DATE) is a candidate of its own.
        amounts = {t for e in ents if AMOUNT.fullmatch(e.text) for t in range(e.start, e.end)}
        for match in AMOUNT.finditer(doc.text):
            span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
            if span is None or (not match.group("unit") and _names_number(doc, span)):
                continue
            # "8 knots" where the tagger found only "8": the amount with its unit is the candidate
            if not all(t in amounts for t in range(span.start, span.end)):
                found = [(s, k) for s, k in found if not (span.start <= s.start and s.end <= span.end)]
                found.append((span, "QUANTITY" if match.group("unit") else "CARDINAL"))
                amounts.update(range(span.start, span.end))
                covered.update(range(span.start, span.end))
        for match in _TIMES.finditer(doc.text):  # "twice", "a two-time Pro Bowl selection"
            span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
            if span is not None:
                found.append((span, "CARDINAL"))
    for match in _QUOTED.finditer(doc.text):  # a title in quotes: '"Mad About You"', whatever the tagger says
        span = doc.char_span(match.start(1), match.end(1), alignment_mode="expand")
        if span is not None and len(span) <= MAX_WORDS:
            found.append((span, "WORK_OF_ART"))
    try:
        chunks = list(doc.noun_chunks)
    except ValueError:  # no parse
        chunks = []
    for chunk in chunks:
        if not any(t in covered for t in range(chunk.start, chunk.end)) and chunk.root.pos_ in ("PROPN", "NOUN"):
            found.append((chunk, UNTAGGED_NAME if _is_name(chunk) else ""))
    # A form's field name ("Location:", "Aircraft:") labels the answer; it is not one.
    return [(span, label) for span, label in found if span.end >= len(doc) or doc[span.end].text != ":"]


_NAME_SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})


def _with_suffix(doc: Any, span: Any) -> Any:
    """A person's name with the generational suffix the tagger left after its comma: "Hank Williams, Jr." (the
    son), not "Hank Williams" (the father)."""
    end = span.end
    if span.label_ == "PERSON" and end + 1 < len(doc) and doc[end].text == "," and doc[end + 1].text in _NAME_SUFFIXES:
        return doc[span.start:end + 2]
    return span


def _container(doc: Any, span: Any, noun: str) -> str | None:
    """For "what country" or "what state", the place a place lies in, read off the chain of places it is written
    in: "White County, Arkansas, United States" -> the country last, the state before it ("Philadelphia,
    Pennsylvania" has no country). None when the question asks no such thing or the place stands alone."""
    if noun not in CONTAINING_PLACES:
        return None
    start, end = span.start, span.end
    while end + 1 < len(doc) and doc[end].text == "," and doc[end + 1].ent_type_ == "GPE":
        end += 2  # past the comma and the next place's first word, then its other words
        while end < len(doc) and doc[end].ent_iob_ == "I":
            end += 1
    while start >= 2 and doc[start - 1].text == "," and doc[start - 2].ent_type_ == "GPE":
        start -= 2  # to the place before the comma's last word, then back to its first
        while start > 0 and doc[start].ent_iob_ == "I":
            start -= 1
    parts = [p.strip() for p in doc[start:end].text.split(",") if p.strip()]
    if len(parts) < 2:
        return None
    return parts[-2] if noun == "state" and len(parts) > 2 else parts[-1]


def _entity_bonus(label: str) -> float:
    """A span the tagger named counts more than a phrase, or a name it left untagged."""
    return 1.0 + (ENTITY_BONUS if label not in ("", UNTAGGED_NAME) else 0.0)


def _is_name(chunk: Any) -> bool:
    """A proper noun's phrase written as a name ("Hall, who was the first president"), which the tagger left
    untagged: its root a proper noun, its words capitalised (articles aside)."""
    named = [t for t in chunk if t.pos_ != "DET"]
    return chunk.root.pos_ == "PROPN" and bool(named) and all(t.text[:1].isupper() for t in named)


def _noun_of_wh(asking_doc: Any) -> str:
    """The noun the question word determines in the parsed asking sentence ("What river flows through ..." ->
    river), lower-cased; "" when none, or one of a date or amount (read by their kind)."""
    for t in asking_doc:
        if t.lower_ in ("what", "which") and t.dep_ == "det" and t.head.pos_ in ("NOUN", "PROPN"):
            return "" if t.head.lower_ in NOT_HEADS else t.head.lower_
    return ""


def _named_by(span: Any, noun: str) -> bool:
    """Is the span a name or number of the kind the question's noun names: "Medal of Honor" for "what medal",
    "19th century" for "which century", "Nobel Prize in Physics" for "what prize"? Not a plain phrase ("the city")."""
    words = [t for t in span if t.is_alpha or t.like_num]
    cut = next((i for i, t in enumerate(words) if t.lower_ == "of"), len(words))
    head = words[cut - 1] if cut else None  # "Medal" of "Medal of Honor"; "States" of "United States" is no "state"
    return head is not None and head.lower_ == noun and any(
        t.pos_ in ("PROPN", "NUM") or t.like_num or t.ent_type_ == "ORDINAL" for t in words if t is not head)


def _a_kind_of(span: Any, noun: str, asked: set[str]) -> bool:
    """Is the span the noun with a word that says which kind ("land-grant university" for "what kind of
    university"), not the noun alone, with the question's own words ("the university") or as one's name
    ("Rutgers University" is one university, not a kind)?"""
    words = [t for t in span if t.is_alpha]
    return len(words) > 1 and words[-1].lower_ in (noun, noun + "s") and all(t.pos_ != "PROPN" for t in words) and any(
        t.pos_ in ("ADJ", "NOUN", "VERB") and t.lower_ not in asked for t in words[:-1])


_GAP = frozenset({"DET", "ADJ", "NOUN", "NUM", "PRON"})  # "starred in [the sitcom] 'Mad About You'"


def _after_lead(doc: Any, span: Any, lead: tuple[str, ...], gap: int = 3) -> bool:
    """Does the span follow the question's words before its question word, with at most ``gap`` words of a
    noun phrase or quotes between ("was awarded [the] Medal of Honor", "developed by Studio 33")?"""
    i = span.start
    for _ in range(gap + 1):
        if i >= len(lead) and tuple(t.lower_ for t in doc[i - len(lead):i]) == lead:
            return True
        if i == 0 or not (doc[i - 1].pos_ in _GAP or doc[i - 1].is_quote):
            return False
        i -= 1
    return False


def _in_lifespan(text: str, span: Any, part: int) -> bool:
    """Is the span the birth (``part`` 1) or death (2) date of a life's span in parentheses?"""
    return part > 0 and any(m.start(part) <= span.start_char and span.end_char <= m.end(part)
                            for m in _LIFESPAN.finditer(text))


def _asks_year(question: str) -> bool:
    return re.search(r"\b(what|which) year\b", question.lower()) is not None


def _trim(text: str, labels: frozenset[str], years: bool) -> str:
    """Without a leading article, a possessive's "'s" or stray punctuation; only the year of a date when a year
    is asked for."""
    text = re.sub(r"^(the|a|an)\s+", "", text.strip(" ,.;:'\""), flags=re.IGNORECASE)
    text = _POSSESSIVE_END.sub("", text)  # "G. Stanley Hall's" theory: the answer is Hall
    year = YEAR.search(text) if labels == DATE and years else None
    return year.group(0) if year else text
