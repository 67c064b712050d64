"""Repeated passages and the shared vector index: one file that repeats a passage thousands of times.

HNSW cannot navigate many identical vectors (they link only among themselves and trap searches), and the
index is shared by every user. Since migration 0015 a file's repeated passage keeps a vector on its first
copy only (``drive.store.chunks.first_copies``). This bench builds, in one run, the same table twice: real
MiniLM vectors of the dev corpora's passages (mixed and noised as in ``bench/scale.py``) over 300 users, plus
one user's file of ``--copies`` identical passages stored as before (every copy a vector) and as now. For
each it times the HNSW build and measures recall@10 at the shipped ``ef_search`` against exact search (numpy)
for a large user (filtered, iterative scans, as the app queries) and over the whole table.

    .venv/bin/python bench/repeats.py                      # ~5 min on 2 shared cores
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np
from common import bench_settings, markdown_table, publish
from scale import passages, questions, source_vectors, vector_text
from sqlalchemy import text

from drive.core import Drive, open_drive
from drive.ml.models import Models
from drive.store.chunks import first_copies
from rag.search.retrieve import EF_SEARCH

USERS, LARGE_SHARE, HOSTILE = 300, 0.10, 10_000


def corpus(vecs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` vectors mixed from two real passages with noise, and their owners (owner 0 holds a tenth)."""
    rng = np.random.default_rng(0)
    mixed = vecs[rng.integers(0, len(vecs), n)] + 0.3 * vecs[rng.integers(0, len(vecs), n)]
    mixed += rng.normal(0, 0.02, mixed.shape)
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    large = int(n * LARGE_SHARE)
    owners = np.concatenate([np.zeros(large, int), rng.integers(1, USERS, n - large)])
    return mixed.astype(np.float32), owners


def load(drive: Drive, vectors: np.ndarray, owners: np.ndarray) -> float:
    """A fresh table of (owner, vector) rows in the given order, its HNSW index built; the build's seconds."""
    with drive.db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_repeats"))
        conn.execute(text(f"CREATE TABLE bench_repeats (id bigint PRIMARY KEY, owner int, v vector({vectors.shape[1]}))"))
    raw = drive.db.engine.raw_connection()
    try:
        with raw.cursor().copy("COPY bench_repeats (id, owner, v) FROM STDIN") as cp:  # type: ignore[attr-defined]
            for i, (owner, v) in enumerate(zip(owners.tolist(), vectors, strict=True)):
                cp.write_row((i, owner, vector_text(v)))
        raw.commit()
    finally:
        raw.close()
    start = time.perf_counter()
    with drive.db.engine.begin() as conn:
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        conn.execute(text("CREATE INDEX ON bench_repeats USING hnsw (v vector_cosine_ops)"))
    return time.perf_counter() - start


def recall(drive: Drive, vectors: np.ndarray, owners: np.ndarray, qvecs: np.ndarray, owner: int | None) -> float:
    """Mean recall@10 of the index against exact search, for one owner's rows or (None) the whole table."""
    where = "WHERE owner = :o" if owner is not None else ""
    keep = np.flatnonzero(owners == owner) if owner is not None else np.arange(len(owners))
    found = []
    for q in qvecs:
        with drive.db.session() as s:
            s.execute(text("SET LOCAL hnsw.iterative_scan = 'relaxed_order'"))
            s.execute(text(f"SET LOCAL hnsw.ef_search = {EF_SEARCH}"))
            got = set(s.execute(text(f"SELECT id FROM bench_repeats {where} ORDER BY v <=> CAST(:q AS vector) "
                                     "LIMIT 10"), {"q": vector_text(q), "o": owner}).scalars())
        scores = vectors[keep] @ q
        top = keep[np.argsort(-scores, kind="stable")[:10]]
        tenth = np.sort(scores)[-10]  # identical copies tie: any of them counts as found
        found.append(sum(1 for i in got if vectors[i] @ q >= tenth - 1e-6) / 10 if len(top) else 1.0)
    return float(np.mean(found))


def run(drive: Drive, models: Models, args: argparse.Namespace) -> list[list[str]]:
    texts = passages(2000)
    vecs = source_vectors(models, texts, Path(f"/tmp/thedrive-scale-sources-{len(texts)}.npy"))
    base, owners = corpus(vecs, args.chunks)
    qvecs = np.asarray(models.embedder.embed(questions(args.queries)), dtype=np.float32)
    copy = vecs[7] / np.linalg.norm(vecs[7])
    rows = []
    distinct, _ = corpus(vecs[::-1], args.copies)  # the control: as many rows, none repeated
    for label, keep in (("every copy a vector (before)", [True] * args.copies),
                        ("first copy only (now)", first_copies(["the same passage"] * args.copies)),
                        ("control: as many distinct passages", None)):
        kept = int(sum(keep)) if keep is not None else args.copies
        extra = np.tile(copy, (kept, 1)) if keep is not None else distinct
        vectors = np.vstack([base, extra]).astype(np.float32)
        who = np.concatenate([owners, np.full(kept, HOSTILE)])
        order = list(range(len(vectors)))
        random.Random(0).shuffle(order)  # the file arrives among the others' uploads
        vectors, who = vectors[order], who[order]
        build = load(drive, vectors, who)
        rows.append([label, f"{len(vectors):,}", f"{kept:,}", f"{build:.1f}",
                     f"{recall(drive, vectors, who, qvecs, 0):.3f}", f"{recall(drive, vectors, who, qvecs, None):.3f}"])
    with drive.db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_repeats"))
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chunks", type=int, default=60_000, help="vectors of the other users")
    p.add_argument("--copies", type=int, default=20_000, help="copies of the passage the hostile file repeats")
    p.add_argument("--queries", type=int, default=50)
    p.add_argument("--home", type=Path, help="a drive folder to reuse (default: a fresh temporary one)")
    args = p.parse_args()
    settings = bench_settings(args.home)
    drive = open_drive(settings, run_sweep=False)
    try:
        rows = run(drive, Models(settings), args)
    finally:
        drive.close()
    table = markdown_table(["repeated passage stored", "vectors", "copies with a vector", "HNSW build s",
                            "recall@10 large user", "recall@10 whole table"], rows)
    note = (f"\n{args.chunks:,} vectors of {USERS} users (the large one holds {LARGE_SHARE:.0%}) and one file "
            f"repeating a passage {args.copies:,} times; {args.queries} dev questions; ef_search {EF_SEARCH}, "
            "iterative scans; exact search in numpy; a tie with the tenth exact score counts as found.\n")
    publish("repeats", None, "bench/repeats.py — a repeated passage and the shared vector index", table + note)


if __name__ == "__main__":
    main()
