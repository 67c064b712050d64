"""Entity junk rate: the share of the graph's top 100 entities that a person would not call a thing.

    .venv/bin/python bench/junk.py --home HOME --dataset DATASET [--rebuild | --rebuild-before TIME] [--limit N]

The home is a drive home holding the corpus (files missing from it are uploaded and ingested first). With
``--rebuild`` every file's graph job runs again with the code checked out, so the figure is that code's.
The top 100 is ranked as the graph page ranks (``ui.graph_model.importance``), beside the baseline ranking
by raw mention count (what suggestions used before). Each entry is looked up by (type, name) in
``bench/labels/<dataset>.tsv`` (labelled once by hand: ok or junk, with a one-word reason); entries not yet
labelled are counted apart and printed, so a run after a code change says what still needs a label.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import common

TOP = 100
LABELS = Path(__file__).resolve().parent / "labels"


@dataclass(frozen=True)
class Rated:
    junk: int
    labelled: int
    unlabelled: list[tuple[str, str]]

    @property
    def rate(self) -> float:
        return self.junk / self.labelled if self.labelled else 0.0


def label_path(dataset: Path) -> Path:
    return LABELS / f"{dataset.resolve().name}.tsv"


def load_labels(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(type, name) -> (verdict, reason); a TSV with a header row: type, name, verdict, reason."""
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return {(r["type"], r["name"]): (r["verdict"], r["reason"]) for r in rows}


def rate(top: list[tuple[str, str]], labels: dict[tuple[str, str], tuple[str, str]]) -> Rated:
    known = [labels[e] for e in top if e in labels]
    return Rated(sum(v == "junk" for v, _ in known), len(known), [e for e in top if e not in labels])


def rebuild_graph(bench: common.Bench, before: str | None = None) -> int:
    """Run every ready file's graph job again (the current code's recognition, resolution and types); with
    ``before`` (an ISO time), only those of files whose last graph job did not finish after it."""
    from sqlalchemy import text

    from drive.store import queue as jobs

    sql = "SELECT i.id FROM items i WHERE i.owner_id = :o AND i.kind = 'file' AND i.status = 'ready'"
    if before:
        sql += (" AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.item_id = i.id AND j.kind = 'graph'"
                " AND (j.status <> 'done' OR j.finished_at > CAST(:t AS timestamptz)))")
    with bench.drive.db.session() as s:
        ids = list(s.execute(text(sql), {"o": bench.owner, "t": before}).scalars())
        for item_id in ids:
            jobs.enqueue(s, jobs.GRAPH, bench.owner, item_id)
    common.drain(bench.worker((jobs.GRAPH,)), timeout=3000)
    return len(ids)


def rankings(bench: common.Bench) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The top entities as (type, name): the graph page's importance, and the raw mention count."""
    from drive.store.graph_view import snapshot
    from ui.graph_model import importance

    snap = snapshot(bench.drive.db, bench.owner)
    score = importance(snap)
    ours = sorted(snap.entities, key=lambda e: (-score[e.name], e.name))[:TOP]
    raw = sorted(snap.entities, key=lambda e: (-e.mentions, e.name))[:TOP]
    return [(e.type, e.name) for e in ours], [(e.type, e.name) for e in raw]


def main() -> None:
    import sys

    rebuild = "--rebuild" in sys.argv
    if rebuild:
        sys.argv.remove("--rebuild")
    before = None  # --rebuild-before TIME: a rebuild that was cut off goes on where it stopped
    if "--rebuild-before" in sys.argv:
        at = sys.argv.index("--rebuild-before")
        before, rebuild = sys.argv[at + 1], True
        del sys.argv[at:at + 2]
    args = common.parse_args(__doc__.splitlines()[0], "use only the first N files (fixed shuffled order)")
    bench = common.open_bench(args.home)
    uploaded = common.upload_missing(bench.svc, common.corpus_files(args.dataset, args.limit))
    print(f"{len(uploaded)} files uploaded; running the queued ingest and graph jobs", flush=True)
    common.drain(bench.worker(), timeout=3000)
    if rebuild:
        print(f"graph jobs run again on {rebuild_graph(bench, before)} files", flush=True)
    ours, raw = rankings(bench)
    bench.close()
    labels = load_labels(label_path(args.dataset))
    rated = {"ours: graph page ranking (importance)": rate(ours, labels),
             "baseline: raw mention count": rate(raw, labels)}
    rows = [[name, f"{100 * r.rate:.1f}%", r.junk, r.labelled, len(r.unlabelled)] for name, r in rated.items()]
    table = common.markdown_table(["top 100 by", "junk rate", "junk", "labelled", "unlabelled"], rows)
    junk = [f"    {t}\t{n}\t{labels[(t, n)][1]}" for t, n in ours if labels.get((t, n), ("",))[0] == "junk"]
    table += "\n\nJunk in our top 100 (type, name, reason):\n\n" + "\n".join(junk)
    missing = sorted({e for r in rated.values() for e in r.unlabelled})
    if missing:
        table += "\n\nNot yet labelled (type, name):\n\n" + "\n".join(f"    {t}\t{n}" for t, n in missing)
    common.publish(f"junk-{args.dataset.resolve().name}", args.limit, "bench/junk.py — entity junk rate", table)


if __name__ == "__main__":
    main()
