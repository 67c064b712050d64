"""PDF extraction on the real-docs set: ours (PDFium + layout + OCR) beside poppler's pdftotext and plain pypdf.

For each engine, in one run, each in a fresh child process (so its peak memory is its own): files
opened, word recall per page against ``reference/`` (poppler's text, page N = N-th form-feed part;
a word counts as found at most as often as the page has it), pooled per file, then median and
worst file; pages per second; peak RSS. A file whose reference is empty (the scan) is scored on
the words of its questions' evidence quotes instead, over the whole file.

    python bench/extract.py [--limit N] [--dataset ../shared/datasets/real-docs]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The shared datasets sit beside the checkout (../shared) or, for a worktree, one level further up.
DATASET = next((p / "shared" / "datasets" / "real-docs" for p in ROOT.parents
                if (p / "shared" / "datasets" / "real-docs").exists()), ROOT.parent / "shared" / "datasets" / "real-docs")
RESULTS = Path(__file__).resolve().parent / "results"
ENGINES = ("ours", "pdftotext", "pypdf")
_WORD = re.compile(r"\w+")


def words(text: str) -> Counter[str]:
    """Words, NFKC-normalised (Arabic presentation forms, ligatures and full-width digits compare as
    the letters they stand for) and lower-cased."""
    return Counter(w.lower() for w in _WORD.findall(unicodedata.normalize("NFKC", text)))


def recall(found: Counter[str], wanted: Counter[str]) -> tuple[int, int]:
    """(words of ``wanted`` found, words wanted), multiplicity included."""
    return sum(min(n, found[w]) for w, n in wanted.items()), sum(wanted.values())


# ---------------------------------------------------------------- engines (run in a child)


def pages_ours(path: Path, ocr: Any) -> list[str]:
    from drive.pipeline.ingest.formats import pdf

    doc = pdf.read(path, "application/pdf", ocr=ocr)
    count = max([s.page or 0 for s in doc.sections] + list(doc.unreadable_pages) + [0])
    pages = [""] * count
    for s in doc.sections:
        pages[(s.page or 1) - 1] += s.text
    return pages


def pages_pdftotext(path: Path, ocr: Any) -> list[str]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8", "replace").split("\f")


def pages_pypdf(path: Path, ocr: Any) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(path).pages]


def run_engine(engine: str, files: list[Path], dataset: Path) -> dict[str, Any]:
    """Extract every file with one engine; per-file (found, wanted) word counts and timings."""
    ocr = None
    if engine == "ours":
        from drive.ml.ocr import load_ocr

        ocr = load_ocr()
    extractor = {"ours": pages_ours, "pdftotext": pages_pdftotext, "pypdf": pages_pypdf}[engine]
    evidence = _evidence(dataset)
    per_file: dict[str, Any] = {}
    pages_total, seconds = 0, 0.0
    for path in files:
        reference = (dataset / "reference" / f"{path.stem}.txt").read_text(encoding="utf-8").split("\f")
        start = time.perf_counter()
        try:
            pages = extractor(path, ocr)
        except Exception as exc:  # noqa: BLE001 - a failure to open is what we count
            per_file[path.name] = {"opened": False, "error": str(exc)[:200]}
            continue
        took = time.perf_counter() - start
        count = len(reference) - (1 if reference and not reference[-1].strip() else 0)
        seconds, pages_total = seconds + took, pages_total + count
        scored = _score(pages, reference, evidence.get(path.name, ""))
        per_file[path.name] = {"opened": True, "seconds": took, "pages": count, **scored}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"files": per_file, "pages": pages_total, "seconds": seconds, "peak_rss_mb": rss / 1024}


def _score(pages: list[str], reference: list[str], quotes: str) -> dict[str, Any]:
    found = wanted = 0
    for number, ref in enumerate(reference):
        f, w = recall(words(pages[number] if number < len(pages) else ""), words(ref))
        found, wanted = found + f, wanted + w
    if wanted == 0:  # no text layer: score the evidence quotes against the whole file
        found, wanted = recall(words(" ".join(pages)), words(quotes))
        extracted = sum(words(" ".join(pages)).values())
        if wanted == 0:  # nothing to score against: report how many words came out
            return {"recall": None, "scored_on": f"nothing (no reference text; {extracted} words extracted)"}
        return {"recall": found / wanted, "scored_on": "evidence quotes"}
    return {"recall": found / wanted, "scored_on": "reference"}


def _evidence(dataset: Path) -> dict[str, str]:
    quotes: dict[str, list[str]] = {}
    path = dataset / "evidence.jsonl"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            for item in row.get("evidence", []):
                quotes.setdefault(item.get("file", ""), []).append(item.get("quote", ""))
    return {name: " ".join(q) for name, q in quotes.items()}


# ---------------------------------------------------------------- report


def summary(engine: str, result: dict[str, Any]) -> dict[str, Any]:
    files = result["files"]
    opened = [f for f in files.values() if f["opened"]]
    scores = {name: f["recall"] for name, f in files.items() if f["opened"] and f["recall"] is not None}
    worst = min(scores, key=lambda n: scores[n]) if scores else "-"
    return {
        "engine": engine,
        "opened": f"{len(opened)}/{len(files)}",
        "median_recall": statistics.median(scores.values()) if scores else 0.0,
        "worst": f"{scores.get(worst, 0.0):.3f} ({worst})",
        "below_0.90": sum(1 for s in scores.values() if s < 0.90),
        "pages_per_s": result["pages"] / result["seconds"] if result["seconds"] else 0.0,
        "text_pages_per_s": _rate([f for f in opened if f["scored_on"] == "reference"]),
        "peak_rss_mb": result["peak_rss_mb"],
    }


def _rate(files: list[dict[str, Any]]) -> float:
    """Pages per second over files with a text layer (the scan's OCR left out)."""
    seconds = sum(f["seconds"] for f in files)
    return sum(f["pages"] for f in files) / seconds if seconds else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N files")
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset of " + ", ".join(ENGINES))
    parser.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args()
    files = sorted((args.dataset / "corpus").glob("*.pdf"))[: args.limit]
    if args.engine:
        print(json.dumps(run_engine(args.engine, files, args.dataset)))
        return
    rows, notes = [], []
    for engine in args.engines.split(","):
        if engine == "pdftotext" and shutil.which("pdftotext") is None:
            notes.append("pdftotext is absent (apt-get install poppler-utils): its row is missing")
            continue
        cmd = [sys.executable, __file__, "--engine", engine, "--dataset", str(args.dataset)]
        if args.limit:
            cmd += ["--limit", str(args.limit)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(summary(engine, result))
        scored = result["files"].items()
        low = sorted((f["recall"], n) for n, f in scored if f["opened"] and f["recall"] is not None)[:3]
        failed = [n for n, f in scored if not f["opened"]]
        unscored = [f"{n}: {f['scored_on']}" for n, f in scored if f["opened"] and f["recall"] is None]
        notes.append(f"{engine}: lowest {', '.join(f'{n} {r:.3f}' for r, n in low)}; failed: {failed or 'none'}"
                     + (f"; unscored {unscored}" if unscored else ""))
    report(rows, notes, len(files))


def report(rows: list[dict[str, Any]], notes: list[str], count: int) -> None:
    lines = [f"# PDF extraction on real-docs ({count} files)", "",
             "| engine | opened | median word recall | worst file | files < 0.90 | pages/s | pages/s, text layer only "
             "| peak RSS MB |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['engine']} | {r['opened']} | {r['median_recall']:.3f} | {r['worst']} | "
                     f"{r['below_0.90']} | {r['pages_per_s']:.1f} | {r['text_pages_per_s']:.1f} | {r['peak_rss_mb']:.0f} |")
    lines += ["", *[f"- {n}" for n in notes], "",
              "Command: `python bench/extract.py` (each engine in its own child process; recall per page against "
              "poppler's reference text, pooled per file; ours includes loading the OCR engine in its peak RSS)."]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "extract.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
