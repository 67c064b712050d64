"""Knowledge-graph benchmark: NER speed, resolution, relationships, communities, incremental vs full rebuild.

    .venv/bin/python bench/graph.py [--limit FILES] [--home DIR]

On the corpus (or its first N files in a fixed shuffled order) it builds the graph through the real
queue and worker, then prints: words/s of our spaCy pass (NER + dependency parse, as the pipeline
runs it) beside NER alone; distinct raw surface forms vs resolved entities; relationships; communities
per level and the time of ``drive.pipeline.communities.job.recompute`` (with hierarchical Leiden beside networkx
Louvain on the same graph); and the incremental ratio: adding one more file (median size) to the built
graph vs rebuilding all N+1 files from scratch. The rebuild cost is the sum of every file's ingest and
graph job run times as recorded by the queue (``jobs.started_at`` -> ``finished_at``) plus one recompute, so a
reused ``--home`` gives it too; the added file is measured the same way and by wall clock.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import common
from common import Bench, markdown_table

NER_SAMPLE = 400  # chunks for the words/s figures


def words_per_second(texts: list[str], bench: Bench) -> tuple[float, float, int]:
    """(our recognize() pass, NER alone) in words/s on the same texts."""
    from drive.ml.nlp import load_nlp
    from drive.pipeline.graph.recognize import recognize

    words = sum(len(t.split()) for t in texts)
    recognize(texts[:2])
    start = time.perf_counter()
    recognize(texts)
    ours = words / (time.perf_counter() - start)
    nlp = load_nlp().pipeline
    with nlp.select_pipes(enable=["ner"]):
        list(nlp.pipe(texts[:2]))
        start = time.perf_counter()
        list(nlp.pipe(texts, batch_size=32))
        ner_only = words / (time.perf_counter() - start)
    return ours, ner_only, words


def sample_chunks(bench: Bench, n: int) -> list[str]:
    from sqlalchemy import text

    with bench.drive.db.session() as s:
        rows = s.execute(text("SELECT text FROM chunks WHERE owner_id = :o ORDER BY id"), {"o": bench.owner}).scalars()
        texts = list(rows)
    step = max(1, len(texts) // n)
    return texts[::step][:n]


def graph_counts(bench: Bench) -> dict[str, Any]:
    from sqlalchemy import text

    q = {
        "files": "SELECT count(*) FROM items WHERE owner_id = :o AND kind = 'file'",
        "chunks": "SELECT count(*) FROM chunks WHERE owner_id = :o",
        "mentions": "SELECT count(*) FROM mentions WHERE owner_id = :o",
        "raw surface forms (distinct text)": "SELECT count(DISTINCT surface) FROM mentions WHERE owner_id = :o",
        "raw surface forms (distinct text + type)":
            "SELECT count(DISTINCT (m.surface, e.type)) FROM mentions m JOIN entities e ON e.id = m.entity_id "
            "WHERE m.owner_id = :o",
        "resolved entities": "SELECT count(*) FROM entities WHERE owner_id = :o",
        "entities with aliases merged": "SELECT count(*) FROM entities WHERE owner_id = :o AND cardinality(aliases) > 1",
        "relationships (distinct entity pairs)":
            "SELECT count(*) FROM (SELECT DISTINCT source_id, target_id FROM relation_evidence WHERE owner_id = :o) x",
        "relationship evidence (sentences)": "SELECT count(*) FROM relation_evidence WHERE owner_id = :o",
        "evidence with a verb label": "SELECT count(*) FROM relation_evidence WHERE owner_id = :o AND label IS NOT NULL",
    }
    with bench.drive.db.session() as s:
        out: dict[str, Any] = {k: int(s.execute(text(v), {"o": bench.owner}).scalar_one()) for k, v in q.items()}
        levels = s.execute(text("SELECT level, count(*), round(avg(size), 1) FROM communities WHERE owner_id = :o "
                                "GROUP BY level ORDER BY level"), {"o": bench.owner}).all()
    out["levels"] = [(int(lv), int(n), float(size)) for lv, n, size in levels]
    return out


def job_seconds(bench: Bench, name: str | None = None) -> float:
    """Run time of the finished ingest and graph jobs (last attempt each) over the owner's files, or one file."""
    from sqlalchemy import text

    sql = ("SELECT coalesce(sum(extract(epoch FROM j.finished_at - j.started_at)), 0) FROM jobs j "
           "JOIN items i ON i.id = j.item_id WHERE j.owner_id = :o AND j.status = 'done' "
           "AND j.kind IN ('ingest', 'graph')")
    params: dict[str, Any] = {"o": bench.owner}
    if name is not None:
        sql += " AND i.name = :n"
        params["n"] = name
    with bench.drive.db.session() as s:
        return float(s.execute(text(sql), params).scalar_one())


def recompute(bench: Bench, *, from_scratch: bool = False) -> Any:
    """``drive.pipeline.communities.job.recompute``; ``from_scratch`` drops the stored communities first, so every
    summary is written again, as in a rebuild (and as on a reused home it otherwise would not be)."""
    from sqlalchemy import text

    from drive.pipeline.communities.job import recompute as run

    if from_scratch:
        with bench.drive.db.session() as s:
            s.execute(text("DELETE FROM communities WHERE owner_id = :o"), {"o": bench.owner})
    return run(bench.drive, bench.owner, bench.models)


def clustering_baseline(bench: Bench) -> tuple[float, float, int, int]:
    """Seconds of hierarchical Leiden (ours) and networkx Louvain on the same entity graph, and its size."""
    import networkx as nx

    from drive.pipeline.communities.cluster import canonical_edges, detect_communities
    from drive.pipeline.communities.job import load_graph

    with bench.drive.db.session() as s:
        graph = load_graph(s, bench.owner)
    edges = [(graph.node[a], graph.node[b], float(w)) for a, b, w in graph.edges]
    start = time.perf_counter()
    detect_communities(edges)
    leiden = time.perf_counter() - start
    g = nx.Graph()
    g.add_weighted_edges_from(canonical_edges(edges))
    start = time.perf_counter()
    nx.community.louvain_communities(g, seed=42)
    louvain = time.perf_counter() - start
    return leiden, louvain, g.number_of_nodes(), g.number_of_edges()


def median_file(files: list[Path]) -> Path:
    return sorted(files, key=lambda p: (p.stat().st_size, p.name))[len(files) // 2]


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0], "use only the first N files (fixed shuffled order)")
    files = common.corpus_files(args.dataset, args.limit)
    added = median_file(files)
    bench = common.open_bench(args.home)
    print(f"home {bench.drive.settings.home}, {len(files)} files; the added file: {added.name} "
          f"({added.stat().st_size:,} bytes)", flush=True)
    worker = bench.worker()
    present = {i.name: i for i in bench.svc.list() if i.kind == "file"}
    if added.name in present:  # a reused home: take the file out, then time putting it back
        bench.svc.delete(present[added.name].id)
    start = time.perf_counter()
    built = common.upload_missing(bench.svc, [p for p in files if p != added])
    common.drain(worker)
    build_wall = time.perf_counter() - start
    first = recompute(bench, from_scratch=True)
    base_jobs = job_seconds(bench)
    print(f"built {len(files) - 1} files ({len(built)} ingested now in {build_wall:.1f} s); "
          f"recompute {first.seconds:.1f} s", flush=True)

    start = time.perf_counter()
    common.upload_missing(bench.svc, [added])
    common.drain(worker)
    add_wall = time.perf_counter() - start
    add_job = job_seconds(bench, added.name)
    after = recompute(bench)
    rebuild = base_jobs + add_job + first.seconds  # a rebuild writes every summary, as the first recompute did

    ours_wps, ner_wps, words = words_per_second(sample_chunks(bench, NER_SAMPLE), bench)
    counts = graph_counts(bench)
    leiden, louvain, nodes, edges = clustering_baseline(bench)

    out = [markdown_table(["figure", "value"], [
        [f"our spaCy pass, NER + dependency parse (words/s, {words:,} words)", ours_wps],
        ["baseline: spaCy NER alone, same texts (words/s)", ner_wps],
        *[[k, v] for k, v in counts.items() if k != "levels"],
    ]), "", "Communities per level (hierarchical Leiden, max cluster size 10):", "",
        markdown_table(["level", "communities", "mean size"], [list(x) for x in counts["levels"]]), "",
        markdown_table(["community step", "seconds"], [
            [f"recompute from scratch on {len(files) - 1} files ({first.resummarized} summaries written)", first.seconds],
            [f"recompute after adding one file ({after.resummarized} re-summarized, {after.reused} reused)",
             after.seconds],
            [f"hierarchical Leiden alone ({nodes:,} nodes, {edges:,} edges)", leiden],
            ["baseline: networkx Louvain, same graph (one level)", louvain],
        ]), "",
        markdown_table(["incremental update", "seconds", "share of a full rebuild"], [
            [f"full rebuild: ingest + graph jobs of all {len(files)} files + a first recompute", rebuild, "100%"],
            [f"add one file: its ingest + graph jobs ({added.name})", add_job, f"{100 * add_job / rebuild:.2f}%"],
            ["add one file: upload + queue + job, wall clock", add_wall, f"{100 * add_wall / rebuild:.2f}%"],
            ["add one file + community recompute", add_wall + after.seconds,
             f"{100 * (add_wall + after.seconds) / rebuild:.2f}%"],
        ])]
    common.publish("graph", args.limit, "bench/graph.py — knowledge graph", "\n".join(out))
    bench.close()


if __name__ == "__main__":
    main()
