"""Ingestion benchmark: raw embedder vs our end-to-end pipeline vs a plain LangChain + PGVector baseline.

    .venv/bin/python bench/ingest.py [--limit FILES] [--home DIR]

Prints, from one run on this machine: the raw MiniLM throughput alone (on the corpus's own chunks and
on synthetic 200-word texts), our end-to-end throughput (upload + queue + extract + chunk + embed +
NER/parse + resolution + relations + store) with its time split by stage, peak RSS and RSS after each
quarter of the files, and the same corpus through LangChain (RecursiveCharacterTextSplitter 1000/150 +
the same embedder + langchain-postgres PGVector on the same PostgreSQL server), run in a separate
process so that its peak RSS is its own. Model loading is excluded everywhere (warm-up first).
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import common
from common import Bench, markdown_table

RAW_SAMPLE = 256  # corpus chunks embedded in one call for the raw-embedder figure
RAW_REPEATS = 3  # the machine is shared: report the median of a few runs


@dataclass
class Run:
    name: str
    files: int
    chunks: int
    megabytes: float
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    rss_by_quarter: list[tuple[int, float]] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def chunks_per_s(self) -> float:
        return self.chunks / self.seconds


# ---------------------------------------------------------------- stage timing (wrappers, drive/ untouched)


class StageClock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def wrap(self, stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - start

        return timed


class TimedEmbedder:
    def __init__(self, inner: Any, clock: StageClock) -> None:
        self.name, self.dim = inner.name, inner.dim
        self.embed = clock.wrap("embed (MiniLM)", inner.embed)


@contextmanager
def stage_timers(bench: Bench, clock: StageClock) -> Iterator[None]:
    """Time each pipeline stage by wrapping the module functions ``drive.ingest`` calls."""
    import drive.chunk
    import drive.extract
    import drive.ingest
    import drive.recognize
    import drive.relate
    import drive.resolve

    patches = [(drive.extract, "extract", "extract"), (drive.chunk, "chunk", "chunk"),
               (drive.recognize, "recognize", "NER + dependency parse (spaCy)"),
               (drive.resolve, "resolve_file", "entity resolution"), (drive.relate, "relate", "relations"),
               (drive.ingest, "save", "store (PostgreSQL, one transaction)"),
               (drive.ingest, "run_ingest_job", "ingest job total")]
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
    from drive.recognize import recognize

    bench.models.embedder.embed(["warm-up"])
    recognize(["Ada Lovelace met Charles Babbage in London."])


# ---------------------------------------------------------------- the three measurements


def corpus_chunks(files: list[Path], bench: Bench) -> list[str]:
    from drive.chunk import chunk
    from drive.extract import extract

    settings = bench.drive.settings
    texts: list[str] = []
    for path in files:
        texts += [c.text for c in chunk(extract(path, path.name, ocr=False), settings.chunk_size, settings.chunk_overlap)]
    return texts


def raw_embedder(bench: Bench, files: list[Path]) -> tuple[float, float, int]:
    """(chunks/s on a sample of the corpus's own chunks, chunks/s on synthetic 200-word texts, sample size)."""
    from drive.embed import measure_throughput

    texts = corpus_chunks(files, bench)
    step = max(1, len(texts) // RAW_SAMPLE)
    sample = texts[::step][:RAW_SAMPLE]
    embedder = bench.models.embedder
    embedder.embed(sample[:1])
    rates = []
    for _ in range(RAW_REPEATS):
        start = time.perf_counter()
        embedder.embed(sample)
        rates.append(len(sample) / (time.perf_counter() - start))
    return statistics.median(rates), measure_throughput(embedder, n=64, words=200), len(sample)


def ours(bench: Bench, files: list[Path]) -> Run:
    from sqlalchemy import text

    warm_up(bench)
    clock = StageClock()
    quarters = {max(1, round(len(files) * q / 4)): q * 25 for q in (1, 2, 3, 4)}
    samples: list[tuple[int, float]] = []

    def on_job(n: int) -> None:
        if n in quarters:
            samples.append((quarters[n], common.rss_mb()))

    pg_dir = bench.drive.settings.pg_dir
    cpu = common.cpu_seconds(pg_dir)
    with stage_timers(bench, clock):
        start = time.perf_counter()
        uploaded = common.upload_missing(bench.svc, files)
        clock.seconds["upload (spool, hash, blob store, enqueue)"] = time.perf_counter() - start
        done = common.drain(bench.worker(), on_job)
        seconds = time.perf_counter() - start
    cpu = common.cpu_seconds(pg_dir) - cpu
    assert done == len(uploaded), f"{done} jobs for {len(uploaded)} files"
    with bench.drive.db.session() as s:
        chunks = s.execute(text("SELECT count(*) FROM chunks WHERE owner_id = :o"), {"o": bench.owner}).scalar_one()
        failed = s.execute(text("SELECT count(*) FROM items WHERE owner_id = :o AND status <> 'ready' AND kind = 'file'"),
                           {"o": bench.owner}).scalar_one()
    if failed:
        print(f"WARNING: {failed} files did not end ready")
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    return Run("TheDrive (ours)", len(files), int(chunks), megabytes, seconds, common.peak_rss_mb(), cpu,
               samples, dict(clock.seconds))


def langchain_child(home: str, files: list[str], out: Any) -> None:
    """The baseline, in its own process: split, embed with the same MiniLM, store in PGVector."""
    from drive.embed import make_embedder

    settings = common.bench_settings(Path(home))
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
    from drive.communities import recompute

    stats = recompute(bench.drive, bench.owner, bench.models)
    return stats.seconds, stats.communities


# ---------------------------------------------------------------- report


def report(runs: list[Run], raw: tuple[float, float, int], communities: tuple[float, int]) -> str:
    real, synthetic, sample = raw
    mine, base = runs
    rows = [[r.name, r.files, r.chunks, r.seconds, r.cpu_seconds, r.files / r.seconds, r.chunks_per_s,
             r.megabytes / r.seconds, r.chunks_per_s / real, r.peak_rss_mb] for r in runs]
    rows.append([f"raw MiniLM alone ({sample} corpus chunks, one call, median of {RAW_REPEATS})", "", sample,
                 sample / real, "", "", real, "", 1.0, ""])
    out = [markdown_table(["pipeline", "files", "chunks", "wall s", "CPU s (incl. PostgreSQL)", "files/s",
                           "chunks/s", "MB/s", "× raw embedder", "peak RSS MB"], rows), ""]
    out.append(f"- raw MiniLM on synthetic 200-word texts (drive.embed.measure_throughput): {synthetic:.1f} chunks/s")
    out.append(f"- ours vs LangChain baseline: {base.seconds / mine.seconds:.2f}× the files/s "
               f"({mine.chunks_per_s / base.chunks_per_s:.2f}× its chunks/s; the two splitters give "
               f"{mine.chunks} vs {base.chunks} chunks); by CPU time, ours costs "
               f"{mine.cpu_seconds / base.cpu_seconds:.2f}× the baseline's CPU")
    out.append(f"- community recompute after the batch (debounced job, not in the figures above): "
               f"{communities[0]:.1f} s for {communities[1]} communities")
    out += ["", "RSS (MB) after each quarter of the files:", ""]
    out.append(markdown_table(["pipeline", *[f"{q}%" for q, _ in mine.rss_by_quarter]],
                              [[r.name, *[v for _, v in r.rss_by_quarter]] for r in runs]))
    out += ["", "Our time by stage:", ""]
    stages = dict(mine.stages)
    job = stages.pop("ingest job total", 0.0)
    upload = stages.pop("upload (spool, hash, blob store, enqueue)", 0.0)
    stages["other in the job (blob read, status rows, spool file)"] = job - sum(stages.values())
    stages["upload (spool, hash, blob store, enqueue)"] = upload
    stages["queue (claim, heartbeat thread, polling)"] = mine.seconds - job - upload
    order = sorted(stages.items(), key=lambda kv: -kv[1])
    out.append(markdown_table(["stage", "seconds", "share of end-to-end"],
                              [[k, v, f"{100 * v / mine.seconds:.0f}%"] for k, v in order]))
    graph = sum(v for k, v in mine.stages.items() if k.startswith(("NER", "entity", "relations")))
    no_graph = mine.seconds - graph
    out += ["", f"- without the graph stages (NER/parse, resolution, relations) ours would take ≈{no_graph:.1f} s: "
            f"{mine.chunks / no_graph:.1f} chunks/s = {mine.chunks / no_graph / real:.2f}× raw, "
            f"{base.seconds / no_graph:.2f}× the baseline's files/s (the baseline extracts no graph)."]
    return "\n".join(out)


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0], "ingest only the first N files (fixed shuffled order)")
    files = common.corpus_files(args.dataset, args.limit)
    bench = common.open_bench(args.home)
    if common.present_names(bench.svc):  # keep runs comparable: always ingest into an empty drive
        bench = common.open_bench(args.home, user=f"bench-{int(time.time())}")
    print(f"home {bench.drive.settings.home}, {len(files)} files")
    raw = raw_embedder(bench, files)
    print(f"raw embedder: {raw[0]:.1f} chunks/s (corpus sample), {raw[1]:.1f} (synthetic)", flush=True)
    mine = ours(bench, files)
    print(f"ours: {mine.seconds:.1f} s", flush=True)
    communities = recompute_seconds(bench)
    base = langchain(bench.drive.settings.home, files)
    print(f"langchain: {base.seconds:.1f} s", flush=True)
    table = report([mine, base], raw, communities)
    print(table)
    path = common.write_result(f"ingest{'-limit' + str(args.limit) if args.limit else ''}.md",
                               common.header("bench/ingest.py — ingestion throughput") + "\n" + table)
    print(f"\nwritten to {path}")
    bench.close()


if __name__ == "__main__":
    main()
