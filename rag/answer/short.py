"""The direct answer to a question, offline: a few words (a name, date, number, yes/no) taken from the best
sentences, or None when none stands out.

Spans come from ``rag.answer.spans``. "Which ..., X or Y?" picks one of the named options, by the amounts
read for each when the question compares them; yes/no questions get "yes" or "no".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from rag.answer.compose import keywords
from rag.answer.expect import expected_labels, last_clause
from rag.answer.spans import (
    AMOUNT,
    SPAN_SENTENCES,
    WORD,
    YEAR,
    Evidence,
    ShortAnswer,
    best_span,
    content_words,
    hop,
    words,
)

__all__ = ["Evidence", "ShortAnswer", "compare", "is_open", "is_yes_no", "options", "short_answer"]

YES_NO_START = frozenset({"is", "are", "was", "were", "do", "does", "did", "can", "could", "has", "have", "had",
                          "will", "would", "should"})
AROUND = 40  # characters either side of an amount that tell what it measures
_NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")
_EARLY = re.compile(r"\b(first|earlier|earliest|older|oldest|before|sooner)\b")
_LATE = re.compile(r"\b(later|latest|younger|youngest|newer|newest|last|more recent(?:ly)?|most recent(?:ly)?)\b")
_MORE = re.compile(r"\b(more|most|larger|largest|bigger|biggest|higher|highest|taller|tallest|longer|longest|"
                   r"greater|greatest)\b")
_LESS = re.compile(r"\b(fewer|fewest|less|least|smaller|smallest|lower|lowest|shorter|shortest)\b")
_NEGATION = re.compile(r"\b(not|never|no|neither|nor)\b|n't\b", re.IGNORECASE)

_ABOUT_FILES = re.compile(r"\b(discussed|covered|mentioned|talked about|addressed|described)\W*$", re.IGNORECASE)
_WH = frozenset({"what", "which", "who", "whom", "whose", "when", "where", "why", "how"})
_JOINERS = frozenset({"of", "the", "and", "&", "de", "la", "von", "van", "du", "for", "in", "on"})


def is_yes_no(question: str) -> bool:
    asked = words(last_clause(question))
    return bool(asked) and asked[0] in YES_NO_START and not _WH & set(asked) and not options(question)


def is_open(question: str) -> bool:
    """A question that asks for a description, not a few words: "Why ...", "How did ..." (not "how many"),
    or no question word at all ("Impact of fuel types on performance?")."""
    asked = words(last_clause(question))
    if _ABOUT_FILES.search(question.strip()):  # "Are store closures discussed?": what the files say of it
        return True
    if not asked or is_yes_no(question) or options(question):
        return False
    if asked[0] == "why" or (asked[0] == "how" and not expected_labels(question)):
        return True
    return not _WH & set(asked)


def options(question: str) -> list[str]:
    """The two named options of "Which ..., X or Y?" (after the last comma or colon), of "Which is higher:
    the crash near Boquete, Panama, or the one near Arteaga, Mexico?" (after a colon, options may hold
    commas), or, without either, of "Which band was formed first The Exies or Circus Diablo?" (a
    capitalised name before "or"); else []."""
    q = last_clause(question).strip().rstrip("?").strip()
    q = re.sub(r"\s*\([^()]*\)$", "", q)  # "... (both December 2007)"
    if " or " not in q:  # "Between Apple and Microsoft, which ...", "Of the two accidents, at X and at Y, which ..."
        return _named_before_which(q)
    if ":" in q:
        parts = re.split(r",?\s+or\s+", q.rsplit(":", 1)[1])
    elif re.search(r",", q):
        parts = re.split(r"\s+or\s+", re.split(r",\s*", q)[-1])
    else:
        parts = _named_before_or(q)
    if len(parts) != 2 or not all(p.strip() for p in parts):
        return []
    return [re.sub(r"^(the|a|an)\s+", "", p.strip(" ,"), flags=re.IGNORECASE) for p in parts]


_LEAD_PAIR = re.compile(r"^(?:between|of|for)\s+(?P<lead>.+?),?\s+(?:which|who)\b", re.IGNORECASE)
_PAIR_OPENERS = frozenset({"at", "in", "on", "near", "from", "the", "a", "an"})


def _named_before_which(q: str) -> list[str]:
    """The two options of "Between X and Y, which ... more ...?" or "Of the two accidents, at X and at Y, which
    ... first?" (a comparison: without one, "For X and Y, which ..." asks of both): the last "and" of the lead
    splits them; when the second opens with a word ("at"), the first starts after
    that word's last use before it, else after the lead's last comma."""
    found = _LEAD_PAIR.match(q)
    rest = q[found.end():].lower() if found else ""
    if found is None or " and " not in found.group("lead") or not any(
            p.search(rest) for p in (_MORE, _LESS, _EARLY, _LATE)):  # a choice compares: "which ... more"
        return []
    first, second = found.group("lead").rsplit(" and ", 1)
    opener = second.split()[0].lower() if second.split() else ""
    if opener in _PAIR_OPENERS and f" {opener} " in f" {first.lower()}":
        first = first[f" {first.lower()}".rindex(f" {opener} ") + len(opener):]
        second = second.split(None, 1)[1] if len(second.split()) > 1 else ""
    elif "," in first:
        first = first.rsplit(",", 1)[1]
    parts = [p.strip(" ,") for p in (first, second)]
    return parts if all(parts) and all(len(p.split()) <= 8 for p in parts) else []


def _named_before_or(q: str) -> list[str]:
    halves = re.split(r"\s+or\s+", q)
    if len(halves) != 2 or not halves[1][:1].isupper():
        return []
    run: list[str] = []
    for token in reversed(halves[0].split()[1:]):  # the question's first word is capitalised anyway
        if token[:1].isupper() or token[:1].isdigit() or (run and token.lower() in _JOINERS):
            run.insert(0, token)
        else:
            break
    while run and run[0].lower() in _JOINERS - {"the"}:
        run.pop(0)
    after: list[str] = []
    for token in halves[1].split():
        if token[:1].isupper() or token[:1].isdigit() or (after and token.lower() in _JOINERS):
            after.append(token)
        else:
            break
    while after and after[-1].lower() in _JOINERS:
        after.pop()
    return [" ".join(run), " ".join(after)] if run and after else []


def short_answer(question: str, evidence: Sequence[Evidence], nlp: Any) -> ShortAnswer | None:
    """The few words that answer ``question`` from ``evidence`` (every candidate sentence, best first), or None."""
    if not evidence:
        return None
    named = options(question)
    if named:
        return _choose(question, named, evidence)
    if is_yes_no(question):
        return _yes_no(question, evidence, nlp)
    found = best_span(question, evidence[:SPAN_SENTENCES], nlp, evidence)
    return (hop(question, found, evidence, nlp) or found) if found else None


# ---------------------------------------------------------------- options and yes/no


def _choose(question: str, named: list[str], evidence: Sequence[Evidence]) -> ShortAnswer:
    """Of "X or Y", the one the evidence favours: by the amounts or dates found for each when the question
    compares (more, higher, first, older...), else by how well the sentences naming each say what is asked."""
    compared = compare(question, named, evidence)
    if compared is not None:
        return compared
    q = question.lower()
    facts = [_about(option, evidence) for option in named]
    values: list[float | None] = []
    for hits in facts:
        pattern = YEAR if (_EARLY.search(q) or _LATE.search(q)) else _NUMBER
        found = [m.group(0) for ev in hits for m in [pattern.search(ev.text)] if m]
        values.append(float(found[0].replace(",", "")) if found else None)
    ranks = any(p.search(q) for p in (_EARLY, _LATE, _MORE, _LESS))  # "which singer is American" ranks nothing
    if ranks and all(v is not None for v in values):
        low_wins = bool(_EARLY.search(q) or _LESS.search(q)) and not _LATE.search(q)
        pick = min(range(2), key=lambda i: values[i]) if low_wins else max(range(2), key=lambda i: values[i])  # type: ignore[arg-type,return-value]
    else:
        pick = max(range(2), key=lambda i: _fit(question, named, facts[i]))
    source = facts[pick][0] if facts[pick] else evidence[0]
    other = facts[1 - pick][:1]  # what was said of the option not picked: the answer cites both sides
    return ShortAnswer(named[pick], source.passage, source.text, also=tuple(e for e in other if e != source))


def compare(question: str, named: list[str], evidence: Sequence[Evidence]) -> ShortAnswer | None:
    """"Which ... more/higher/fewer ...: X or Y?": the amount the question asks about, read for each option
    from the file that names it, then compared; None when the question does not compare amounts or an
    amount is missing for either option."""
    asked = question.lower().rsplit(":", 1)[0]
    more, less = _MORE.search(asked), _LESS.search(asked)
    if not (more or less) or _EARLY.search(asked) or _LATE.search(asked):
        return None
    comparative = more or less
    assert comparative is not None
    attribute = _attribute(asked, comparative.group(0), keywords(" ".join(named)))
    read = [amount_of(attribute, _of_option(named[i], named[1 - i], evidence)) for i in range(2)]
    found = [r for r in read if r is not None]
    if len(found) != 2 or found[0][0] == found[1][0]:
        return None
    low_wins = bool(less) and not more
    pick = min(range(2), key=lambda i: found[i][0]) if low_wins else max(range(2), key=lambda i: found[i][0])
    ev, other = found[pick][1], found[1 - pick][1]
    return ShortAnswer(named[pick], ev.passage, ev.text, also=(other,))


def _attribute(asked: str, comparative: str, named: set[str]) -> set[str]:
    """The measured thing's keywords, read around the comparative: "killed more people" -> kill, people;
    "had more total flight hours" -> total, flight, hour; the rest of the question describes the options."""
    at = asked.index(comparative)
    clause = re.split(r"[,:;]", asked[at:])[0]
    return keywords(" ".join(words(asked[:at])[-2:] + words(clause)[1:5])) - named


def _in_date(text: str, m: re.Match[str]) -> bool:
    """Part of "12/23/2007" or "13:08": a date or a time, not an amount."""
    return text[m.end():m.end() + 1] in ("/", ":") or text[max(0, m.start() - 1):m.start()] in ("/", ":")


def _of_option(option: str, other: str, evidence: Sequence[Evidence]) -> list[Evidence]:
    """The sentences of the file that best names the option by the words that set it apart from the other
    one ("Air Tractor AT-401 ... Soledad" against "Piper PA-31T ... Muscle Shoals"): a comparison's
    amounts sit in forms and tables that do not repeat the option's name."""
    own = {w for w in content_words(option) - content_words(other) if len(w) > 1}
    if not own:
        return []
    by_file: dict[str, set[str]] = defaultdict(set)
    for e in evidence:
        by_file[e.source] |= own & set(words(e.text))
    home = max(by_file, key=lambda f: len(by_file[f]))  # ties: the file of the most relevant sentence
    if len(by_file[home]) < 0.5 * len(own):
        return []
    return [e for e in evidence if e.source == home]


def amount_of(attribute: set[str], sentences: Sequence[Evidence],
              whole: bool = False) -> tuple[float, Evidence, str, int] | None:
    """The amount of the asked attribute ("total flight hours" -> "Flight Time: 11000 hours (Total, ..."):
    the one with most of the attribute's words around it, in the sentence holding most of them, nearest
    one of them; not a year, a date or a time (with ``whole``, only whole numbers). Its value, sentence, text
    ("11000 hours") and how many of the attribute's words stand around it."""
    if not attribute:
        return None
    best: tuple[int, int, int, float] | None = None
    chosen: tuple[float, Evidence, str, int] | None = None
    for ev in sentences:
        hit = len(keywords(ev.text) & attribute)
        if not hit:
            continue
        for m in AMOUNT.finditer(ev.text):
            digits = amount_digits(ev.text, m, whole)
            if digits is None:
                continue
            before, after = ev.text[max(0, m.start() - AROUND):m.start()], ev.text[m.end():m.end() + AROUND]
            local = keywords(f"{before} {m.group(0)} {after}") & attribute
            leads = [w.end() for w in WORD.finditer(before) if keywords(w.group(0)) & attribute]
            follows = [w.start() for w in WORD.finditer(after) if keywords(w.group(0)) & attribute]
            # the nearest of the attribute's words, either side: "24 participants" before "8 of these participants"
            gap = min(len(before) - leads[-1] if leads else AROUND, follows[0] if follows else AROUND,
                      0 if keywords(m.group("unit") or "") & attribute else AROUND)  # "24 participants"
            key = (len(local), hit, -gap, ev.relevance)
            if best is None or key > best:
                best, chosen = key, (float(digits), ev, m.group(0), len(local))
    return chosen


def amount_digits(text: str, m: re.Match[str], whole: bool = False) -> str | None:
    """The digits of an ``AMOUNT`` match, or None when it is no amount: part of a date or a time, a bare year,
    or (with ``whole``, for counts) a decimal such as the section number "1.1"."""
    digits = re.sub(r"[^\d.]", "", m.group(0).split()[0])
    if not digits or digits == "." or _in_date(text, m) or (YEAR.fullmatch(digits) and not m.group("unit")):
        return None
    return None if whole and "." in digits else digits


def _fit(question: str, named: list[str], hits: Sequence[Evidence]) -> float:
    """How well an option's best sentence says what the question asks of it ("Which singer is American"):
    the share of the question's other words it holds, then its relevance."""
    wanted = content_words(question) - {w for o in named for w in words(o)}
    if not hits:
        return 0.0
    best = max(len(wanted & set(words(e.text))) / (len(wanted) or 1) for e in hits)
    return best + 0.1 * hits[0].relevance


def _about(option: str, evidence: Sequence[Evidence]) -> list[Evidence]:
    """Sentences naming the option (all of it, else most of its words), best first."""
    phrase = " ".join(words(option))
    exact = [e for e in evidence if f" {phrase} " in f" {' '.join(words(e.text))} "]
    if exact:
        return sorted(exact, key=lambda e: -e.relevance)
    wanted = {w for w in content_words(option) if len(w) > 1} or set(words(option))
    hits = [e for e in evidence if len(wanted & set(words(e.text))) >= max(1, round(0.67 * len(wanted)))]
    return sorted(hits, key=lambda e: -e.relevance)


def _yes_no(question: str, evidence: Sequence[Evidence], nlp: Any) -> ShortAnswer:
    """"yes" unless the best sentences deny it, or, for "the same ..." questions, the things named differ, or,
    for "both" questions, the sentences about one of the two say what is asked and those about the other do
    not (when neither does, the files word it otherwise: no evidence either way)."""
    best = evidence[0]
    if re.search(r"\b(same|both)\b", question.lower()) and re.search(r"\bsame\b", question.lower()):
        kinds = [{e.text.lower() for e in doc.ents if e.label_ in ("GPE", "NORP", "LANGUAGE")}
                 for doc in nlp.entities([e.text for e in evidence[:4]])]
        kinds = [k for k in kinds if k]
        if len(kinds) >= 2 and not set.intersection(*kinds):
            return ShortAnswer("no", best.passage, best.text)
    if _NEGATION.search(best.text) and not _NEGATION.search(question):
        return ShortAnswer("no", best.passage, best.text)
    pair = both_named(question)
    asked = keywords(question) - keywords(" ".join(pair)) - keywords("both")  # what is asked of both
    said = [s for s in (_says(asked, item, evidence) for item in pair) if s]
    if len(said) == 2 and said[0][1] != said[1][1]:  # one says what is asked in its words, the other does not
        lacking, holding = (said[0][0], said[1][0]) if said[1][1] else (said[1][0], said[0][0])
        return ShortAnswer("no", lacking.passage, lacking.text, also=(holding,))
    return ShortAnswer("yes", best.passage, best.text)


_PAIR = re.compile(r"(?P<a>(?:[A-Z0-9][\w'’.&-]*\s+)*[A-Z0-9][\w'’.&-]*)\s+and\s+(?:the\s+)?"
                   r"(?P<b>[A-Z0-9][\w'’.&-]*(?:\s+[A-Z0-9][\w'’.&-]*)*)")


def both_named(question: str) -> list[str]:
    """The two things a "both" question asks the same of ("Are Christopher Nolan and Sathish Kalathil both film
    directors?", "Are both magazines, the Woman's Viewpoint and Pick Me Up, British publications?"); else []."""
    if not re.search(r"\bboth\b", question, re.IGNORECASE):
        return []
    body = question.split(None, 1)[1] if " " in question else question  # the asking word is capitalised too
    found = _PAIR.search(body)
    return [found.group("a"), found.group("b")] if found else []


def _says(asked: set[str], item: str, evidence: Sequence[Evidence]) -> tuple[Evidence, bool] | None:
    """The best sentence naming ``item``, and whether one of its three best holds at least half of the
    ``asked`` words; None when no sentence names it."""
    about = _about(item, evidence)[:3]
    if not about or not asked:
        return None
    return about[0], max(len(asked & keywords(e.text)) for e in about) >= len(asked) / 2


