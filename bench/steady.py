"""Steady ingest: 10,000 files through the app's pipeline, throughput and memory per thousand.

    .venv/bin/python bench/steady.py [--files 10000] [--home DIR]

The files are the text corpora of ``drive-qa`` and ``drive-qa-musique`` (1,717 files), each used again with its
paragraphs rotated and a copy line first, so every copy chunks and embeds differently while names repeat across
copies as they do across a real drive's versions and drafts. They are uploaded while the app's worker threads
(one per core, as in the app) process them. For each thousand files this prints the seconds it took until they
were searchable, files/s, the graph jobs still waiting, this process's RSS and the PostgreSQL server's. The
baseline is the first thousand: a steady pipeline keeps the last thousand's files/s within 10 % of it and its
memory flat.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import common
from common import markdown_table
from ingest import POLL, _progress, warm_up
from scale import DATASETS, server_rss_mb

from drive.store import queue as jobs

CORPORA = ("drive-qa", "drive-qa-musique")
STEP = 1000


def make_files(count: int, into: Path) -> list[Path]:
    """``count`` text files from the corpora; copy n of a file rotates its paragraphs by n."""
    sources = [p for name in CORPORA for p in sorted((DATASETS / name / "corpus").glob("*.txt"))]
    out: list[Path] = []
    for n in range(count):
        src = sources[n % len(sources)]
        copy = n // len(sources)
        paras = [p for p in src.read_text(encoding="utf-8").split("\n\n") if p.strip()] or [src.stem]
        turn = copy % len(paras)
        body = "\n\n".join(paras[turn:] + paras[:turn])
        path = into / f"{n:05}-{src.name}"
        path.write_text(f"{src.stem} (copy {copy})\n\n{body}\n" if copy else body, encoding="utf-8")
        out.append(path)
    return out


def run(bench: Any, files: list[Path], step: int = STEP) -> list[list[Any]]:
    """Upload ``files`` while the app's workers run; one row per ``step`` files searchable."""
    warm_up(bench)
    stop = threading.Event()
    workers = [bench.worker() for _ in range(max(1, bench.drive.settings.workers_in_app))]
    threads = [threading.Thread(target=w.run_until, args=(stop, 0.05), daemon=True) for w in workers]
    for t in threads:
        t.start()
    uploader = threading.Thread(target=common.upload_missing, args=(bench.svc, files), daemon=True)
    start = last = time.perf_counter()
    uploader.start()
    rows: list[list[Any]] = []
    mark = step
    while mark <= len(files):
        pending, settled = _progress(bench)
        if settled >= mark:
            now = time.perf_counter()
            rows.append([f"{mark - step + 1:,}–{mark:,}", f"{now - last:.0f}", f"{step / (now - last):.2f}",
                         pending.get(jobs.GRAPH, 0), f"{common.rss_mb():.0f}", f"{server_rss_mb(bench.drive):.0f}"])
            print(" | ".join(map(str, rows[-1])), flush=True)
            last, mark = now, mark + step
        time.sleep(POLL * 5)
    while _progress(bench)[0].get(jobs.GRAPH):
        time.sleep(POLL * 5)
    rows.append(["all in the graph", f"{time.perf_counter() - start:.0f}", "", 0, f"{common.rss_mb():.0f}",
                 f"{server_rss_mb(bench.drive):.0f}"])
    stop.set()
    for t in threads:
        t.join()
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--files", type=int, default=10_000)
    p.add_argument("--step", type=int, default=STEP, help="files per row")
    p.add_argument("--home", type=Path, default=None)
    args = p.parse_args()
    bench = common.open_bench(args.home, user=f"steady-{int(time.time())}")
    with tempfile.TemporaryDirectory() as tmp:
        rows = run(bench, make_files(args.files, Path(tmp)), args.step)
    first, last = float(rows[0][2]), float(rows[-2][2])
    table = markdown_table(["files", "seconds", "files/s", "graph jobs waiting", "bench RSS MB", "PostgreSQL RSS MB"],
                           rows)
    table += (f"\n\nLast {args.step:,} / first {args.step:,} files/s: {last / first:.2f} (goal ≥ 0.90). Peak bench RSS "
              f"{common.peak_rss_mb():.0f} MB. {bench.drive.settings.workers_in_app} worker threads, as in the app.")
    common.publish("steady", args.files if args.files != 10_000 else None, f"Steady ingest: {args.files:,} files, per {args.step:,}", table)
    bench.close()


if __name__ == "__main__":
    main()
