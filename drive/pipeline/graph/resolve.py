"""Entity resolution, pure: which mentions name the same thing.

An entity's identity is its key: ``normalize`` folds the spelling variants of one name
("Acme Corp." = "ACME Corporation" = "Acme's" -> "acme"), and the name's type is decided by a vote
over its mentions (``drive.names.vote_type``): "Demon 170" tagged PERSON once and PRODUCT twice is one
PRODUCT. ``resolve_file`` lets a person's short form ("Holmes") join the one longer person's name in
the same file that contains it ("sherlock holmes"); a first-name-and-surname form joins the one
longer name of the file that starts and ends with them ("Helen Hunt" -> "Helen Elizabeth Hunt"), and an
initial its one expansion ("J. Smith" -> "John Smith", only when the file has a single such Smith).

An organisation's short form that ends in a body's noun (``NAMED_HEADS``: "the Department", "the Board") joins
the one longer organisation's name of the file whose head word it is ("the Department" -> "U.S. Department of
Transportation"), or the one the file names far more often than the others: documents name a body in full once
and by its noun after. A model's name alone joins its one maker-and-model name ("Challenger" -> "Dodge
Challenger"). An organisation's one-word name that is the surname of the file's one person ending with it, named
before it, joins that person ("Mary Dillon ... Dillon aims"); a first name coordinated with a full name takes its
surname ("Horace and John Dodge"). Other short forms do not join: a name inside a longer one is usually a
different thing ("Dodge" in "Dodge Challenger", "Asia" in "Southeast Asia", "American" in "Native American"),
and variants of one name (suffixes, articles, punctuation) are folded by ``normalize``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from drive.names import holds_run, normalize, vote_type
from drive.pipeline.graph.clean import NAMED_HEADS
from drive.records import MentionRecord, ResolvedMention


def _word_matches(full: str, short: str) -> bool:
    return short == full or (len(short) == 1 and full.startswith(short))


def _abbreviates(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    """True if ``shorter`` is a person's name ``longer`` with middle names left out or given names as
    initials: "helen hunt" and "h e hunt" abbreviate "helen elizabeth hunt". The surname must be whole."""
    if len(shorter) < 2 or shorter == longer or shorter[-1] != longer[-1] or len(shorter[-1]) < 2:
        return False
    if not _word_matches(longer[0], shorter[0]):
        return False
    rest = iter(longer[1:-1])  # the middle words of ``shorter`` must appear in order among those of ``longer``
    return all(any(_word_matches(full, short) for full in rest) for short in shorter[1:-1])


def _heads(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    """True if ``shorter`` ends at the head word of the organisation's name ``longer``: its last word, or the
    last before "of" ("department" of "us department of transportation", "cowboys" of "dallas cowboys")."""
    end = longer.index("of", 1) if "of" in longer[1:] else len(longer)
    return len(shorter) < end + 1 and longer[end - len(shorter):end] == shorter


def _roots(keys: Iterable[str], person: bool = True, counts: dict[str, int] | None = None) -> dict[str, str]:
    """Map each key to the key it merges into (itself when no unique longer form): a person's short name joins
    the longer name holding it; an organisation's short name that ends in a body's noun ("the Department", "the
    Board") joins the one name it is the head word of, or the one the file names far more often than any
    other (``counts``: mentions per key): a department's plan says "Department of Commerce" 15 times, "the
    State Department" once."""
    split = {k: tuple(k.split()) for k in set(keys)}
    # Longest first (in words, then letters: "john smith" before "j smith"), so a candidate's own root
    # is final before shorter keys look at it.
    ordered = sorted(split, key=lambda k: (-len(split[k]), -len(k), k))
    root: dict[str, str] = {}
    by_word: dict[str, list[str]] = defaultdict(list)  # word -> keys already rooted that contain it
    said: dict[str, int] = defaultdict(int)  # root -> mentions of the keys rooted in it so far
    for key in ordered:
        words = split[key]
        if person:
            candidates = {root[other] for other in by_word.get(words[0], ())
                          if len(split[other]) > len(words) and holds_run(split[other], words)}
            candidates |= {root[other] for other in by_word.get(words[-1], ()) if _abbreviates(split[other], words)}
        else:
            candidates = {root[other] for other in by_word.get(words[-1], ())
                          if words[-1] in NAMED_HEADS and len(split[other]) > len(words) and _heads(split[other], words)}
        for word in set(words):
            by_word[word].append(key)
        if not person and len(candidates) > 1 and counts is not None:
            candidates = _dominant(candidates, said)
        short_enough = len(key.replace(" ", "")) >= 2
        root[key] = candidates.pop() if len(candidates) == 1 and short_enough else key
        said[root[key]] += counts.get(key, 0) if counts else 0
    return root


DOMINANT = 3  # a body the file names this many times as often as each other one with the same noun is "the" one


def _dominant(candidates: set[str], said: dict[str, int]) -> set[str]:
    """The candidate whose names (its own and those joined to it: ``said``) the file says ``DOMINANT`` times as
    often as any other's, alone; all of them when none does."""
    first, *rest = sorted(candidates, key=lambda c: (-said[c], c))
    return {first} if all(said[first] >= DOMINANT * said[c] for c in rest) else candidates


def _models(keys: Iterable[str]) -> dict[str, str]:
    """A model's name alone joins the one maker-and-model name of the file it ends ("challenger" -> "dodge
    challenger")."""
    tails: dict[str, set[str]] = defaultdict(set)
    for key in keys:
        words = key.split()
        if len(words) > 1:
            tails[" ".join(words[1:])].add(key)
    return {key: min(tails[key]) for key in keys if len(tails.get(key, ())) == 1}


def _surnames(by_label: dict[str, set[str]], root: dict[str, str], first: dict[str, tuple[int, int]]) -> dict[str, str]:
    """An organisation's one-word name that is the surname of the file's one person who ends with it, named
    before it, joins that person ("Mary Dillon ... Dillon aims"): the small model tags a surname alone as an
    organisation. Not when another of the file's names holds the word: "Ford" beside "Ford Motor Company"."""
    ends: dict[str, set[str]] = defaultdict(set)
    for key in by_label.get("PERSON", ()):
        if " " in key:
            ends[key.split()[-1]].add(root[key])
    held = {w for label, keys in by_label.items() if label != "PERSON" for k in keys if " " in k for w in k.split()}
    joined = {}
    for key in by_label.get("ORG", ()):
        people = ends.get(key, set())
        if " " in key or len(people) != 1 or key in held:
            continue
        person = next(iter(people))
        if min(first[k] for k, r in root.items() if r == person) < first[key]:
            joined[key] = person
    return joined


_AND = (" and ", " & ")


def _coordinated(mentions: list[MentionRecord], keys: list[str], texts: list[str]) -> tuple[list[str], set[int]]:
    """Read "X and Y" of two names where one is a person's full name: a first name before it takes its surname
    ("brothers Horace and John Dodge": Horace Dodge), and a name sharing its surname is a person too ("John
    Francis Dodge and Horace Elgin Dodge", the second tagged an organisation). Returns the keys and the indices
    of the mentions to relabel as people."""
    out, people = list(keys), set()
    for i, (a, b) in enumerate(zip(mentions, mentions[1:], strict=False)):
        if a.chunk_index != b.chunk_index or a.chunk_index >= len(texts):
            continue
        if texts[a.chunk_index][a.end:b.start] not in _AND:
            continue
        first, second = keys[i].split(), keys[i + 1].split()
        if a.label == b.label == "PERSON" and len(first) == 1 and len(second) >= 2:
            out[i] = f"{keys[i]} {second[-1]}"
        elif len(first) >= 2 and len(second) >= 2 and first[-1] == second[-1] and "PERSON" in (a.label, b.label):
            people.add(i if b.label == "PERSON" else i + 1)
    return out, people


_WRAPPED = re.compile(r"^[ \t]*\n[ \t]*((?:\S+[ \t]*){1,4})")
_WORD = re.compile(r"\S+")


def _wrapped(mentions: list[MentionRecord], keys: list[str], texts: list[str]) -> tuple[list[MentionRecord], list[str]]:
    """Join a name cut at a line's end to the one longer name of the file that its next line goes on with, and
    stretch the mention over the words it lost: "the Federal Employees Health" + "Benefits (FEHB) Program" -> "the
    Federal Employees Health Benefits", when the file names that too (the small model stops a name at a line break
    that a PDF's layout put inside it). Its surface must hold them: the cut one, an alias, would find the longer
    name for any question with the word "Federal"."""
    longer = sorted({k for k in keys if k})
    out, outs = list(mentions), list(keys)
    for i, (m, key) in enumerate(zip(mentions, keys, strict=True)):
        text = texts[m.chunk_index] if key and m.chunk_index < len(texts) else ""
        after = _WRAPPED.match(text[m.end:m.end + 80])
        if after is None:
            continue
        words = list(_WORD.finditer(after.group(1)))
        going_on = [w.group(0).strip(".,;:()'\"’").lower() for w in words]
        found = [k for k in longer if k.startswith(key + " ") and _goes_on(k[len(key) + 1:].split(), going_on)]
        if len(found) == 1:
            end = m.end + after.start(1) + words[len(found[0][len(key) + 1:].split()) - 1].end()
            out[i] = replace(m, surface=" ".join(text[m.start:end].split()), end=end)
            outs[i] = found[0]
    return out, outs


def _goes_on(rest: list[str], words: list[str]) -> bool:
    return len(rest) <= len(words) and rest == words[:len(rest)]


def resolve_file(mentions: list[MentionRecord], texts: list[str] | None = None) -> list[ResolvedMention]:
    """Resolve all mentions of one file; the result is in input order, one per mention.

    Deterministic and independent of the order of ``mentions``. Mentions whose name has no
    word character at all get an empty key; callers should drop those. With the file's ``texts`` (by chunk
    index), a first name coordinated with a full name takes its surname (``_coordinated``) and a name cut at a
    line's end joins the longer name its next line goes on with (``_wrapped``).
    """
    keys = [normalize(m.surface, m.label) for m in mentions]
    if texts is not None:
        order = sorted(range(len(mentions)), key=lambda n: (mentions[n].chunk_index, mentions[n].start))
        read, people = _coordinated([mentions[n] for n in order], [keys[n] for n in order], texts)
        for n, key in zip(order, read, strict=True):
            keys[n] = key
        relabelled = {order[p] for p in people}
        mentions = [replace(m, label="PERSON", ruled=True) if n in relabelled else m for n, m in enumerate(mentions)]
        keys = [normalize(m.surface, m.label) if n in relabelled else k
                for n, (m, k) in enumerate(zip(mentions, keys, strict=True))]
        mentions, keys = _wrapped(mentions, keys, texts)
    labels: dict[str, list[str]] = defaultdict(list)
    first: dict[str, tuple[int, int]] = {}
    for mention, key in zip(mentions, keys, strict=True):
        if key:
            labels[key].append(mention.label)
            first[key] = min(first.get(key, (mention.chunk_index, mention.start)), (mention.chunk_index, mention.start))
    by_label: dict[str, set[str]] = defaultdict(set)
    for key, tags in labels.items():
        by_label[vote_type(tags)].add(key)
    root = {key: key for key in labels} | _roots(by_label.get("PERSON", ()))
    root |= _roots(by_label.get("ORG", ()), person=False, counts={k: len(tags) for k, tags in labels.items()})
    root |= _models(by_label.get("PRODUCT", ()))
    surnames = _surnames(by_label, root, first)
    root |= surnames
    return [ResolvedMention(mention=replace(m, label="PERSON", ruled=True) if k in surnames else m,
                            key=root[k] if k else k) for m, k in zip(mentions, keys, strict=True)]
