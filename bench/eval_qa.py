"""Question-answering evaluation on a dev set: our pipeline beside keyword-only, vector-only and LangChain naive RAG.

    .venv/bin/python bench/eval_qa.py [--dataset DIR] [--limit QUESTIONS] [--home DIR]

``--dataset`` is drive-qa (default), drive-qa-musique or real-docs under ../shared/datasets; results go to
``results/eval_qa-<dataset>.md``.

Ingests the corpus through the real queue and worker (a reused ``--home`` keeps what is already
there), then asks every question of questions.jsonl, offline (no LLM), in four systems over the same
files: ours (``rag.ask.ask``, mode auto), keyword-only (mode keyword), vector-only (mode vector), and a
LangChain naive RAG. Per question type it reports gold-file recall@5/@10 among retrieved files (files
of ``rag.ask.retrieve(...).passages`` deduplicated in rank order) and among cited files (files of
``Answer.citations`` in citation order), exact match and token F1 (SQuAD normalisation, best over the
acceptable answers) of the short answer (``Answer.short_answer``; the answer's body for the LangChain
baseline, which has none), "answer contains gold" (the whole answer) and "short contains gold", for real-docs
"page hit@5 cited" (one of the first five citations names a gold page of a gold file), insight
coverage for the global questions, and the latency p50/p95 of one full answer.

Abstention: every non-global question is also answered by ours from its retrieval with the passages of its gold
files removed (a drive lacking them; the rest of the retrieval unchanged). The report gives the share of
``found=true`` on the real retrieval and of ``found=false`` without the gold files, and the same at other
thresholds of ``rag.answer.direct.support`` (the calibration table).

The LangChain naive RAG: RecursiveCharacterTextSplitter(1000, 150) over each file, the same MiniLM
wrapped as LangChain Embeddings, PGVector (langchain-postgres, cosine) on the same PostgreSQL server;
``similarity_search(question, k=24)`` gives the retrieved files; its answer is the 4 sentences of the
top 8 chunks most similar to the question (MiniLM cosine), each citing its chunk's file.

With ``--limit N`` only N questions are asked (split between the two types in proportion) and only
their files (gold, distractors, insight files) are ingested: a quick run, easier than the full one.
"""

from __future__ import annotations

import json
import re
import statistics
import string
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import common
from common import Bench, markdown_table

T = TypeVar("T")
SYSTEMS = ("ours (auto)", "keyword only", "vector only", "LangChain naive RAG")
MODES = {"ours (auto)": "auto", "keyword only": "keyword", "vector only": "vector"}
COLLECTION = "bench_langchain"
RETRIEVE_K = 24  # what rag.ask.retrieve returns (3 × its 8 context passages)
CONTEXT = 8
SENTENCES = 4
_CITATION = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass
class Outcome:
    """One system's result on one question."""

    qid: str
    qtype: str
    system: str
    retrieved: list[str]
    cited: list[str]
    answer: str
    seconds: float
    mode: str = ""
    short: str | None = None
    found: bool = True
    support: float | None = None
    cited_pages: list[tuple[str, int | None]] = field(default_factory=list)  # (file, page) in citation order
    scores: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- scoring (SQuAD normalisation)


def normalize(text: str) -> str:
    text = "".join(c for c in text.lower() if c not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def token_f1(prediction: str, gold: str) -> float:
    pred, ref = normalize(prediction).split(), normalize(gold).split()
    common_tokens = Counter(pred) & Counter(ref)
    same = sum(common_tokens.values())
    if not pred or not ref or same == 0:
        return float(pred == ref)
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def contains(prediction: str, gold: str) -> bool:
    g = normalize(gold)
    return bool(g) and f" {g} " in f" {normalize(prediction)} "


def recall_at(files: list[str], gold: list[str], k: int) -> float:
    return len(set(files[:k]) & set(gold)) / len(set(gold))


def answer_body(answer: str) -> str:
    """The answer without citation markers and the extractive lead line (boilerplate, not content)."""
    lines = [ln for ln in answer.splitlines() if not ln.startswith("From your files")]
    return _CITATION.sub(" ", "\n".join(lines)).replace("**", "")


def score(o: Outcome, q: dict[str, Any]) -> None:
    gold = q["gold_files"]
    o.scores = {"R@5 retrieved": recall_at(o.retrieved, gold, 5), "R@10 retrieved": recall_at(o.retrieved, gold, 10),
                "R@5 cited": recall_at(o.cited, gold, 5), "R@10 cited": recall_at(o.cited, gold, 10)}
    body = answer_body(o.answer)
    if q["type"] != "global" and q.get("answers"):
        short = o.short if o.short is not None or o.system == SYSTEMS[3] else ""
        short = body if short is None else short
        o.scores["EM"] = max(float(normalize(short) == normalize(a)) for a in q["answers"])
        o.scores["F1"] = max(token_f1(short, a) for a in q["answers"])
        o.scores["short contains gold"] = max(float(contains(short, a)) for a in q["answers"])
        o.scores["contains gold"] = max(float(contains(body, a)) for a in q["answers"])
    if q.get("gold_pages"):  # real-docs: did a top-5 citation point at a page that holds the answer?
        gold_pages = {(f, p) for f, pages in q["gold_pages"].items() for p in pages}
        o.scores["page hit@5 cited"] = float(bool(set(o.cited_pages[:5]) & gold_pages))
    if q.get("insights"):
        cited = set(o.cited)
        o.scores["insight coverage"] = sum(bool(cited & set(i["files"])) for i in q["insights"]) / len(q["insights"])


# ---------------------------------------------------------------- the systems


def dedupe(names: list[T]) -> list[T]:
    return list(dict.fromkeys(names))


def ours(bench: Bench, mode: str, without_gold: bool = False) -> Callable[[dict[str, Any]], Outcome]:
    """Retrieve then answer (timed together); ``without_gold`` drops the gold files' passages first."""
    from dataclasses import replace

    from rag.ask import answer_from, retrieve

    def run(q: dict[str, Any]) -> Outcome:
        start = time.perf_counter()
        found = retrieve(bench.drive, bench.models, bench.owner, q["question"], mode=mode)
        if without_gold:
            gone = set(q["gold_files"])
            found = replace(found, passages=[p for p in found.passages if p.file not in gone])
        answer = answer_from(bench.models, q["question"], found)
        seconds = time.perf_counter() - start
        passages = found.passages or [p for c in found.communities for p in c.passages]  # global: backing chunks
        return Outcome(q["id"], q["type"], "", dedupe([p.file for p in passages]),
                       dedupe([c.file for c in answer.citations]), answer.text, seconds, answer.mode,
                       answer.short_answer, answer.found, answer.support,
                       dedupe([(c.file, c.page) for c in answer.citations]))

    return run


def langchain(bench: Bench, store: Any) -> Callable[[dict[str, Any]], Outcome]:
    import numpy as np

    embedder = bench.models.embedder

    def run(q: dict[str, Any]) -> Outcome:
        start = time.perf_counter()
        docs = store.similarity_search(q["question"], k=RETRIEVE_K)
        pairs = [(s, d.metadata["source"]) for d in docs[:CONTEXT] for s in _SENTENCE.split(d.page_content) if s.strip()]
        top: list[tuple[str, str]] = []
        if pairs:
            vectors = embedder.embed([q["question"]] + [s for s, _ in pairs])
            order = np.argsort(-(vectors[1:] @ vectors[0]), kind="stable")[:SENTENCES]
            top = [pairs[i] for i in order]
        seconds = time.perf_counter() - start
        return Outcome(q["id"], q["type"], "", dedupe([d.metadata["source"] for d in docs]),
                       dedupe([f for _, f in top]), "\n".join(s for s, _ in top), seconds, "vector")

    return run


# ---------------------------------------------------------------- setup


def load_questions(dataset: Path, limit: int | None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (dataset / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line]
    if not limit:
        return rows
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_type[r["type"]].append(r)
    picked = []
    for qs in by_type.values():
        picked += qs[: max(1, round(limit * len(qs) / len(rows)))]
    return picked


def files_for(dataset: Path, questions: list[dict[str, Any]], everything: bool) -> list[Path]:
    if everything:
        return common.corpus_files(dataset)
    names = {n for q in questions for n in q["gold_files"] + q.get("distractor_files", [])}
    names |= {n for q in questions for i in q.get("insights", []) for n in i["files"]}
    return [dataset / "corpus" / n for n in sorted(names)]


def plain_text(path: Path) -> str:
    """A file's text for the baseline: pypdf's text layer for a PDF (as LangChain's PyPDFLoader), else UTF-8."""
    if path.suffix.lower() != ".pdf":
        return path.read_text(encoding="utf-8")
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def langchain_store(bench: Bench, files: list[Path]) -> Any:
    """The baseline collection: reused when it already holds exactly these files, else rebuilt."""
    from sqlalchemy import text

    try:
        with bench.drive.db.session() as s:
            have = set(s.execute(text(
                """SELECT DISTINCT e.cmetadata->>'source' FROM langchain_pg_embedding e
                   JOIN langchain_pg_collection c ON c.uuid = e.collection_id WHERE c.name = :n"""),
                {"n": COLLECTION}).scalars())
    except Exception:
        have = set()
    fresh = have != {p.name for p in files}
    store = common.pgvector_store(bench.drive.settings, COLLECTION, bench.models.embedder, fresh=fresh)
    if fresh:
        splitter = common.baseline_splitter()
        for path in files:
            docs = splitter.create_documents([plain_text(path)], metadatas=[{"source": path.name}])
            if docs:  # a scan has no text layer for the baseline to read
                store.add_documents(docs)
    return store


# ---------------------------------------------------------------- report

COLUMNS = ["R@5 retrieved", "R@10 retrieved", "R@5 cited", "R@10 cited", "EM", "F1", "short contains gold",
           "contains gold", "page hit@5 cited", "insight coverage"]


def brief(o: Outcome) -> dict[str, Any]:
    """One outcome for the details file: the top 10 files and a shortened answer are enough to diagnose."""
    return {**asdict(o), "retrieved": o.retrieved[:10], "answer": o.answer[:600]}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def table(outcomes: list[Outcome]) -> str:
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[(o.qtype, o.system)].append(o)
    rows = []
    for (qtype, system), group in sorted(groups.items(), key=lambda kv: (kv[0][0], SYSTEMS.index(kv[0][1]))):
        cells: list[Any] = [qtype, system, len(group)]
        for col in COLUMNS:
            vals = [o.scores[col] for o in group if col in o.scores]
            cells.append(f"{statistics.fmean(vals):.2f}" if vals else "—")
        ms = [1000 * o.seconds for o in group]
        cells += [f"{percentile(ms, 0.5):.0f}", f"{percentile(ms, 0.95):.0f}"]
        rows.append(cells)
    return markdown_table(["type", "system", "n", *COLUMNS, "p50 ms", "p95 ms"], rows)


def routes(outcomes: list[Outcome]) -> str:
    counts = Counter((o.qtype, o.mode) for o in outcomes if o.system == SYSTEMS[0])
    return "; ".join(f"{t}: {m} ×{n}" for (t, m), n in sorted(counts.items()))


def abstention(answerable: list[Outcome], unanswerable: list[Outcome]) -> str:
    """found=true on answerable and found=false without the gold files: at the shipped threshold, then per threshold
    of the support score (the calibration)."""
    from rag.answer.direct import FOUND_THRESHOLD

    if not answerable:
        return "No non-global questions: no abstention figures."
    rows = []
    for t in sorted({FOUND_THRESHOLD, *[x / 20 for x in range(4, 16)]}):
        yes = statistics.fmean(float((o.support or 0) >= t) for o in answerable)
        no = statistics.fmean(float((o.support or 0) < t) for o in unanswerable)
        rows.append([f"{t:.2f}{' (shipped)' if t == FOUND_THRESHOLD else ''}", f"{yes:.2f}", f"{no:.2f}"])
    shipped = (f"At the shipped threshold: found=true for {statistics.fmean(o.found for o in answerable):.2f} of "
               f"{len(answerable)} answerable questions, found=false for "
               f"{statistics.fmean(not o.found for o in unanswerable):.2f} of the same questions without their "
               f"gold files.")
    return "\n".join([shipped, "", markdown_table(["support threshold", "found=true, answerable",
                                                    "found=false, gold files removed"], rows)])


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0], "ask only N questions (both types, in proportion)")
    questions = load_questions(args.dataset, args.limit)
    files = files_for(args.dataset, questions, everything=not args.limit)
    bench = common.open_bench(args.home)
    print(f"home {bench.drive.settings.home}: {len(questions)} questions over {len(files)} files", flush=True)
    start = time.perf_counter()
    new = common.upload_missing(bench.svc, files)
    common.drain(bench.worker(kinds=("ingest", "graph", "communities")))
    print(f"ingested {len(new)} new files (+ communities) in {time.perf_counter() - start:.0f} s", flush=True)
    store = langchain_store(bench, files)
    runners = {name: ours(bench, mode) for name, mode in MODES.items()}
    runners[SYSTEMS[3]] = langchain(bench, store)
    for run in runners.values():  # warm-up: models and connections, not timed
        run({"id": "warm-up", "type": "warm-up", "question": "What is this about?"})
    outcomes = []
    for n, q in enumerate(questions, start=1):
        for name, run in runners.items():
            o = run(q)
            o.system = name
            score(o, q)
            outcomes.append(o)
        if n % 10 == 0:
            print(f"{n}/{len(questions)} questions", flush=True)
    missing = ours(bench, "auto", without_gold=True)
    unanswerable = []
    for q in questions:
        if q["type"] != "global":
            o = missing(q)
            o.system = "ours, gold files removed"
            unanswerable.append(o)
    answerable = [o for o in outcomes if o.system == SYSTEMS[0] and o.qtype != "global"]
    text = "\n".join([table(outcomes), "", f"Routes taken by ours (auto): {routes(outcomes)}.", "",
                      "Abstention (ours):", "", abstention(answerable, unanswerable)])
    name = f"eval_qa-{args.dataset.name}"
    common.publish(name, args.limit, f"bench/eval_qa.py — answers on {args.dataset.name}", text)
    details = common.RESULTS / f"{common.result_stem(name, args.limit)}-details.jsonl"
    details.write_text("".join(json.dumps(brief(o)) + "\n" for o in outcomes + unanswerable), encoding="utf-8")
    print(f"per-question rows: {details}")
    bench.close()


if __name__ == "__main__":
    main()
