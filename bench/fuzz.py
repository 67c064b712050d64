"""Hostile files through the real pipeline, with a bounded run time: every file must end ready or failed with a
reason, the worker must survive, and its memory (with its reader children) must stay under 1.5 GB.

    python bench/fuzz.py --count 100 --seconds 420
    python bench/fuzz.py --count 1000 --seconds 5400 --workers 3   # as many job threads as the app runs

Prints counts by outcome, failure reasons, peak memory (the worker process, and worker plus its reader
children sampled every 0.2 s) and the slowest files. No baseline: the figures are the goal (0 hangs,
0 crashes, peak < 1.5 GB).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import struct
import threading
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable

import common
from sqlalchemy import text

from drive.jobs.drain import drain
from drive.jobs.worker import WorkerPool
from drive.pipeline.handlers import handlers
from drive.store import queue as jobs

Maker = Callable[[random.Random], tuple[str, bytes]]


def _png(width: int, height: int, rows: int = 4) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    body = zlib.compress(b"\0" * (width * 3 + 1) * rows, 9)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def _docx_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<w:document>" + b"A" * (100 * 1024 * 1024) + b"</w:document>")
    return out.getvalue()


MAKERS: dict[str, Maker] = {
    "png-declares-13000²": lambda r: ("huge.png", _png(13000, 13000)),
    "png-declares-9000x8000": lambda r: ("big.png", _png(9000, 8000)),
    "png-truncated": lambda r: ("cut.png", _png(400, 300)[: r.randint(20, 60)]),
    "png-fake-magic": lambda r: ("fake_magic.png", b"\x89PNG\r\n\x1a\n" + bytes(r.randint(10, 200))),
    "pdf-garbage": lambda r: ("broken.pdf", b"%PDF-1.4\n" + r.randbytes(r.randint(100, 5000)) + b"\n%%EOF"),
    "random-bytes.txt": lambda r: ("noise.txt", r.randbytes(r.randint(1000, 200_000))),
    "one-line-20MB": lambda r: ("line.txt", b"word " * (4 * 1024 * 1024)),
    "spaces-2MB": lambda r: ("spaces.txt", b"start" + b" " * 2_000_000 + b"end"),
    "json-deep": lambda r: ("deep.json", b"[" * 100_000 + b"]" * 100_000),
    "json-100k-digits": lambda r: ("number.json", b'{"n": ' + b"9" * 100_000 + b"}"),
    "csv-300kB-field": lambda r: ("wide.csv", b"id,body\n1," + b"x" * 300_000 + b"\n"),
    "html-nested-600": lambda r: ("nested.html", b"<div>" * 600 + b"deep text" + b"</div>" * 600),
    "html-billion-laughs": lambda r: ("laughs.html", b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                                      + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode()
                                                 for i in range(8)) + b"]><p>&i;</p>"),
    "docx-zip-bomb": lambda r: ("bomb.docx", _docx_bomb()),
    "nul-bytes.md": lambda r: ("nul.md", b"# Title\n" + b"\0" * r.randint(10, 10_000) + b"text"),
    "utf16-no-bom.txt": lambda r: ("wide.txt", "hello world ".encode("utf-16-le") * 1000),
}


class MemorySampler(threading.Thread):
    """Peak RSS of this process and of this process plus its children (the reader sandboxes)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.peak_self = self.peak_tree = 0.0

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self.stop.wait(0.2):
            try:
                own = me.memory_info().rss
                tree = own + sum(c.memory_info().rss for c in me.children(recursive=True))
            except psutil.Error:
                continue
            self.peak_self = max(self.peak_self, own / 2**20)
            self.peak_tree = max(self.peak_tree, tree / 2**20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="files to generate (cycling through the kinds)")
    parser.add_argument("--seconds", type=float, default=420.0, help="stop waiting after this long")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1,
                        help="job threads sharing one process and its models (the app runs cores + 1)")
    args = parser.parse_args()
    rng, kinds = random.Random(args.seed), list(MAKERS)
    bench = common.open_bench(None)  # a temporary home, removed with its PostgreSQL server
    kind_of: dict[str, str] = {}
    try:
        for n in range(args.count):
            kind = kinds[n % len(kinds)]
            name, data = MAKERS[kind](rng)
            info = bench.svc.upload(io.BytesIO(data), f"{n:04}-{name}")
            kind_of[str(info.id)] = kind
        sampler = MemorySampler()
        sampler.start()
        started = time.monotonic()
        try:
            work(bench, args.workers, args.seconds)
        except Exception as exc:  # noqa: BLE001 - a drain timeout is a finding, not the end of the report
            print(f"drain stopped: {type(exc).__name__}: {exc}")
        elapsed = time.monotonic() - started
        sampler.stop.set()
        report(bench, kind_of, sampler, elapsed, args)
    finally:
        bench.close()


def work(bench: common.Bench, workers: int, seconds: float) -> None:
    """Ingest and graph jobs until none is left or ``seconds`` pass: one worker, or a pool of them."""
    if workers <= 1:
        drain(bench.worker(), timeout=seconds)
        return
    kinds = (jobs.INGEST, jobs.GRAPH)
    pool = WorkerPool(bench.drive, {k: v for k, v in handlers().items() if k in kinds}, workers, bench.models,
                      name="fuzz")
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline and jobs.pending_count(bench.drive.db.engine, kinds=kinds) > 0:
            time.sleep(1.0)
    finally:
        pool.shutdown(grace=0.0)


def _reason(name: str, error: str | None) -> str:
    """A failure reason without the file's own name, so files failing alike are counted together."""
    return (error or "").replace(name, "<file>")[:90]


def report(bench: common.Bench, kind_of: dict[str, str], sampler: MemorySampler, elapsed: float,
           args: argparse.Namespace) -> None:
    with bench.drive.db.session() as s:
        rows = s.execute(text(
            """SELECT i.id::text, i.name, i.status, i.error, j.attempts,
                      extract(epoch FROM j.finished_at - j.started_at) AS seconds
               FROM items i LEFT JOIN jobs j ON j.item_id = i.id AND j.kind = 'ingest'
               WHERE i.owner_id = :o AND i.kind = 'file'"""), {"o": bench.owner}).all()
    outcomes = Counter(r.status for r in rows)
    hangs = [r.name for r in rows if r.status == "processing"]  # started and never finished
    unreached = [r.name for r in rows if r.status == "pending"]  # the time bound came first
    reasons = Counter((kind_of[r.id], _reason(r.name, r.error)) for r in rows if r.status == "failed")
    retried = [r.name for r in rows if (r.attempts or 0) > 1]
    slowest = sorted((r for r in rows if r.seconds is not None), key=lambda r: -float(r.seconds))[:5]
    lines = [
        f"files: {len(rows)} ({len(MAKERS)} kinds), run {elapsed:.0f} s (bound {args.seconds:.0f} s)",
        f"outcomes: {dict(outcomes)}; hangs (processing at the bound): {len(hangs)}; not reached in time: "
        f"{len(unreached)}; worker crashed: no; retried: {len(retried)}; job threads: {args.workers}",
        f"peak RSS: worker {sampler.peak_self:.0f} MB, worker + reader children {sampler.peak_tree:.0f} MB",
        "", "| kind | reason | files |", "|---|---|---|",
        *[f"| {k} | {reason.replace('|', '/')} | {n} |" for (k, reason), n in sorted(reasons.items())],
        "", "ready: " + ", ".join(sorted({kind_of[r.id] for r in rows if r.status == "ready"})),
        "", "slowest: " + "; ".join(f"{r.name} {float(r.seconds):.1f} s" for r in slowest),
    ]
    if hangs or unreached:
        lines.append("hangs: " + ", ".join(hangs[:20]) + "; not reached: " + ", ".join(unreached[:20]))
    table = "\n".join(lines)
    common.publish("fuzz", None, f"fuzz: {len(rows)} hostile files", table)
    print(json.dumps({"hangs": len(hangs), "peak_tree_mb": round(sampler.peak_tree)}))


if __name__ == "__main__":
    main()
