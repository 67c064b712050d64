"""HTTP API under load: N concurrent clients upload and ask for a bounded time against a local
``python -m drive serve``; the same questions asked in-process by N threads are the baseline.

Prints requests/s, p50/p95 per endpoint and errors (goal: 0 errors, ask p95 within 1.5x in-process).

    .venv/bin/python bench/api_load.py --clients 4 --seconds 30 --limit 30
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import httpx
from common import (
    DATASET,
    ROOT,
    Bench,
    corpus_files,
    drain,
    git_commit,
    markdown_table,
    open_bench,
    publish,
    upload_missing,
)

from drive.store import queue as jobs
from drive.store import tokens
from rag.ask import ask

Sample = tuple[str, float, bool]  # endpoint, seconds, ok


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--seconds", type=float, default=30.0, help="each phase (in-process, then over HTTP)")
    p.add_argument("--limit", type=int, default=30, help="corpus files in the drive")
    p.add_argument("--questions", type=int, default=8)
    p.add_argument("--home", type=Path, default=None)
    p.add_argument("--dataset", type=Path, default=DATASET)
    return p.parse_args()


def questions_for(dataset: Path, files: list[Path], n: int) -> list[str]:
    """Questions whose gold files are all in the drive (the first ``n`` of the dev set otherwise)."""
    names = {f.name for f in files}
    rows = [json.loads(line) for line in (dataset / "questions.jsonl").read_text().splitlines() if line.strip()]
    answerable = [r["question"] for r in rows if set(r.get("gold_files") or []) <= names]
    return (answerable + [r["question"] for r in rows])[:n]


def run_for(seconds: float, clients: int, step: Callable[[int, int], Sample]) -> list[Sample]:
    """``clients`` threads calling ``step(client, n)`` until the time is up."""
    samples: list[Sample] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop(client: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            sample = step(client, n)
            with lock:
                samples.append(sample)
            n += 1

    threads = [threading.Thread(target=loop, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples


def timed(endpoint: str, call: Callable[[], bool]) -> Sample:
    t = time.perf_counter()
    try:
        ok = call()
    except Exception:
        ok = False
    return endpoint, time.perf_counter() - t, ok


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(home: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "THEDRIVE_HOME": str(home), "THEDRIVE_APP_WORKERS": "0", "PYTHONPATH": str(ROOT)}
    for var in ("DATABASE_URL", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        env.pop(var, None)
    server = subprocess.Popen([sys.executable, "-m", "drive", "serve", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the API server did not start: " + (server.stderr.read() if server.stderr else ""))


def rows(samples: list[Sample], seconds: float, label: str) -> list[list[object]]:
    by: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by[s[0]].append(s)
    out: list[list[object]] = []
    for endpoint, group in sorted(by.items()):
        ms = sorted(t * 1000 for _, t, ok in group if ok)
        p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))] if ms else float("nan")
        out.append([label, endpoint, len(group), sum(not ok for *_, ok in group), len(group) / seconds,
                    statistics.median(ms) if ms else float("nan"), p95])
    return out


def http_step(http: list[httpx.Client], questions: list[str], mixed: bool) -> Callable[[int, int], Sample]:
    """A client's n-th request: with ``mixed``, every third an upload (n = 1, 4, ...) and every sixth a listing (n = 3, 9, ...), else a question."""

    def step(client: int, n: int) -> Sample:
        c = http[client]
        q = questions[(client + n) % len(questions)]
        if mixed and n % 3 == 1:
            body = f"Load test note {uuid.uuid4()} from client {client}, request {n}.".encode()
            return timed("POST /files", lambda: c.post("/files", data={"folder": "load"}, files={
                "file": (f"note-{uuid.uuid4().hex}.txt", body, "text/plain")}).status_code == 201)
        if mixed and n % 6 == 3:
            return timed("GET /files", lambda: c.get("/files", params={"limit": 100}).status_code == 200)
        return timed("POST /ask", lambda: c.post("/ask", json={"question": q}).status_code == 200)

    return step


def measure(bench: Bench, args: argparse.Namespace, questions: list[str], token: str) -> tuple[str, int, float]:
    """Both phases at 1 client (questions only: the API's own cost) and at ``--clients`` (mixed)."""

    def in_process(client: int, n: int) -> Sample:
        q = questions[(client + n) % len(questions)]
        return timed("ask", lambda: bool(ask(bench.drive, bench.models, bench.owner, q).text))

    port = free_port()
    server = start_server(bench.drive.settings.home, port)
    http = [httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=300,
                         headers={"Authorization": f"Bearer {token}"}) for _ in range(args.clients)]
    table_rows: list[list[object]] = []
    errors, ratio = 0, 0.0
    try:
        in_process(0, 0)  # load the embedder on both sides before timing
        http[0].post("/ask", json={"question": questions[0]})
        for clients in sorted({1, args.clients}):
            label = f"{clients} client{'s' if clients > 1 else ''}"
            base = rows(run_for(args.seconds, clients, in_process), args.seconds, f"in-process, {label}")
            loaded = run_for(args.seconds, clients, http_step(http, questions, mixed=clients > 1))
            over = rows(loaded, args.seconds, f"HTTP API, {label}")
            table_rows += base + over
            errors += sum(not ok for *_, ok in loaded)
            asked = next(r for r in over if r[1] == "POST /ask")
            ratio = float(asked[6]) / float(base[0][6])  # type: ignore[arg-type]
            table_rows.append(["", f"ask p95 HTTP / in-process: {ratio:.2f}x", "", "", "", "", ""])
    finally:
        for c in http:
            c.close()
        server.terminate()
        server.wait(timeout=30)
    table = markdown_table(["where", "endpoint", "requests", "errors", "req/s", "p50 ms", "p95 ms"], table_rows)
    return table, errors, ratio


def main() -> None:
    args = parse()
    git_commit()  # the code this run imports, taken now
    bench = open_bench(args.home)
    try:
        files = corpus_files(args.dataset, args.limit)
        if not files:
            raise SystemExit(f"no corpus in {args.dataset}: pass --dataset")
        upload_missing(bench.svc, files)
        drain(bench.worker((jobs.INGEST,)), timeout=1800)
        questions = questions_for(args.dataset, files, args.questions)
        _, token = tokens.create(bench.drive.db, bench.owner, "api_load")
        table, errors, ratio = measure(bench, args, questions, token)
        table += (f"\n\n{args.seconds:.0f} s per phase, {len(files)} corpus files (ingested, no graph), "
                  f"{len(questions)} questions round robin; the server runs no background workers. With "
                  f"{args.clients} clients each also uploads (every 3rd request) and lists (every 6th). "
                  f"{errors} HTTP errors; ask p95 at {args.clients} clients {ratio:.2f}x in-process "
                  f"(goal: 0 errors, at most 1.5x).")
        publish("api_load", None, "HTTP API under load (bench/api_load.py)", table)
    finally:
        bench.close()


if __name__ == "__main__":
    main()
