"""Single-hop questions: the hops of MuSiQue's dev questions, each asked alone of the MuSiQue bench home.

    .venv/bin/python bench/single_hop.py --home DIR [--cache FILE] [--compare FILE] [--save FILE]

``questions/musique-single-hop.jsonl`` holds the 67 hops of the 50 ``drive-qa-musique`` questions that read as
questions of their own once an earlier hop's answer is put in ("Who was the first president of American
Psychological Association?"); hops written as "#1 >> country" are left out. They come from MuSiQue's own
decompositions (Trivedi et al., TACL 2022, CC BY 4.0, as redistributed in OSU-NLP-Group/HippoRAG at commit
3d95d25, ``data/musique_train.json``), the dev questions' ids only: nothing is written by hand. A person asks
such questions more often than four-hop ones, and the multi-hop sets do not show how the answerer reads them.

Needs a home that ``bench/eval_qa.py --home DIR --dataset .../drive-qa-musique`` ingested. It prints the short
answer's F1 and exact match, how often the answer's text holds a gold answer, and, as the ceiling the answerer
works under, how often a gold answer is in the five best passages retrieved. Retrievals are cached
(``--cache``) so a change to ``rag/answer`` is measured over the same passages; ``--compare`` lists the
questions whose short answer changed against a ``--save`` file of an earlier run.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

import common
from answers import retrievals
from eval_qa import contains, normalize, token_f1

QUESTIONS = Path(__file__).resolve().parent / "questions" / "musique-single-hop.jsonl"
TOP = 5


def load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line]


def answer(bench: common.Bench, q: dict[str, Any], found: Any) -> dict[str, Any]:
    from rag.ask import answer_from

    a = answer_from(bench.models, q["question"], found)
    short, gold = a.short_answer or "", q["answers"]
    passages = [normalize(p.text) for p in found.passages[:TOP]]
    return {"id": q["id"], "short": a.short_answer, "scores": {
        "F1": max(token_f1(short, g) for g in gold),
        "EM": float(any(normalize(short) == normalize(g) for g in gold)),
        "contains gold": float(any(contains(a.text, g) for g in gold)),
        f"gold in top {TOP} passages": float(any(normalize(g) in p for g in gold for p in passages))}}


def compare(rows: list[dict[str, Any]], before_file: Path, questions: dict[str, str]) -> str:
    before = {r["id"]: r for r in map(json.loads, before_file.read_text(encoding="utf-8").splitlines())}
    lines = []
    for r in rows:
        b = before.get(r["id"])
        if b and b["short"] != r["short"]:
            old, new = b["scores"]["F1"], r["scores"]["F1"]
            mark = "+" if new > old else "-" if new < old else "="
            lines.append(f"{mark} {r['id']} F1 {old:.2f} -> {new:.2f}: {questions[r['id']]!r}: "
                         f"{b['short']!r} -> {r['short']!r}")
    return "\n".join(lines) or "no short answer changed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--compare", type=Path, default=None, help="a --save file of an earlier run")
    parser.add_argument("--save", type=Path, default=None, help="write per-question rows here")
    args = parser.parse_args()
    questions = load()
    bench = common.open_bench(args.home)
    found = retrievals(bench, questions, args.cache or args.home / "single-hop-retrievals.pickle")
    rows = [answer(bench, q, found[q["id"]]) for q in questions]
    bench.close()
    text = f"single-hop (n={len(rows)}): " + ", ".join(
        f"{col} {statistics.fmean(r['scores'][col] for r in rows):.3f}" for col in rows[0]["scores"])
    if args.compare:
        text += f"\n\nChanged against {args.compare.name}:\n\n" + compare(
            rows, args.compare, {q["id"]: q["question"] for q in questions})
    common.publish("single_hop", None, "bench/single_hop.py — MuSiQue's hops asked alone", "```\n" + text + "\n```")
    if args.save:
        args.save.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


if __name__ == "__main__":
    main()
