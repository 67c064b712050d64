"""Scale, the graph page: a user with 100k entities, measured as the page queries it.

The user has ``files`` files of 3 chunks, ``entities`` entities with 3 mentions each on average (every
entity at least one; the rest Zipf-distributed, so a few are everywhere, as names are), 5 of them on every
file (boilerplate), and ~300k relation-evidence rows between entities mentioned in the same chunk; a
fifth of the entities sit in 200 level-0 communities. Rows are COPY-loaded. The page's bounded queries
(``drive.store.graph_page``: the filter bar's overview, the top 40 and the top 150, a type filter, an
entity's neighbourhood and details) are timed beside the old page's reads (the whole
``graph_view.snapshot`` + ``ui.graph_model.select_graph`` / ``neighbourhood``) in the same run.

    .venv/bin/python bench/scale.py --graph-only      # ~5 min on 2 shared cores
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import numpy as np
from common import bench_settings, markdown_table, publish, rss_mb
from sqlalchemy import text

from drive.core import Drive, open_drive
from drive.store import graph_page
from drive.store.graph_page import GraphFilters
from drive.store.graph_view import snapshot
from ui.graph_model import neighbourhood, neighbours, select_graph

TYPES = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW")
CHUNKS_PER_FILE = 3
BOILERPLATE = 5
COMMUNITIES = 200
DIM = 384
GRAPH_HEADERS = ["graph page, 100k-entity user", "ours p50 / p95 ms (graph_page)",
                 "old p50 / p95 ms (snapshot + filter)", "same result"]
GRAPH_NOTE = ("Graph page: one user with 100,000 entities, ~300k mentions and ~300k relation-evidence rows over "
              "10,000 files (bench/scale_graph.py); old = the whole graph_view.snapshot read plus "
              "ui.graph_model's in-memory filter, as the page did before; same result = the same entities in "
              "the same order, matched count and number of edges. Ours: 10 runs each; old: 3 (the snapshot's p50 "
              "is shown beside the p95 of snapshot + filter).")


def _copy(cur: Any, sql: str, rows: Any) -> None:
    with cur.copy(sql) as cp:
        for row in rows:
            cp.write_row(row)


def _mentions(rng: np.random.Generator, entities: int, files: int, per_entity: float) -> tuple[np.ndarray, np.ndarray]:
    """(entity index, chunk index) per mention: one per entity, boilerplate on every file, the rest Zipf."""
    chunks = files * CHUNKS_PER_FILE
    first = np.arange(entities)
    boiler = np.repeat(np.arange(BOILERPLATE), files)
    rest = int(entities * per_entity) - entities - len(boiler)
    zipf = (rng.zipf(1.3, rest * 2) - 1)
    zipf = rng.permutation(entities)[zipf[zipf < entities][:rest]]  # the most mentioned: anywhere in the list
    ents = np.concatenate([first, boiler, zipf])
    chunk = np.concatenate([rng.integers(0, chunks, entities),
                            np.tile(np.arange(files), BOILERPLATE) * CHUNKS_PER_FILE,
                            rng.integers(0, chunks, len(zipf))])
    return ents, chunk


def _evidence(rng: np.random.Generator, ents: np.ndarray, chunk: np.ndarray, count: int) -> np.ndarray:
    """``count`` (source, target, chunk) rows, each between two entities mentioned in the same chunk."""
    order = np.argsort(chunk, kind="stable")
    ents, chunk = ents[order], chunk[order]
    starts = np.searchsorted(chunk, chunk)  # first mention of each mention's chunk
    ends = np.searchsorted(chunk, chunk, side="right")
    pick = rng.integers(0, len(ents), count * 2)
    other = starts[pick] + (rng.random(len(pick)) * (ends[pick] - starts[pick])).astype(np.int64)
    rows = np.stack([ents[pick], ents[other], chunk[pick]], axis=1)
    rows = rows[rows[:, 0] != rows[:, 1]]
    return rows[:count]


def _vector(rng: np.random.Generator) -> str:
    """A random unit vector: thousands of identical ones would knot the shared HNSW graph and cost the other
    users recall (0.996 -> 0.902 at 100k chunks when they were all the same)."""
    v = rng.standard_normal(DIM)
    return "[" + ",".join(f"{x:.4f}" for x in v / np.linalg.norm(v)) + "]"


def graph_user(drive: Drive, entities: int = 100_000, files: int = 10_000, evidence: int = 300_000,
               per_entity: float = 3.0, seed: int = 0) -> tuple[uuid.UUID, dict[str, int]]:
    """COPY a user with this graph; returns the user and the row counts."""
    rng = np.random.default_rng(seed)
    owner = uuid.uuid4()
    items = [uuid.uuid4() for _ in range(files)]
    ents, chunk = _mentions(rng, entities, files, per_entity)
    ev = _evidence(rng, ents, chunk, evidence)
    raw = drive.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("INSERT INTO users (id, name, name_key) VALUES (%s, %s, %s)",
                    (owner, f"scale-graph-{owner.hex[:6]}", f"scale-graph-{owner.hex[:6]}"))
        _copy(cur, "COPY items (id, owner_id, name, kind, size, mime, status) FROM STDIN",
              ((item, owner, f"report-{n:05}.txt", "file", 1000, "text/plain", "ready") for n, item in enumerate(items)))
        _copy(cur, "COPY chunks (owner_id, item_id, idx, text, title, char_start, char_end, embedding) FROM STDIN",
              ((owner, items[k // CHUNKS_PER_FILE], k % CHUNKS_PER_FILE, f"passage {k}", "", 0, 10, _vector(rng))
               for k in range(files * CHUNKS_PER_FILE)))
        by_item = {item: n for n, item in enumerate(items)}
        cur.execute("SELECT id, item_id, idx FROM chunks WHERE owner_id = %s", (owner,))
        chunk_ids = np.zeros(files * CHUNKS_PER_FILE, dtype=np.int64)
        for cid, item, idx in cur.fetchall():
            chunk_ids[by_item[item] * CHUNKS_PER_FILE + idx] = cid
        _copy(cur, "COPY entities (owner_id, type, key, name, aliases) FROM STDIN",
              ((owner, TYPES[i % len(TYPES)], f"k{i}", f"Name {i}", [f"N. {i}"] if i % 7 == 0 else [])
               for i in range(entities)))
        cur.execute("SELECT key, id FROM entities WHERE owner_id = %s", (owner,))
        ids = np.zeros(entities, dtype=np.int64)
        for key, eid in cur.fetchall():
            ids[int(key[1:])] = eid
        _copy(cur, 'COPY mentions (owner_id, entity_id, chunk_id, item_id, surface, label, start, "end", sentence) '
                   "FROM STDIN",
              ((owner, int(ids[e]), int(chunk_ids[c]), items[c // CHUNKS_PER_FILE], f"Name {e}", TYPES[e % len(TYPES)],
                0, 6, 0) for e, c in zip(ents.tolist(), chunk.tolist(), strict=True)))
        verbs = (None, None, "met", "founded", "joined", "visited")
        _copy(cur, "COPY relation_evidence (owner_id, chunk_id, item_id, source_id, target_id, label, origin) FROM STDIN",
              ((owner, int(chunk_ids[c]), items[c // CHUNKS_PER_FILE], int(ids[a]), int(ids[b]), verbs[(a + b) % 6],
                "offline") for a, b, c in ev.tolist()))
        members = [(f"comm-{owner.hex[:8]}-{i % COMMUNITIES}", int(ids[i])) for i in range(0, entities, 5)]
        _copy(cur, "COPY communities (id, owner_id, level, title, summary, size, summarized_by, digest) FROM STDIN",
              ((f"comm-{owner.hex[:8]}-{c}", owner, 0, f"Community {c}", "", len(members) // COMMUNITIES, "offline", "")
               for c in range(COMMUNITIES)))
        _copy(cur, "COPY community_members (community_id, entity_id, owner_id) FROM STDIN",
              ((c, e, owner) for c, e in members))
        cur.execute("""UPDATE entities e SET mentions = m.n, files = m.f
                       FROM (SELECT entity_id, count(*) AS n, count(DISTINCT item_id) AS f FROM mentions
                             WHERE owner_id = %(o)s GROUP BY entity_id) m WHERE m.entity_id = e.id""", {"o": owner})
        cur.execute("""UPDATE entities e SET degree = d.n
                       FROM (SELECT id, count(*) AS n FROM (
                               SELECT source_id AS id FROM relation_evidence WHERE owner_id = %(o)s
                               UNION ALL SELECT target_id FROM relation_evidence WHERE owner_id = %(o)s) ends
                             GROUP BY id) d WHERE d.id = e.id""", {"o": owner})  # as migration 0014 fills them
        raw.commit()
    finally:
        raw.close()
    with drive.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # as autovacuum would
        conn.execute(text("VACUUM ANALYZE items, chunks, entities, mentions, relation_evidence, communities, "
                          "community_members"))
    return owner, {"entities": entities, "files": files, "mentions": len(ents), "evidence": len(ev)}


def _timed(fn: Any, runs: int) -> tuple[Any, float, float]:
    """The result, and the p50 and p95 milliseconds over ``runs`` calls."""
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return out, times[len(times) // 2], times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]


def measure_graph(drive: Drive, owner: uuid.UUID, runs: int = 10, baseline_runs: int = 3) -> list[list[Any]]:
    """Rows of (what, ours p95 ms, old p95 ms, same result): each page query against the old page's."""
    db = drive.db
    person = GraphFilters(types=frozenset({"PERSON"}))
    top = graph_page.select(db, owner, GraphFilters(), 1).nodes[0]
    with db.engine.connect() as conn:  # a typical entity: 3 mentions, the mean
        some_id = conn.execute(text("SELECT id FROM entities WHERE owner_id = :o AND mentions = 3 ORDER BY id LIMIT 1"),
                               {"o": owner}).scalar_one()
    some = graph_page.entity(db, owner, some_id)
    assert some is not None
    before = rss_mb()
    snap, snap_p50, snap_ms = _timed(lambda: snapshot(db, owner), baseline_runs)
    snap_mb = rss_mb() - before
    rows: list[list[Any]] = []
    cases: list[tuple[str, Any, Any]] = [
        ("the page's first view: filter bar + top 40", lambda: (graph_page.overview(db, owner), graph_page.select(
            db, owner, GraphFilters(), 40))[1], lambda s: select_graph(s, GraphFilters(), 40)),
        ("top 150", lambda: graph_page.select(db, owner, GraphFilters(), 150),
         lambda s: select_graph(s, GraphFilters(), 150)),
        ("type filter PERSON, top 40", lambda: graph_page.select(db, owner, person, 40),
         lambda s: select_graph(s, person, 40)),
        (f"neighbourhood of the top entity ({top.mentions} mentions), 40", lambda: graph_page.neighbourhood(
            db, owner, top.id, 40), lambda s: neighbourhood(s, top.name, 40)),
        ("neighbourhood of an entity with 3 mentions, 40", lambda: graph_page.neighbourhood(db, owner, some.id, 40),
         lambda s: neighbourhood(s, some.name, 40)),
    ]
    for what, ours, old in cases:
        new, ours_p50, ours_ms = _timed(ours, runs)
        ref, _, old_ms = _timed(lambda old=old: old(snap), baseline_runs)
        same = [e.name for e in new.nodes] == [e.name for e in ref.nodes] and new.matched == ref.matched \
            and len(new.edges) == len(ref.edges)
        rows.append([what, f"{ours_p50:.0f} / {ours_ms:.0f}", f"{snap_p50:.0f} / {snap_ms + old_ms:.0f}",
                     "yes" if same else "NO"])
    rels, rel_p50, rel_ms = _timed(lambda: graph_page.relationships(db, owner, top.id, descriptions=False), runs)
    ref_rels, _, old_ms = _timed(lambda: neighbours(snap, top.name), baseline_runs)
    same = [(r.source, r.target, r.weight) for r in rels] == [(r.source, r.target, r.weight) for r in ref_rels]
    rows.append([f"the top entity's {len(rels):,} relationships (details pane)", f"{rel_p50:.0f} / {rel_ms:.0f}",
                 f"{snap_p50:.0f} / {snap_ms + old_ms:.0f}", "yes" if same else "NO"])
    rows.append(["bench RSS growth holding one snapshot, MB", "-", f"{snap_mb:.0f}", "-"])
    return rows


def graph_owner(drive: Drive) -> uuid.UUID:
    """The graph user a previous run of this home loaded, else a new one."""
    return _loaded(drive) or graph_user(drive)[0]


def _loaded(drive: Drive) -> uuid.UUID | None:
    with drive.db.engine.connect() as conn:
        found = conn.execute(text("SELECT id FROM users WHERE name LIKE 'scale-graph-%'")).scalar()
    return found if isinstance(found, uuid.UUID) else None


def graph_only(home: Any) -> None:
    """Load the graph user into a drive of its own (no HNSW index: the page reads no vectors), or find the
    one a previous run left in ``home``, and measure."""
    drive = open_drive(bench_settings(home), run_sweep=False)
    try:
        owner = _loaded(drive)
        start = time.perf_counter()
        if owner is None:
            with drive.db.engine.begin() as conn:
                conn.execute(text("DROP INDEX IF EXISTS chunks_embedding_hnsw"))
            owner = graph_user(drive)[0]
        load_s = time.perf_counter() - start
        with drive.db.engine.connect() as conn:
            counts = {t: int(conn.execute(text(f"SELECT count(*) FROM {t} WHERE owner_id = :o"), {"o": owner}).scalar_one())
                      for t in ("entities", "mentions", "relation_evidence", "items")}
            top150 = int(conn.execute(text("""SELECT sum(mentions) FROM (SELECT mentions FROM entities
                                                  WHERE owner_id = :o ORDER BY mentions DESC LIMIT 150) t"""),
                                      {"o": owner}).scalar_one())
        rows = measure_graph(drive, owner)
    finally:
        drive.close()
    loaded = f"COPY-loaded in {load_s:.0f} s" if load_s > 1 else "loaded by an earlier run in this home"
    note = (f"{GRAPH_NOTE} Here: {counts['entities']:,} entities, {counts['mentions']:,} mentions, "
            f"{counts['relation_evidence']:,} evidence rows, {counts['items']:,} files, {loaded}. Mentions are "
            f"Zipf-distributed: the 150 most mentioned entities hold {top150 / counts['mentions']:.0%} of them, so "
            "the entities drawn are the hubs, with the most relationships among them (the bounded read's worst case).")
    publish("scale-graph", None, "Scale: the graph page for a user with 100k entities",
            markdown_table(GRAPH_HEADERS, rows) + "\n\n" + note)
