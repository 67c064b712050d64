"""Where an answer sits in its sentence, read from how the question asks, offline.

"What did the left wing strike?" asks for the object of a verb: in "the left wing had contacted a utility
trailer" the answer is what the verb acts on, whatever the verb is called there. "What is the primary
endpoint of ...?" and "What ceiling was reported ...?" ask for the value of a label: in "Primary endpoint:
photographic evaluation ..." or "Lowest Ceiling: Overcast / 200 ft agl" the answer follows the label's
words, and in "Identity synthesis (primary outcome)" it comes before them in parentheses. A candidate in
such a place is preferred to one that is only near the question's words (``rag.answer.spans``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rag.answer.compose import keywords
from rag.answer.expect import asking, last_clause

_AUX = r"did|does|do|had|has|have|will|would|could|can|should|might|may|must"
_COPULA = r"is|was|are|were"
# "what [step] did ...", "which [organization] is ...": the question word, its noun (up to five words), the
# verb after it, and the rest.
_ASKS = re.compile(rf"^(?:what|which)\s+((?:[\w-]+\s+){{0,5}}?)({_AUX}|{_COPULA})\b\s*(.*)$")
# "who was the registered owner of ...": the value of "Registered Owner:" (a label only; no verb's role)
_WHO_IS = re.compile(rf"^(?:who|whom)\s+()({_COPULA})\b\s*(.*)$")
# Where the label's noun phrase after a copula ends: "the primary outcome | in the randomized trial ...".
_NP_END = re.compile(r"\s(?:of|in|for|on|at|to|by|with|from|that|which|who|whom|whose|when|where|according|"
                     r"during|after|before|under|between|among)\b|[,;:(]")
_CLAUSE_END = re.compile(r"\s(?:while|when|during|before|after|as|on|in|at|near|from|according|because)\b|[,;:(]")
MAX_SUBJECT_WORDS = 8
_AFTER_PREPOSITION = re.compile(r"^\W*(?:in|on|at|to|from|for|by|with|of|during|since|until|after|before|under|into)"
                                r"\s+(?:what|which)\b")
_INNER_COPULA = re.compile(r"\b(?:is|was|are|were)\s+(?:the|a|an)\s+")
_VERB_NEXT = re.compile(r"(?:have|has|had|be|been|being)\b")
_ARTICLE = re.compile(r"^(?:the|a|an|its|their|his|her)\s+")
# Nouns that name only the kind of the answer: "which organization is the sponsor" asks for the sponsor.
_KINDS = frozenset(re.findall(r"\S+", "organization organisation company agency institution body entity group firm "
                                      "person one individual"))
# What may stand between a label and its value: "Primary endpoint: X", "the sponsor is X", "Ceiling - X".
_LINKERS = frozenset({":", "-", "–", "—", "=", "is", "was", "are", "were", "will", "be", "shall", "the"})
_ASSIGNS = frozenset({":", "-", "–", "—", "=", "is", "was", "are", "were", "be"})
MAX_VALUE_WORDS = 8
_VALUE_ENDS = frozenset({".", ";", ":", "(", ")", "\n", "?", "!"})
# How a span depends on its verb when it is what the verb acts on; "pobj" counts when its preposition hangs
# from a verb ("caught in high alder brush").
_OBJECT_DEPS = frozenset({"dobj", "attr", "oprd", "dative"})
_CLIMB_DEPS = frozenset({"conj", "appos", "compound", "amod"})


@dataclass(frozen=True)
class Role:
    """What the question's form says of its answer: the object of a verb, and/or the value of a label whose
    (stemmed) words are ``labels``."""

    object: bool = False
    labels: frozenset[str] = frozenset()
    subject: frozenset[str] = frozenset()  # the words of what acts, for an object: "left wing cessna 172s"


def asked_role(question: str) -> Role:
    """"What did X hit" -> an object; "What is the primary endpoint of Y" -> the value of "primary endpoint";
    "What ceiling was reported" -> the value of "ceiling"; other questions -> no role."""
    found = _ASKS.match(asking(question))
    if found is None:
        return Role()
    labels = frozenset(keywords(" ".join(asked_label(question))))
    # "To which group does the range belong?", "In what film did she play?": what the verb acts on is not asked
    if (re.fullmatch(_COPULA, found.group(2)) or _AFTER_PREPOSITION.match(last_clause(question).lower())
            or _VERB_NEXT.match(found.group(3))):  # "what could have prevented it": "what" acts
        return Role(labels=labels)
    # "what did [the left wing of a Cessna 172S strike] while ...": the verb is somewhere in there too
    subject = _CLAUSE_END.split(found.group(3), 1)[0].split()[:MAX_SUBJECT_WORDS]
    return Role(object=True, labels=labels, subject=frozenset(keywords(" ".join(subject))))


def kind_and_label(question: str) -> bool:
    """True if the question names its answer's kind and then the label whose value it is: "Which organization is
    the sponsor of ...?" (the value of "Sponsor:", which is an organisation), "Who was the registered owner of
    ...?" (a person or a body)."""
    found = _ASKS.match(asking(question))
    if found and found.group(1).strip() in _KINDS and re.fullmatch(_COPULA, found.group(2)):
        return bool(_ARTICLE.match(found.group(3)))
    who = _WHO_IS.match(asking(question))  # "Who was the registered owner of ...": "who" is the kind
    return bool(who and _ARTICLE.match(who.group(3)))


def asked_label(question: str) -> list[str]:
    """The words naming what the question asks for, in order: "What is the primary endpoint of ..." ->
    primary, endpoint; "What vegetation did ..." -> vegetation; "Who was the registered owner of ..." ->
    registered, owner; [] when it names none."""
    found = _ASKS.match(asking(question)) or _WHO_IS.match(asking(question))
    if found is None:
        return []
    noun, verb, rest = found.group(1).strip(), found.group(2), found.group(3)
    if kind_and_label(question):
        noun = ""  # "which organization is the sponsor of ...": the label is the sponsor, the kind says what it is
    if not noun and re.fullmatch(_COPULA, verb) and _ARTICLE.match(rest):  # "what is the primary outcome in ..."
        noun = _NP_END.split(_ARTICLE.sub("", rest), 1)[0]
    elif not noun and (inner := _INNER_COPULA.search(rest)):  # "what did the NTSB determine was the probable cause"
        noun = _NP_END.split(rest[inner.end():], 1)[0]
    noun = _NP_END.split(f" {noun}", 1)[0]  # "what age range of patients": the range, not the patients
    return [w for w in re.findall(r"[^\W_]+", noun) if not w.isdigit()]  # "what FY 2022 target": not "2022"


def fits(span: Any, role: Role) -> float:
    """How well ``span`` sits where the question's object would: 1 acted on by a verb whose subject shares the
    question's subject words, 0.5 acted on by another verb, else 0. (A label's value is a candidate of its own:
    ``labelled_values``.)"""
    verb = _verb_acting_on(span) if role.object else None
    if verb is None:
        return 0.0
    return 1.0 if _subject_words(verb) & role.subject else 0.5


def labelled_values(doc: Any, role: Role) -> list[Any]:
    """Whole values of the question's label, as candidates of their own: the words after "Primary endpoint:" up
    to the clause's end, or those before "(primary endpoint)" back to the clause's start."""
    if not role.labels:
        return []
    found = []
    for token in doc:
        if not keywords(token.text) & role.labels:
            continue
        start = token.i + 1
        while start < len(doc) and (doc[start].lower_ in _LINKERS or keywords(doc[start].text) & role.labels):
            start += 1
        if any(t.lower_ in _ASSIGNS for t in doc[token.i + 1:start]):  # "Primary endpoint: X", "the sponsor is X"
            found.append(_clause(doc, start, 1))
        before = token.i - 1
        while before >= 0 and keywords(doc[before].text) & role.labels:
            before -= 1
        if before >= 1 and doc[before].text == "(":  # "X (primary endpoint)"
            found.append(_clause(doc, before - 1, -1))
    return list({(span.start, span.end): span for span in found if span is not None}.values())


def _clause(doc: Any, at: int, step: int) -> Any:
    """From token ``at`` to the clause's end (step 1) or start (step -1): at most MAX_VALUE_WORDS words."""
    end = at
    while 0 <= end + step < len(doc) and doc[end + step].text not in _VALUE_ENDS and abs(end - at) < MAX_VALUE_WORDS:
        end += step
    if not 0 <= at < len(doc) or doc[at].text in _VALUE_ENDS:
        return None
    return doc[min(at, end):max(at, end) + 1]


def _verb_acting_on(span: Any) -> Any:
    """The verb whose direct object or complement the span is, or whose preposition's object; else None."""
    token = span.root
    while token.dep_ in _CLIMB_DEPS and token.head is not token:
        token = token.head
    if token.dep_ in _OBJECT_DEPS and token.head.pos_ in ("VERB", "AUX"):
        return token.head
    if token.dep_ == "pobj" and token.head.head.pos_ == "VERB":
        return token.head.head
    return None


def _subject_words(verb: Any) -> set[str]:
    """The words of the verb's subject, of the verb it is coordinated with ("caught and snapped"), or of the noun
    it modifies ("the right wing caught in brush", read as a participle on "wing")."""
    if verb.dep_ in ("acl", "relcl"):
        return keywords(" ".join(t.text for t in verb.head.subtree if t.i < verb.i))
    while True:
        subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects or verb.dep_ != "conj" or verb.head is verb:
            break
        verb = verb.head
    return set().union(*(keywords(" ".join(t.text for t in s.subtree)) for s in subjects))
