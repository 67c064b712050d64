"""`drive add --wait` beside the app's in-process pipeline, in the same run on the same files.

    .venv/bin/python bench/add_wait.py [--limit FILES] [--home DIR] [--rounds N]

The baseline is what the app does (bench/ingest.py's ``ours``: the app's worker threads, timed until every
file is searchable and then in the graph, plus the community recompute), with the shipped number of spaCy
processes. The CLI run starts ``python -m drive add <files> --wait`` for a fresh user on the same database
and blob store and watches it from here: when every file is searchable, when every file is in the graph, and
when the command returns (it returns only after the communities are computed). Model loading is inside the
CLI's time, not the app's (the app loads once at start). A warm-up pass comes first, then ``--rounds``
pairs of app and CLI, the order swapped each round, since a run after another finds a warmer machine.
Prints both and their ratios; goal: the CLI's files/s within 10 % of the app's, communities present when
it returns, the graph done within 1.3x the searchable time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import common
from common import Bench, markdown_table
from ingest import POLL, Run, _progress, ours, recompute_seconds
from sqlalchemy import text

from drive.store import queue as jobs


def add_wait(bench: Bench, files: list[Path]) -> tuple[float, float, float, int, int]:
    """Seconds until searchable, in the graph, and returned; communities and ready files of the CLI's user."""
    from drive.store.db import database_url

    user = f"cli-{int(time.time())}"
    owner = bench.drive.user_id(user)
    watched = Bench(bench.drive, bench.models, owner, bench.drive.service(owner))
    env = {**os.environ, "DATABASE_URL": database_url(bench.drive.settings),
           "THEDRIVE_HOME": str(bench.drive.settings.home), "PYTHONPATH": str(common.ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "drive", "add", *map(str, files), "--wait", "--user", user],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    searchable = graphed = 0.0
    while proc.poll() is None:
        pending, settled = _progress(watched)
        if not searchable and settled >= len(files) and not pending.get(jobs.INGEST):
            searchable = time.perf_counter() - start
        if searchable and not graphed and not pending.get(jobs.GRAPH):
            graphed = time.perf_counter() - start
        time.sleep(POLL)
    returned = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"drive add --wait exited {proc.returncode}: {(proc.stderr.read() if proc.stderr else '')[-2000:]}")
    with bench.drive.db.session() as s:
        communities = s.execute(text("SELECT count(*) FROM communities WHERE owner_id = :o"), {"o": owner}).scalar_one()
        ready = s.execute(text("SELECT count(*) FROM items WHERE owner_id = :o AND kind = 'file' AND status = 'ready'"),
                          {"o": owner}).scalar_one()
    return searchable or returned, graphed or returned, returned, int(communities), int(ready)


def app_run(bench: Bench, files: list[Path], nlp_processes: int) -> tuple[Run, float, int]:
    """The app's pass for a fresh user with ``nlp_processes`` spaCy processes: the run, then one community
    recompute timed alone (seconds, communities)."""
    owner = bench.drive.user_id(f"app-{nlp_processes}-{time.time_ns()}")
    drive = replace(bench.drive, settings=bench.drive.settings.model_copy(update={"nlp_processes": nlp_processes}))
    run_bench = Bench(drive, bench.models, owner, drive.service(owner))
    run = ours(run_bench, files)
    return (run, *recompute_seconds(run_bench))


WARM_UP_FILES = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="use only the first N corpus files")
    parser.add_argument("--home", type=Path, default=None, help="THEDRIVE_HOME to use and keep")
    parser.add_argument("--dataset", type=Path, default=common.DATASET)
    parser.add_argument("--rounds", type=int, default=2, help="app/CLI pairs, the order swapped each round")
    args = parser.parse_args()
    common.git_commit()
    files = common.corpus_files(args.dataset, args.limit)
    bench = common.open_bench(args.home)
    shipped = bench.drive.settings.nlp_processes
    # A first pass warms the database, the page cache and the blob store; the first measured run otherwise pays
    # for them (in one run without it, the app's first pass was 15 % slower than the CLI's pass after it).
    app_run(bench, files[:WARM_UP_FILES], shipped)
    apps: list[tuple[Run, float, int]] = []
    clis: list[tuple[float, float, float, int, int]] = []
    for r in range(args.rounds):
        for who in (("app", "cli") if r % 2 == 0 else ("cli", "app")):
            if who == "app":
                apps.append(app_run(bench, files, shipped))
                print(f"round {r + 1} app: searchable {apps[-1][0].seconds:.1f} s", flush=True)
            else:
                clis.append(add_wait(bench, files))
                print(f"round {r + 1} add --wait: searchable {clis[-1][0]:.1f} s", flush=True)
    common.publish("add_wait", args.limit, "bench/add_wait.py — `drive add --wait` beside the app",
                   _report(len(files), shipped, apps, clis))
    bench.close()


def _report(n: int, shipped: int, apps: list[tuple[Run, float, int]],
            clis: list[tuple[float, float, float, int, int]]) -> str:
    rows = []
    for r, ((app, community_s, community_n), (searchable, graphed, returned, communities, ready)) in enumerate(
            zip(apps, clis, strict=True), 1):
        rows.append([f"{r}: app (in-process worker threads)", n, f"{app.seconds:.1f}", f"{n / app.seconds:.2f}",
                     f"{app.graph_seconds:.1f}", f"{app.graph_seconds / app.seconds:.2f}",
                     f"{app.graph_seconds + community_s:.1f}", community_n])
        rows.append([f"{r}: `drive add --wait` (CLI process)", ready, f"{searchable:.1f}", f"{n / searchable:.2f}",
                     f"{graphed:.1f}", f"{graphed / searchable:.2f}", f"{returned:.1f}", communities])
    ratios = [app.seconds / cli[0] for (app, _, _), cli in zip(apps, clis, strict=True)]
    app_total, cli_total = sum(a[0].seconds for a in apps), sum(c[0] for c in clis)
    table = markdown_table(["round: run", "files ready", "searchable s", "files/s", "in graph s", "graph / searchable",
                            "with communities s", "communities"], rows)
    return table + (
        f"\n\n- {shipped} spaCy processes (the shipped default) in both. CLI files/s vs the app's, per round: "
        + ", ".join(f"{x:.2f}×" for x in ratios) + f"; over all rounds **{app_total / cli_total:.2f}×** (goal ≥ 0.90). "
        "The CLI's time includes starting Python and loading the models, the app's does not.\n"
        f"- graph / searchable over all rounds: app {sum(a[0].graph_seconds for a in apps) / app_total:.2f}, "
        f"CLI {sum(c[1] for c in clis) / cli_total:.2f} (goal ≤ 1.3).\n"
        f"- communities present when `add --wait` returned: {', '.join(str(c[3]) for c in clis)} "
        f"(the app's recompute found {', '.join(str(a[2]) for a in apps)}).\n"
        "- 'with communities s' for the app: graph done plus one community recompute timed alone "
        "(the app debounces it); for the CLI: until the command returned.\n"
        f"- Each run is a fresh user on the same database and blob store, one after the other, after a warm-up "
        f"pass of the app over {WARM_UP_FILES} files; the order of app and CLI swaps each round.")


if __name__ == "__main__":
    main()
