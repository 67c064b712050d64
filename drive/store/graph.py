"""Persistence of the entity graph: mentions and relation evidence per chunk, entities derived from them.

Everything here is evidence-based, which makes changes exact: an entity exists while it has a
mention, a relationship while it has evidence, and an entity's name, aliases and type are recomputed
from its remaining mentions (the type by a vote over the labels its mentions were tagged with, across
all of the owner's files: ``drive.names.vote_type``). So "add A and B, delete B" leaves the same graph as "add A".
"""

from __future__ import annotations

import math
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from drive.names import (
    LABEL_LOOKAHEAD,
    beside_number,
    display_name,
    in_table_body,
    in_title_line,
    label_position,
    vote_type,
)
from drive.records import RelationRecord, ResolvedMention
from drive.store.tables import Mention, RelationEvidence


def store_graph(
    s: Session,
    owner: uuid.UUID,
    item_id: uuid.UUID,
    chunk_ids: dict[int, int],
    mentions: list[ResolvedMention],
    relations: list[RelationRecord],
) -> None:
    """Insert one file's mentions and relation evidence (its chunks are already stored)."""
    labels: dict[str, list[str]] = defaultdict(list)
    for m in mentions:
        labels[m.key] += votes(m.mention.label, m.mention.ruled)
    ids = _upsert_entities(s, owner, sorted((vote_type(tags), key) for key, tags in labels.items()))
    if mentions:
        s.execute(insert(Mention), [
            {"owner_id": owner, "entity_id": ids[m.key], "chunk_id": chunk_ids[m.mention.chunk_index],
             "item_id": item_id, "surface": m.mention.surface, "label": m.mention.label, "start": m.mention.start,
             "end": m.mention.end, "sentence": m.mention.sentence, "ruled": m.mention.ruled}
            for m in mentions
        ])
    evidence = [r for r in relations if r.source[1] in ids and r.target[1] in ids and r.chunk_index in chunk_ids
                and r.source[1] != r.target[1]]
    if evidence:
        s.execute(insert(RelationEvidence), [
            {"owner_id": owner, "chunk_id": chunk_ids[r.chunk_index], "item_id": item_id,
             "source_id": ids[r.source[1]], "target_id": ids[r.target[1]], "label": r.verb,
             "description": r.description, "origin": "llm" if r.description else "offline"}
            for r in evidence
        ])
    refresh_entities(s, ids.values())


def detach_items(s: Session, owner: uuid.UUID, item_ids: list[uuid.UUID]) -> None:
    """Remove the graph evidence of these files; entities left without mentions disappear."""
    touched = list(s.execute(
        text("SELECT DISTINCT entity_id FROM mentions WHERE item_id = ANY(:ids) AND owner_id = :o"),
        {"ids": item_ids, "o": owner},
    ).scalars())
    s.execute(text("DELETE FROM relation_evidence WHERE item_id = ANY(:ids) AND owner_id = :o"),
              {"ids": item_ids, "o": owner})
    s.execute(text("DELETE FROM mentions WHERE item_id = ANY(:ids) AND owner_id = :o"), {"ids": item_ids, "o": owner})
    if touched:
        s.execute(
            text("""DELETE FROM entities e WHERE e.id = ANY(:ids)
                    AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.entity_id = e.id)"""),
            {"ids": touched},
        )
        refresh_entities(s, touched)


def _upsert_entities(s: Session, owner: uuid.UUID, idents: list[tuple[str, str]]) -> dict[str, int]:
    """Key -> entity id, creating the missing ones (with this file's type; ``refresh_entities`` votes it)."""
    if not idents:
        return {}
    s.execute(
        text("""INSERT INTO entities (owner_id, type, key, name, aliases)
                SELECT :o, t, k, k, '{}' FROM unnest(CAST(:types AS text[]), CAST(:keys AS text[])) AS u(t, k)
                ON CONFLICT (owner_id, key) DO NOTHING"""),
        {"o": owner, "types": [t for t, _ in idents], "keys": [k for _, k in idents]},
    )
    rows = s.execute(
        text("SELECT e.id, e.key FROM entities e WHERE e.owner_id = :o AND e.key = ANY(:keys)"),
        {"o": owner, "keys": [k for _, k in idents]},
    ).tuples()
    return {k: i for i, k in rows}


# A mention a file's own text typed (``MentionRecord.ruled``: "the Dodge Challenger" makes "Challenger" a model
# there) counts as this many of the model's guesses in the drive-wide type vote: files that never say what
# "Challenger" is should not outvote the ones that do.
RULED_VOTES = 10


def votes(label: str, ruled: bool) -> list[str]:
    """A mention's label as the type vote counts it."""
    return [label] * (RULED_VOTES if ruled else 1)


def refresh_entities(s: Session, entity_ids: Iterable[int]) -> None:
    """Recompute name, aliases, type and the ranking counts (mentions, files, degree) of these entities from
    the mentions and relation evidence they still have.

    The rows are locked first, in id order: a concurrent graph job touching the same entity waits here and
    then reads this one's committed rows, so neither overwrites the other's counts with stale ones (the
    lock does not conflict with the key-share locks their mention inserts hold)."""
    ids = sorted(set(entity_ids))
    if not ids:
        return
    s.execute(text("SELECT id FROM entities WHERE id = ANY(:ids) ORDER BY id FOR NO KEY UPDATE"), {"ids": ids})
    surfaces: dict[int, list[str]] = defaultdict(list)
    labels: dict[int, list[str]] = defaultdict(list)
    files: dict[int, set[uuid.UUID]] = defaultdict(set)
    for eid, surface, label, item, ruled in s.execute(
        text("SELECT entity_id, surface, label, item_id, ruled FROM mentions WHERE entity_id = ANY(:ids)"),
        {"ids": ids},
    ).tuples():
        surfaces[eid].append(surface)
        labels[eid] += votes(label, ruled)
        files[eid].add(item)
    degree = dict(s.execute(text(
        """SELECT id, count(*) FROM (SELECT source_id AS id FROM relation_evidence WHERE source_id = ANY(:ids)
                                     UNION ALL SELECT target_id FROM relation_evidence WHERE target_id = ANY(:ids)) e
           GROUP BY id"""), {"ids": ids}).tuples().all())
    params = []
    for eid, forms in surfaces.items():
        kind = vote_type(labels[eid])
        name = display_name(forms, kind)
        params.append({"id": eid, "name": name, "aliases": sorted(set(forms) - {name}), "type": kind,
                       "mentions": len(forms), "files": len(files[eid]), "degree": degree.get(eid, 0)})
    if params:
        s.execute(text("""UPDATE entities SET name = :name, aliases = :aliases, type = :type, mentions = :mentions,
                          files = :files, degree = :degree WHERE id = :id"""), params)


# An entity on at least this share of the files of a drive of at least BOILERPLATE_MIN_FILES files (the
# regulator on every filing, "The Company") names no particular thing; neither does one whose mentions
# mostly sit in passages repeated word for word (running headers, signature blocks, form rows).
BOILERPLATE_MIN_FILES = 4
BOILERPLATE_SPREAD = 0.8
REPEATED_SHARE = 0.5
BOILERPLATE_WEIGHT = 0.2  # of an entity's importance
DEMOTED_WEIGHT = 0.05  # ("Target" of 150 mentions in performance tables: below a name of three, not above it)

# The HAVING clause that keeps an entity (e, its mentions m, their chunks c) that is not boilerplate.
NOT_BOILERPLATE = """(t.n < :min_files OR count(DISTINCT m.item_id) < :spread * t.n)
                     AND count(DISTINCT md5(c.text)) > :repeated * count(DISTINCT c.id)"""


def entity_importance(mentions: int, degree: float, files: int, top_degree: float, all_files: int,
                      common: bool = False) -> float:
    """How much an entity matters to a drive of ``all_files`` files (with mentions): its mentions (dampened),
    its weighted degree relative to the best connected entity's ``top_degree``, in how many files it
    appears; a fifth of that when it is boilerplate (on nearly every file of a drive of several), a twentieth
    when it is a ``common`` word, heading, template or shared part of people's names (``demoted_entities``): no
    thing of the drive, it ranks below the names of a few mentions. The graph page's SQL ranking
    (``graph_page._SCORE``) computes the same formula before ``common``, which is read for its top rows."""
    spread = files / all_files if all_files else 0.0
    boilerplate = all_files >= BOILERPLATE_MIN_FILES and spread >= BOILERPLATE_SPREAD
    return (math.log1p(mentions) * (0.5 + degree / (top_degree or 1.0))
            * (1 + math.log(max(1, files))) * (BOILERPLATE_WEIGHT if boilerplate else 1.0)
            * (DEMOTED_WEIGHT if common else 1.0))


# A one-word name ("Agency", "the Government") that at least COMMON_MIN_FILES of the drive's files, and at
# least as many as mention it, write as a lowercase word ("a federal agency") is a common word of the drive,
# capitalised by a file as its own reference or a heading, not a name. Real names that are also words
# ("Apple", "Target") are demoted only where the drive uses the word more widely than the name.
COMMON_MIN_FILES = 2
MIN_CAPITALS_WORD = 4
_ONE_WORD = re.compile(r"^(?:the\s+)?([^\W\d_]{3,})$", re.IGNORECASE)


def one_word(name: str) -> str | None:
    """The name's single word in lowercase, without a leading "the" ("the Office" -> "office"), also when
    written in capitals as a heading is ("BACKGROUND"); None for a longer name, one holding a digit or a sign,
    or a short one in capitals: an abbreviation ("UK", "US", "PDF") may be a word in lowercase ("us")."""
    found = _ONE_WORD.match(name.strip())
    word = found.group(1) if found else ""
    capitals = word.isupper() and len(word) >= MIN_CAPITALS_WORD
    return word.lower() if word[:1].isupper() and (word[1:].islower() or capitals) else None


def common_word_entities(s: Session, owner: uuid.UUID, entities: Iterable[tuple[int, str, int]]) -> set[int]:
    """Those of these entities (id, name, files mentioning it) that are common words of the owner's drive (see
    COMMON_MIN_FILES); each distinct word is one lookup in the files' lowercase words (migration 0016)."""
    words = {eid: (word, files) for eid, name, files in entities if (word := one_word(name))}
    if not words:
        return set()
    counts = dict(s.execute(text(
        """SELECT w.word, (SELECT count(*) FROM item_texts t WHERE t.owner_id = :o
                               AND t.lower_words @@ plainto_tsquery('simple', w.word))
           FROM unnest(CAST(:words AS text[])) AS w(word)"""),
        {"o": owner, "words": sorted({w for w, _ in words.values()})}).tuples().all())
    return {eid for eid, (word, files) in words.items() if counts.get(word, 0) >= max(COMMON_MIN_FILES, files)}


# An entity that at least HEADING_MIN_FILES files mention, and whose mentions nearly all sit where forms and
# headings put words (a field label, a line or cell alone, a title-case line) or, for an abbreviation, against a
# number ("FY 2022", "14 CFR"), is a heading or a qualifier of the drive ("Meteorological Information",
# "Aviation Accident Final Report", "FY"), not a thing: it ranks like a common word (DEMOTED_WEIGHT). A real name is
# also written in running text, and a value in a table's rows is never a heading. Each file drops its own
# labels and headings at graph time; this sees the names that are a heading once in each of many files.
HEADING_SHARE = 0.9
HEADING_MIN_FILES = 3  # in two files, a name in a list or a table may sit alone by chance ("Tampa", an author)
HEADING_FILES, HEADING_EACH = 20, 2  # mentions read per entity: two in each of up to twenty of its files
_BEFORE = 300  # characters read before a mention: enough to find its line's start


def heading_entities(s: Session, owner: uuid.UUID, entities: Iterable[tuple[int, str, int]]) -> set[int]:
    """Those of these entities (id, name, files mentioning it) that are headings of the owner's drive (see
    HEADING_SHARE) or sit in a template line (see TEMPLATE_SHARE), judged on a few of their mentions in each of
    up to HEADING_FILES of their files."""
    ids = [eid for eid, _, files in entities if files >= HEADING_MIN_FILES]
    if not ids:
        return set()
    # Bounded per entity through the (entity_id, item_id) index: the hubs of a large drive have 10,000s.
    rows = s.execute(text(
        """SELECT e.id, f.item_id, m.start - w.lo, m."end" - w.lo, substr(c.text, w.lo + 1, m."end" - w.lo + :after)
           FROM unnest(CAST(:ids AS bigint[])) AS e(id),
                LATERAL (SELECT DISTINCT item_id FROM mentions WHERE entity_id = e.id LIMIT :files) f,
                LATERAL (SELECT chunk_id, start, "end" FROM mentions
                         WHERE entity_id = e.id AND item_id = f.item_id AND owner_id = :o ORDER BY id LIMIT :each) m
           JOIN chunks c ON c.id = m.chunk_id, LATERAL (SELECT greatest(0, m.start - :before) AS lo) w"""),
        {"o": owner, "ids": ids, "files": HEADING_FILES, "each": HEADING_EACH, "before": _BEFORE,
         "after": LABEL_LOOKAHEAD}).tuples()
    placed: dict[int, list[bool]] = defaultdict(list)
    lines: dict[int, list[tuple[str, uuid.UUID]]] = defaultdict(list)
    for eid, item_id, start, end, window in rows:
        position = label_position(window, start, end)
        form_or_heading = position is True or (
            not in_table_body(window, start) and (position is None or in_title_line(window, start, end)))
        placed[eid].append(form_or_heading or beside_number(window, start, end))
        lines[eid].append(("" if in_table_body(window, start) else _line_of(window, start, end), item_id))
    headings = {eid for eid, found in placed.items() if sum(found) >= HEADING_SHARE * len(found)}
    return headings | {eid for eid, found in lines.items() if _in_template_lines(found)}


# An entity whose mentions mostly sit in one line that several files write word for word, digits aside ("PDF
# formatted using TopLeaf XML publisher", a form's printed footer), is part of a template, not a thing the files
# are about. The line must hold more than the name (a name alone on its line is a heading, judged above) and be
# no table row: the same row in several files is a value the files share ("| Globex | Denver | 1200 |").
TEMPLATE_SHARE = 0.5
TEMPLATE_EXTRA_WORDS = 2
_DIGITS = re.compile(r"\d+")


def _line_of(window: str, start: int, end: int) -> str:
    """The mention's line within the window read around it, digits as 0, with the name replaced by a mark,
    or "" when the line holds fewer than TEMPLATE_EXTRA_WORDS words besides the name."""
    stop = window.find("\n", end)
    before, after = window[window.rfind("\n", 0, start) + 1:start], window[end:stop if stop >= 0 else len(window)]
    if len((before + " " + after).split()) < TEMPLATE_EXTRA_WORDS:
        return ""
    return _DIGITS.sub("0", " ".join(before.split()) + " @ " + " ".join(after.split()))


def _in_template_lines(found: list[tuple[str, uuid.UUID]]) -> bool:
    """True if most of these (line, file) of an entity's mentions are lines that HEADING_MIN_FILES files share."""
    files: dict[str, set[uuid.UUID]] = defaultdict(set)
    for line, item_id in found:
        if line:
            files[line].add(item_id)
    shared = sum(1 for line, _ in found if line and len(files[line]) >= HEADING_MIN_FILES)
    return bool(found) and shared >= TEMPLATE_SHARE * len(found)


# A one-word person's name that is the first or last word of this many other people's names in the drive
# ("John", "Smith") names none of them: the file it came from could not tell which, nor can the graph page.
SHARED_NAME_PEOPLE = 3


def part_name_entities(s: Session, owner: uuid.UUID, entities: Iterable[tuple[int, str, int]]) -> set[int]:
    """Those of these entities (id, name, files) that are a one-word part of several people's names."""
    ids = [eid for eid, name, _ in entities if " " not in name.strip()]
    if not ids:
        return set()
    rows = s.execute(text(
        """WITH c AS (SELECT id, key FROM entities WHERE id = ANY(:ids) AND owner_id = :o AND type = 'PERSON'
                      AND position(' ' in key) = 0 AND key <> '')
           SELECT c.id FROM c JOIN entities p ON p.owner_id = :o AND p.type = 'PERSON' AND p.mentions > 0
                AND p.key <> c.key AND (split_part(p.key, ' ', 1) = c.key
                                        OR reverse(split_part(reverse(p.key), ' ', 1)) = c.key)
           GROUP BY c.id HAVING count(*) >= :n"""), {"o": owner, "ids": ids, "n": SHARED_NAME_PEOPLE}).scalars()
    return {int(r) for r in rows}


def demoted_entities(s: Session, owner: uuid.UUID, entities: Iterable[tuple[int, str, int]]) -> set[int]:
    """Those of these entities (id, name, files mentioning it) that name no thing of the drive: its common
    words, its headings and the parts of several people's names."""
    listed = list(entities)
    return (common_word_entities(s, owner, listed) | heading_entities(s, owner, listed)
            | part_name_entities(s, owner, listed))


def boilerplate_params() -> dict[str, float]:
    return {"min_files": BOILERPLATE_MIN_FILES, "spread": BOILERPLATE_SPREAD, "repeated": REPEATED_SHARE}


def top_entity_names(s: Session, owner: uuid.UUID, limit: int = 3) -> list[str]:
    """The most mentioned entity names that are neither boilerplate nor common words of the drive (for suggested
    questions). The boilerplate test reads chunk texts, so it runs on the most mentioned few only."""
    rows = s.execute(
        text("""SELECT e.id, e.name, e.files FROM entities e JOIN mentions m ON m.entity_id = e.id
                WHERE e.owner_id = :o GROUP BY e.id ORDER BY count(m.id) DESC, e.name LIMIT :n"""),
        {"o": owner, "n": 10 * limit + 10},
    ).all()
    dropped = boilerplate_entities(s, owner, [r.id for r in rows])
    dropped |= demoted_entities(s, owner, [(r.id, r.name, r.files) for r in rows])
    return [str(r.name) for r in rows if r.id not in dropped][:limit]


def boilerplate_entities(s: Session, owner: uuid.UUID, entity_ids: list[int]) -> set[int]:
    """Those of these entities that are boilerplate (see ``NOT_BOILERPLATE``)."""
    if not entity_ids:
        return set()
    rows = s.execute(
        text(f"""WITH t AS (SELECT count(*) AS n FROM items WHERE owner_id = :o AND kind = 'file')
                SELECT e.id FROM entities e JOIN mentions m ON m.entity_id = e.id
                JOIN chunks c ON c.id = m.chunk_id, t
                WHERE e.owner_id = :o AND e.id = ANY(:ids) GROUP BY e.id, t.n HAVING NOT ({NOT_BOILERPLATE})"""),
        {"o": owner, "ids": entity_ids, **boilerplate_params()},
    ).scalars()
    return {int(r) for r in rows}
