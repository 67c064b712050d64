"""Graph local search: entities named in the question bring in their chunks and their one-hop neighbours."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from drive.records import Passage
from drive.resolve import normalize
from rag.retrieve import Filters, _vec, chunks_by_id

_TOKEN = re.compile(r"[\w'’.-]+", re.UNICODE)
_LABELS = ("PERSON", "ORG", "GPE")  # normalize() differs only for these; other labels fold like GPE
MAX_GRAM = 5


@dataclass(frozen=True)
class EntityHit:
    id: int
    name: str
    type: str


@dataclass(frozen=True)
class LocalResult:
    entities: list[EntityHit]
    passages: list[Passage]
    relations: list[str]


def question_keys(question: str) -> tuple[list[str], list[str]]:
    """Candidate entity keys (every 1..5-word span, normalized) and lowercased spans for alias matching."""
    tokens = _TOKEN.findall(question.strip(" ?!."))
    # In a question with capitals, names are capitalized: a span must start and end on one.
    proper = [t[:1].isupper() or t[:1].isdigit() for t in tokens] if question != question.lower() else [True] * len(tokens)
    spans = {
        " ".join(tokens[i:j])
        for i in range(len(tokens)) if proper[i]
        for j in range(i + 1, min(len(tokens), i + MAX_GRAM) + 1) if proper[j - 1]
    }
    spans = {s.strip(".,") for s in spans if len(s) >= 3}
    keys = sorted({normalize(s, label) for s in spans for label in _LABELS} - {""})
    return keys, sorted({s.lower() for s in spans})


def match_entities(s: Session, owner: uuid.UUID, question: str, limit: int = 8) -> list[EntityHit]:
    """Entities of this owner whose name or alias appears in the question; longer names first."""
    keys, spans = question_keys(question)
    if not keys:
        return []
    rows = s.execute(
        text("""SELECT e.id, e.name, e.type FROM entities e
                WHERE e.owner_id = :o AND (e.key = ANY(:keys)
                  OR EXISTS (SELECT 1 FROM unnest(e.aliases) a WHERE lower(a) = ANY(:spans)))
                ORDER BY length(e.key) DESC, e.id LIMIT :n"""),
        {"o": owner, "keys": keys, "spans": spans, "n": limit},
    ).all()
    return [EntityHit(r.id, r.name, r.type) for r in rows]


def local_search(s: Session, owner: uuid.UUID, question: str, k: int = 12, filters: Filters | None = None,
                 qvec: Any = None) -> LocalResult:
    hits = match_entities(s, owner, question)
    if not hits:
        return LocalResult([], [], [])
    ids = [h.id for h in hits]
    # Chunks mentioning the most question entities first.
    direct = list(s.execute(
        text("""SELECT chunk_id FROM mentions WHERE owner_id = :o AND entity_id = ANY(:ids)
                GROUP BY chunk_id ORDER BY count(DISTINCT entity_id) DESC, count(*) DESC, chunk_id LIMIT :k"""),
        {"o": owner, "ids": ids, "k": k},
    ).scalars())
    rels = s.execute(
        text("""SELECT r.source_id, r.target_id, max(r.label) AS label, count(*) AS w,
                       min(r.chunk_id) AS chunk_id, es.name AS src, et.name AS tgt
                FROM relation_evidence r JOIN entities es ON es.id = r.source_id JOIN entities et ON et.id = r.target_id
                WHERE r.owner_id = :o AND (r.source_id = ANY(:ids) OR r.target_id = ANY(:ids))
                GROUP BY r.source_id, r.target_id, es.name, et.name ORDER BY w DESC, r.source_id, r.target_id LIMIT :k"""),
        {"o": owner, "ids": ids, "k": k},
    ).all()
    neighbours = list(dict.fromkeys(r.target_id if r.source_id in ids else r.source_id for r in rels))
    # A file named after an entity is about it: its opening passage is the entity's own description,
    # and for a neighbour it is where the second hop of a multi-hop question usually lives.
    homes = home_chunks(s, owner, ids)
    bridges = bridge_chunks(s, owner, homes + direct[:3], qvec) if qvec is not None else []
    chunk_ids = list(dict.fromkeys(
        homes + bridges + direct + home_chunks(s, owner, neighbours[:8]) + [r.chunk_id for r in rels]
    ))
    relations = [f"{r.src} —{r.label or 'related to'}→ {r.tgt} ({r.w}×)" for r in rels]
    return LocalResult(hits, chunks_by_id(s, owner, chunk_ids, "local", filters), relations)


def home_chunks(s: Session, owner: uuid.UUID, entity_ids: list[int]) -> list[int]:
    """Opening chunks of files whose title is one of these entities' names or aliases, in entity order."""
    if not entity_ids:
        return []
    rows = s.execute(
        text("""SELECT e.id AS eid, c.id FROM entities e
                JOIN chunks c ON c.owner_id = e.owner_id AND c.idx = 0
                  AND lower(regexp_replace(c.title, '\\s*\\(.*\\)\\s*$', '')) = ANY(
                      array_append(ARRAY(SELECT lower(a) FROM unnest(e.aliases) a), lower(e.name)))
                WHERE e.owner_id = :o AND e.id = ANY(:ids) ORDER BY c.id"""),
        {"o": owner, "ids": entity_ids},
    ).all()
    rank = {eid: n for n, eid in enumerate(entity_ids)}
    return [r.id for r in sorted(rows, key=lambda r: (rank[r.eid], r.id))]


def bridge_chunks(s: Session, owner: uuid.UUID, chunk_ids: list[int], qvec: Any, n: int = 4) -> list[int]:
    """The second hop: files named after entities that the first-hop passages mention, closest to the
    question first ("Drew Fuller starred in a series..." -> Drew Fuller's file names "Charmed" -> its file)."""
    if not chunk_ids:
        return []
    mentioned = list(s.execute(
        text("SELECT DISTINCT entity_id FROM mentions WHERE owner_id = :o AND chunk_id = ANY(:c)"),
        {"o": owner, "c": chunk_ids},
    ).scalars())
    homes = [c for c in home_chunks(s, owner, mentioned) if c not in chunk_ids]
    if not homes:
        return []
    return list(s.execute(
        text("""SELECT id FROM chunks WHERE owner_id = :o AND id = ANY(:h)
                ORDER BY embedding <=> CAST(:q AS vector), id LIMIT :n"""),
        {"o": owner, "h": homes, "q": _vec(qvec), "n": n},
    ).scalars())
