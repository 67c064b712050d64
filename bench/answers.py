"""Answers again over cached retrievals: a quick before/after for changes to the answering layer only.

    .venv/bin/python bench/answers.py --home DIR --dataset DIR [--cache FILE] [--compare FILE] [--save FILE]

Needs a home that ``bench/eval_qa.py --home DIR`` ingested. The first run retrieves every question of the dev set
(ours, mode auto) and pickles the retrievals (``--cache``, default ``DIR/retrievals.pickle``); later runs read
them back, so a change to ``rag/answer`` is measured in minutes, over exactly the same passages. It prints
ours' figures per question type (the columns of eval_qa.py), the abstention figures with the gold files'
passages removed (and their calibration table), and, given ``--compare`` (a ``--save`` file of an earlier
run), the questions whose short answer gained or lost; the same goes to ``results/answers-<dataset>.md``.
The cache does not know the code it was made with: a change to retrieval needs a new cache (delete it) or
the full ``bench/eval_qa.py``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import common
from eval_qa import COLUMNS, Outcome, abstention, dedupe, load_questions, score


def retrievals(bench: common.Bench, questions: list[dict[str, Any]], cache: Path) -> dict[str, Any]:
    from rag.ask import retrieve

    if cache.exists():
        found: dict[str, Any] = pickle.loads(cache.read_bytes())
        if all(q["id"] in found for q in questions):
            return found
    found = {q["id"]: retrieve(bench.drive, bench.models, bench.owner, q["question"]) for q in questions}
    cache.write_bytes(pickle.dumps(found))
    return found


def answer(bench: common.Bench, q: dict[str, Any], found: Any, without_gold: bool = False) -> Outcome:
    from rag.ask import answer_from

    if without_gold:
        gone = set(q["gold_files"])
        found = replace(found, passages=[p for p in found.passages if p.file not in gone])
    a = answer_from(bench.models, q["question"], found)
    passages = found.passages or [p for c in found.communities for p in c.passages]
    o = Outcome(q["id"], q["type"], "ours (auto)", dedupe([p.file for p in passages]),
                dedupe([c.file for c in a.citations]), a.text, 0.0, a.mode, a.short_answer, a.found, a.support,
                dedupe([(c.file, c.page) for c in a.citations]))
    score(o, q)
    return o


def report(outcomes: list[Outcome], unanswerable: list[Outcome]) -> str:
    by_type: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_type[o.qtype].append(o)
        by_type["all"].append(o)
    lines = []
    for qtype, group in sorted(by_type.items()):
        cells = [f"{col} {statistics.fmean(v):.3f}" for col in COLUMNS
                 if (v := [o.scores[col] for o in group if col in o.scores])]
        lines.append(f"{qtype} (n={len(group)}): " + ", ".join(cells))
    answerable = [o for o in outcomes if o.qtype != "global"]
    if answerable:
        lines.append(f"found=true answerable {statistics.fmean(o.found for o in answerable):.3f}, "
                     f"found=false gold removed {statistics.fmean(not o.found for o in unanswerable):.3f}")
    return "\n".join(lines)


def compare(outcomes: list[Outcome], before_file: Path) -> str:
    before = {r["qid"]: r for r in map(json.loads, before_file.read_text(encoding="utf-8").splitlines())}
    lines = []
    for o in outcomes:
        b = before.get(o.qid)
        if not b or o.qtype == "global":
            continue
        for col in ("F1", "short contains gold", "R@5 cited"):
            old, new = b["scores"].get(col, 0.0), o.scores.get(col, 0.0)
            if abs(new - old) > 1e-9:
                lines.append(f"{'+' if new > old else '-'} {o.qid} {col} {old:.2f} -> {new:.2f}: "
                             f"{b['short']!r} -> {o.short!r}")
    return "\n".join(lines) or "no question changed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--dataset", type=Path, default=common.DATASET)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--compare", type=Path, default=None, help="a --save file of an earlier run")
    parser.add_argument("--save", type=Path, default=None, help="write per-question rows here")
    args = parser.parse_args()
    questions = load_questions(args.dataset, None)
    bench = common.open_bench(args.home)
    found = retrievals(bench, questions, args.cache or args.home / "retrievals.pickle")
    outcomes = [answer(bench, q, found[q["id"]]) for q in questions]
    unanswerable = [answer(bench, q, found[q["id"]], without_gold=True) for q in questions if q["type"] != "global"]
    answerable = [o for o in outcomes if o.qtype != "global"]
    text = report(outcomes, unanswerable) + "\n\n" + abstention(answerable, unanswerable)
    if args.compare:
        text += f"\n\nChanged against {args.compare.name}:\n\n" + compare(outcomes, args.compare)
    common.publish(f"answers-{args.dataset.name}", None, f"bench/answers.py — answers again over the cached "
                   f"retrievals of {args.dataset.name}", "```\n" + text + "\n```")
    if args.save:
        args.save.write_text("".join(json.dumps({"qid": o.qid, "short": o.short, "scores": o.scores,
                                                 "found": o.found, "cited": o.cited}) + "\n" for o in outcomes),
                             encoding="utf-8")
    bench.close()


if __name__ == "__main__":
    main()
