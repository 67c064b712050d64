"""Ingestion benchmark: raw embedder vs our end-to-end pipeline vs a plain LangChain + PGVector baseline.

    .venv/bin/python bench/ingest.py [--limit FILES] [--home DIR]
    .venv/bin/python bench/ingest.py --processes 1 2 [--limit FILES]   # files/s with N `drive worker` processes

Prints, from one run on this machine: the raw MiniLM throughput alone (on the corpus's own chunks and
on synthetic 200-word texts), our end-to-end throughput (upload + queue + extract + chunk + embed +
NER/parse + resolution + relations + store) with its time split by stage, peak RSS and RSS after each
quarter of the files, and the same corpus through LangChain (RecursiveCharacterTextSplitter 1000/150 +
the same embedder + langchain-postgres PGVector on the same PostgreSQL server), run in a separate
process so that its peak RSS is its own. Model loading is excluded everywhere (warm-up first).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import common
from common import Bench, markdown_table

from drive.store import queue as jobs

RAW_SAMPLE = 256  # corpus chunks embedded in one call for the raw-embedder figure
UPLOAD = "upload (spool, hash, blob store, enqueue)"
JOB = "ingest job total"
GRAPH_JOB = "graph job total"
STORE = "store chunks (PostgreSQL, one transaction)"
EMBED = "embed (MiniLM)"
RAW_REPEATS = 3
POLL = 0.1  # seconds between progress checks (one small query each)  # the machine is shared: report the median of a few runs


@dataclass
class Run:
    name: str
    files: int
    chunks: int
    megabytes: float
    seconds: float  # until every file is searchable (status ready)
    peak_rss_mb: float
    cpu_seconds: float
    rss_by_quarter: list[tuple[int, float]] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)
    stage_cpu: dict[str, float] = field(default_factory=dict)
    graph_seconds: float = 0.0  # until every file is in the entity graph too (ours only)
    graph_cpu_seconds: float = 0.0

    @property
    def chunks_per_s(self) -> float:
        return self.chunks / self.seconds


@dataclass
class Raw:
    """The raw embedder alone, in its best configuration on this machine."""

    rate: float  # chunks per wall second
    per_cpu: float  # chunks per CPU second
    config: str
    synthetic: float  # chunks/s on synthetic 200-word texts (drive.ml.embedder.measure_throughput)
    sample: int
    all_configs: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- stage timing (wrappers, drive/ untouched)


NLP = "NER + dependency parse (spaCy)"


class StageClock:
    """Busy seconds and CPU seconds per stage, per calling thread (the workers run side by side).

    onnxruntime with one intra-op thread and spaCy both compute on the calling thread, so the
    thread's CPU time is the stage's; PostgreSQL's own CPU is not in it.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()

    def wrap(self, stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                wall, used = time.perf_counter() - start, time.thread_time() - cpu
                with self._lock:
                    self.seconds[stage] += wall
                    self.cpu[stage] += used

        return timed


class TimedEmbedder:
    def __init__(self, inner: Any, clock: StageClock) -> None:
        self.name, self.dim = inner.name, inner.dim
        self.embed = clock.wrap(EMBED, inner.embed)


@contextmanager
def stage_timers(bench: Bench, clock: StageClock) -> Iterator[None]:
    """Time each pipeline stage by wrapping the module functions the jobs call."""
    import drive.pipeline.graph.job
    import drive.pipeline.graph.pool
    import drive.pipeline.graph.recognize
    import drive.pipeline.graph.relate
    import drive.pipeline.graph.resolve
    import drive.pipeline.ingest.chunk
    import drive.pipeline.ingest.extract
    import drive.pipeline.ingest.job

    patches = [(drive.pipeline.ingest.extract, "extract", "extract"), (drive.pipeline.ingest.chunk, "chunk", "chunk"),
               (drive.pipeline.ingest.job, "save", STORE),
               (drive.pipeline.ingest.job, "run_ingest_job", JOB),
               (drive.pipeline.graph.recognize, "recognize", NLP),
               # With THEDRIVE_NLP_PROCESSES the parse runs in pool processes: its busy time is the wait here.
               (drive.pipeline.graph.pool, "recognize_in_pool", NLP),
               (drive.pipeline.graph.resolve, "resolve_file", "entity resolution"), (drive.pipeline.graph.relate, "relate", "relations"),
               (drive.pipeline.graph.job, "save_graph", "store graph (PostgreSQL, one transaction)"),
               (drive.pipeline.graph.job, "run_graph_job", GRAPH_JOB)]
    saved = [(m, a, getattr(m, a)) for m, a, _ in patches]
    inner = bench.models.embedder
    bench.models.__dict__["embedder"] = TimedEmbedder(inner, clock)
    for module, attr, stage in patches:
        setattr(module, attr, clock.wrap(stage, getattr(module, attr)))
    try:
        yield
    finally:
        for module, attr, fn in saved:
            setattr(module, attr, fn)
        bench.models.__dict__["embedder"] = inner


def warm_up(bench: Bench) -> None:
    from drive.pipeline.graph.recognize import recognize

    bench.models.embedder.embed(["warm-up"])
    recognize(["Ada Lovelace met Charles Babbage in London."])


# ---------------------------------------------------------------- the three measurements


def corpus_chunks(files: list[Path], bench: Bench) -> list[str]:
    """The corpus's chunks as our pipeline embeds them (title line first)."""
    from drive.names import title_of
    from drive.pipeline.ingest.chunk import chunk
    from drive.pipeline.ingest.extract import extract

    settings = bench.drive.settings
    texts: list[str] = []
    for path in files:
        doc = extract(path, path.name, ocr=None)
        texts += [f"{title_of(path.name)}\n{c.text}" for c in chunk(doc, settings.chunk_size, settings.chunk_overlap)]
    return texts


def raw_sample(bench: Bench, files: list[Path]) -> list[str]:
    texts = corpus_chunks(files, bench)
    step = max(1, len(texts) // RAW_SAMPLE)
    return texts[::step][:RAW_SAMPLE]


def _embed_in_threads(embedder: Any, texts: list[str], threads: int) -> tuple[float, float]:
    """Wall and CPU seconds to embed ``texts`` one call per text, split over ``threads`` threads."""
    parts = [texts[n::threads] for n in range(threads)]
    runners = [threading.Thread(target=lambda part=part: [embedder.embed([t]) for t in part]) for part in parts]
    start, cpu = time.perf_counter(), time.process_time()
    for r in runners:
        r.start()
    for r in runners:
        r.join()
    return time.perf_counter() - start, time.process_time() - cpu


def raw_embedder(bench: Bench, sample: list[str]) -> Raw:
    """The embedder alone on a sample of the corpus's chunks, in each way it can use this machine's
    cores; the fastest is the reference ("raw")."""
    from drive.ml.embedder import MiniLmEmbedder, measure_throughput

    cores = os.cpu_count() or 1
    workers = max(1, bench.drive.settings.workers_in_app)
    ours_embedder = bench.models.embedder
    wide = MiniLmEmbedder(threads=cores)
    configs: dict[str, tuple[Any, int]] = {
        f"{n} threads side by side, 1 onnxruntime thread each" + (" (our setting)" if n == workers else ""):
            (ours_embedder, n) for n in sorted({cores, workers})}
    configs[f"one thread, onnxruntime on {cores} threads (the baseline's setting)"] = (wide, 1)
    found: dict[str, tuple[float, float]] = {}
    for label, (embedder, threads) in configs.items():
        embedder.embed(sample[:1])
        runs = [_embed_in_threads(embedder, sample, threads) for _ in range(RAW_REPEATS)]
        found[label] = (len(sample) / statistics.median(w for w, _ in runs),
                        len(sample) / statistics.median(c for _, c in runs))
    best = max(found, key=lambda k: found[k][0])
    return Raw(found[best][0], found[best][1], best, measure_throughput(ours_embedder, n=64, words=200),
               len(sample), {k: v[0] for k, v in found.items()})


def _progress(bench: Bench) -> tuple[dict[str, int], int]:
    """Jobs still queued or running, by kind, and the files that are ready or failed (one query)."""
    from sqlalchemy import text

    with bench.drive.db.engine.connect() as conn:
        rows = conn.execute(text(
            """SELECT kind, count(*) FROM jobs WHERE owner_id = :o AND status IN ('queued', 'running') GROUP BY kind
               UNION ALL SELECT '', count(*) FROM items WHERE owner_id = :o AND kind = 'file'
               AND status IN ('ready', 'failed')"""), {"o": bench.owner}).tuples()
        counts = {k: int(n) for k, n in rows}
    return counts, counts.pop("")


def ours(bench: Bench, files: list[Path]) -> Run:
    """Upload every file while the app's workers (one per core, as in the app) process them; time
    until all are searchable, then until all are in the entity graph."""
    from sqlalchemy import text

    warm_up(bench)
    clock = StageClock()
    quarters = [(max(1, round(len(files) * q / 4)), q * 25) for q in (1, 2, 3, 4)]
    samples: list[tuple[int, float]] = []
    pg_dir = bench.drive.settings.pg_dir
    stop = threading.Event()
    with stage_timers(bench, clock):
        workers = [bench.worker() for _ in range(max(1, bench.drive.settings.workers_in_app))]
        threads = [threading.Thread(target=w.run_until, args=(stop, 0.05), daemon=True) for w in workers]
        cpu, start = common.cpu_seconds(pg_dir), time.perf_counter()
        for t in threads:
            t.start()
        uploaded = clock.wrap(UPLOAD, common.upload_missing)(bench.svc, files)
        searchable = searchable_cpu = 0.0
        while True:
            pending, settled = _progress(bench)
            while quarters and settled >= quarters[0][0]:
                samples.append((quarters.pop(0)[1], common.rss_mb()))
            if not searchable and not pending.get(jobs.INGEST) and settled >= len(uploaded):
                searchable, searchable_cpu = time.perf_counter() - start, common.cpu_seconds(pg_dir) - cpu
            if searchable and not pending.get(jobs.GRAPH):
                break
            time.sleep(POLL)
        graphed, graphed_cpu = time.perf_counter() - start, common.cpu_seconds(pg_dir) - cpu
        stop.set()
        for t in threads:
            t.join()
    with bench.drive.db.session() as s:
        chunks = s.execute(text("SELECT count(*) FROM chunks WHERE owner_id = :o"), {"o": bench.owner}).scalar_one()
        failed = s.execute(text("SELECT count(*) FROM items WHERE owner_id = :o AND status <> 'ready' AND kind = 'file'"),
                           {"o": bench.owner}).scalar_one()
    if failed:
        print(f"WARNING: {failed} files did not end ready")
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    return Run("TheDrive (ours)", len(files), int(chunks), megabytes, searchable, common.peak_rss_mb(), searchable_cpu,
               samples, dict(clock.seconds), dict(clock.cpu), graphed, graphed_cpu)


def langchain_child(home: str, files: list[str], out: Any) -> None:
    """The baseline, in its own process: split, embed with the same MiniLM, store in PGVector."""
    from drive.ml.embedder import make_embedder

    # One process doing one thing at a time: onnxruntime gets every core (faster here than one thread).
    settings = common.bench_settings(Path(home)).model_copy(update={"embed_threads": os.cpu_count() or 1})
    embedder = make_embedder(settings)
    store = common.pgvector_store(settings, "bench_langchain", embedder, fresh=True)
    splitter = common.baseline_splitter()
    embedder.embed(["warm-up"])
    quarters = {max(1, round(len(files) * q / 4)): q * 25 for q in (1, 2, 3, 4)}
    samples, chunks, cpu, start = [], 0, common.cpu_seconds(settings.pg_dir), time.perf_counter()
    for n, name in enumerate(files, start=1):
        path = Path(name)
        docs = splitter.create_documents([path.read_text(encoding="utf-8")], metadatas=[{"source": path.name}])
        if docs:
            store.add_documents(docs)
        chunks += len(docs)
        if n in quarters:
            samples.append((quarters[n], common.rss_mb()))
    seconds = time.perf_counter() - start
    cpu = common.cpu_seconds(settings.pg_dir) - cpu
    megabytes = sum(Path(f).stat().st_size for f in files) / 1e6
    out.put(Run("LangChain PGVector baseline", len(files), chunks, megabytes, seconds, common.peak_rss_mb(), cpu,
                    samples))


def langchain(home: Path, files: list[Path]) -> Run:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=langchain_child, args=(str(home), [str(f) for f in files], queue))
    child.start()
    result: Run = queue.get()
    child.join()
    return result


def recompute_seconds(bench: Bench) -> tuple[float, int]:
    from drive.pipeline.communities.job import recompute

    stats = recompute(bench.drive, bench.owner, bench.models)
    return stats.seconds, stats.communities


# ---------------------------------------------------------------- report


def report(runs: list[Run], raw: Raw, communities: tuple[float, int]) -> str:
    mine, base = runs
    rows: list[list[Any]] = [
        [r.name, r.files, r.chunks, r.seconds, r.files / r.seconds, r.chunks_per_s, r.megabytes / r.seconds,
         r.chunks_per_s / raw.rate, r.cpu_seconds, r.chunks / r.cpu_seconds, r.peak_rss_mb] for r in runs]
    rows.append([f"raw MiniLM alone ({raw.sample} corpus chunks, median of {RAW_REPEATS})", "", raw.sample,
                 raw.sample / raw.rate, "", raw.rate, "", 1.0, raw.sample / raw.per_cpu, raw.per_cpu, ""])
    out = [markdown_table(["pipeline", "files", "chunks", "wall s", "files/s", "chunks/s", "MB/s", "× raw",
                           "CPU s", "chunks per CPU s", "peak RSS MB"], rows), ""]
    out.append("Wall s: from the first upload until every file is searchable (ours: status ready, chunks and "
               "vectors stored; the baseline: its last add_documents). CPU s: the pipeline's process (all "
               "threads) plus the PostgreSQL server's; the raw embedder's is its process only.")
    out.append(f"- ours vs the LangChain baseline: **{base.seconds / mine.seconds:.2f}×** its files/s, "
               f"{base.cpu_seconds / mine.cpu_seconds:.2f}× its work per CPU second (the splitters give "
               f"{mine.chunks} vs {base.chunks} chunks)")
    out.append(f"- ours vs the raw embedder: **{mine.chunks_per_s / raw.rate:.2f}×** its chunks/s")
    out.append("- raw embedder, each way of using the cores: "
               + "; ".join(f"{k}: {v:.1f} chunks/s" for k, v in raw.all_configs.items())
               + f"; on synthetic 200-word texts: {raw.synthetic:.1f} chunks/s")
    out.append(f"- the entity graph (NER + parse, resolution, relations; a lower-priority job per file) had "
               f"every file {mine.graph_seconds:.1f} s after the first upload ({mine.graph_seconds - mine.seconds:.1f} s "
               f"after the last file was searchable; {mine.graph_cpu_seconds:.0f} CPU s in all, against "
               f"{base.cpu_seconds:.0f} for the baseline, which extracts no graph)")
    out.append(f"- community recompute after the batch (debounced job, not in the figures above): "
               f"{communities[0]:.1f} s for {communities[1]} communities")
    out += ["", "RSS (MB) after each quarter of the files:", ""]
    out.append(markdown_table(["pipeline", *[f"{q}%" for q, _ in mine.rss_by_quarter]],
                              [[r.name, *[v for _, v in r.rss_by_quarter]] for r in runs]))
    out += ["", "Our time by stage, summed over the worker threads (CPU: the thread's own; PostgreSQL's is not "
            "in this split):", ""]
    split_wall, split_cpu = _stage_split(mine.stages), _stage_split(mine.stage_cpu)
    total_cpu = sum(split_cpu.values())
    out.append(markdown_table(["stage", "busy s", "CPU s", "share of CPU"],
                              [[k, v, split_cpu.get(k, 0.0), f"{100 * split_cpu.get(k, 0.0) / total_cpu:.0f}%"]
                               for k, v in sorted(split_wall.items(), key=lambda kv: -split_cpu.get(kv[0], 0.0))]))
    return "\n".join(out)


def _stage_split(stages: dict[str, float]) -> dict[str, float]:
    """Stages as disjoint parts: each job's remainder made explicit."""
    split = dict(stages)
    ingest, graph = split.pop(JOB, 0.0), split.pop(GRAPH_JOB, 0.0)
    ingest_parts = sum(split.get(k, 0.0) for k in (EMBED, "extract", "chunk", STORE))
    graph_parts = sum(v for k, v in split.items() if k.startswith(("NER", "entity", "relations", "store graph")))
    split["rest of the ingest job (blob read, status rows, spool file)"] = ingest - ingest_parts
    split["rest of the graph job (reading chunks)"] = graph - graph_parts
    return split


def worker_processes(bench: Bench, files: list[Path], count: int) -> tuple[float, float]:
    """Upload the files with no worker running, then start ``count`` ``drive worker`` processes on the same
    database and blob store (as a multi-process deployment would); seconds until every file is searchable,
    and until every file is in the graph (model loading included: each process loads its own)."""
    import signal
    import subprocess
    import sys

    from drive.store.db import database_url

    user = f"procs{count}-{int(time.time())}"
    owner = bench.drive.user_id(user)
    svc = bench.drive.service(owner)
    common.upload_missing(svc, files)
    env = {**os.environ, "DATABASE_URL": database_url(bench.drive.settings),
           "THEDRIVE_HOME": str(bench.drive.settings.home), "PYTHONPATH": str(common.ROOT),
           "THEDRIVE_COMMUNITY_DEBOUNCE_SECONDS": "3600"}  # communities are timed elsewhere
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "drive", "worker"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(count)]
    searchable = 0.0
    try:
        while True:
            pending, settled = _progress(Bench(bench.drive, bench.models, owner, svc))
            if not searchable and not pending.get(jobs.INGEST) and settled >= len(files):
                searchable = time.perf_counter() - start
            if searchable and not pending.get(jobs.GRAPH):
                return searchable, time.perf_counter() - start
            time.sleep(POLL)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=120)


def processes_main(args: Any) -> None:
    """``--processes 1 2``: files/s with that many ``drive worker`` processes (default concurrency each)."""
    files = common.corpus_files(args.dataset, args.limit)
    if not files:
        raise SystemExit(f"no corpus files under {args.dataset}/corpus (pass --dataset)")
    bench = common.open_bench(args.home)
    rows = []
    for count in args.processes:
        searchable, graphed = worker_processes(bench, files, count)
        print(f"{count} worker process(es): searchable {searchable:.1f} s, graph {graphed:.1f} s", flush=True)
        rows.append([count, len(files), f"{searchable:.1f}", f"{len(files) / searchable:.1f}", f"{graphed:.1f}",
                     f"{graphed / searchable:.2f}"])
    table = markdown_table(["worker processes", "files", "searchable s", "files/s", "in graph s",
                            "graph / searchable"], rows)
    table += ("\n\nEach `drive worker` runs its default concurrency (cores + 1 jobs) and "
              "THEDRIVE_NLP_PROCESSES spaCy processes; timed from starting the processes (model loading included) "
              "with every file already uploaded.")
    common.publish("ingest-processes", args.limit, "bench/ingest.py --processes — drive worker processes", table)
    bench.close()


def main() -> None:
    if "--processes" in sys.argv:
        import argparse

        parser = argparse.ArgumentParser()
        parser.add_argument("--processes", type=int, nargs="+")
        parser.add_argument("--limit", type=int, default=None)
        parser.add_argument("--home", type=Path, default=None)
        parser.add_argument("--dataset", type=Path, default=common.DATASET)
        processes_main(parser.parse_args())
        return
    args = common.parse_args(__doc__.splitlines()[0], "ingest only the first N files (fixed shuffled order)")
    files = common.corpus_files(args.dataset, args.limit)
    bench = common.open_bench(args.home)
    if common.present_names(bench.svc):  # keep runs comparable: always ingest into an empty drive
        bench = common.open_bench(args.home, user=f"bench-{int(time.time())}")
    print(f"home {bench.drive.settings.home}, {len(files)} files")
    sample = raw_sample(bench, files)
    before = raw_embedder(bench, sample)
    print(f"raw embedder: {before.rate:.1f} chunks/s ({before.config})", flush=True)
    mine = ours(bench, files)
    print(f"ours: searchable after {mine.seconds:.1f} s, in the graph after {mine.graph_seconds:.1f} s", flush=True)
    communities = recompute_seconds(bench)
    base = langchain(bench.drive.settings.home, files)
    print(f"langchain: {base.seconds:.1f} s", flush=True)
    after = raw_embedder(bench, sample)  # again at the end: the load on a shared machine drifts
    raw = max(before, after, key=lambda r: r.rate)  # the faster: the ratios against it are the conservative ones
    table = report([mine, base], raw, communities)
    table += (f"\n\n- raw MiniLM measured before and after the pipelines: {before.rate:.1f} and {after.rate:.1f} "
              "chunks/s; the ratios use the faster run.")
    common.publish("ingest", args.limit, "bench/ingest.py — ingestion throughput", table)
    bench.close()


if __name__ == "__main__":
    main()
