"""Memory and time of PDF extraction as a PDF grows: the largest real-docs file with a text layer, joined to
itself 1, 4 and 16 times, read by ours (PDFium + layout, with the OCR engine loaded as the pipeline does) and,
in the same run, by poppler's ``pdftotext`` as the baseline. Each read runs in a fresh child process, so the
peak RSS is that read's own.

    python bench/pdf_pages.py [--times 1 4 16] [--dataset ../shared/datasets/real-docs]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import common  # noqa: E402  (bench/ is the script's directory)
from extract import DATASET  # noqa: E402


def largest_text_pdf(dataset: Path) -> Path:
    """The corpus file with the most pages whose reference text is not empty (not the scan)."""
    from pypdf import PdfReader

    sized = []
    for path in sorted((dataset / "corpus").glob("*.pdf")):
        reference = dataset / "reference" / f"{path.stem}.txt"
        if reference.exists() and reference.read_text(encoding="utf-8").strip():
            sized.append((len(PdfReader(path).pages), path))
    return max(sized)[1]


def joined(source: Path, times: int, folder: Path) -> Path:
    from pypdf import PdfWriter

    out = folder / f"{source.stem}-x{times}.pdf"
    writer = PdfWriter()
    for _ in range(times):
        writer.append(str(source))
    with out.open("wb") as fh:
        writer.write(fh)
    return out


def read(engine: str, path: Path) -> dict[str, Any]:
    """Child mode: one read of ``path``; pages, characters, seconds and this process's peak RSS."""
    if engine == "ours":
        from drive.ml.ocr import load_ocr
        from drive.pipeline.ingest.formats import pdf

        ocr = load_ocr()
        start = time.perf_counter()
        doc = pdf.read(path, "application/pdf", ocr=ocr)
        seconds = time.perf_counter() - start
        pages = len({s.page for s in doc.sections})
        chars = sum(len(s.text) for s in doc.sections)
    else:
        # GNU time reports pdftotext's own peak; without it the figure includes this Python's (ru_maxrss
        # survives exec, so a child forked from here starts at this process's peak).
        timer = ["/usr/bin/time", "-f", "%M"] if Path("/usr/bin/time").exists() else []
        start = time.perf_counter()
        out = subprocess.run([*timer, "pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
        seconds = time.perf_counter() - start
        text = out.stdout.decode("utf-8", "replace")
        pages, chars = text.count("\f"), len(text)
        rss = (int(out.stderr.decode().split()[-1]) if timer
               else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        return {"pages": pages, "chars": chars, "seconds": seconds, "peak_rss_mb": rss}
    # VmHWM: ru_maxrss would carry over exec the peak of the parent that built the joined PDF.
    return {"pages": pages, "chars": chars, "seconds": seconds, "peak_rss_mb": common.peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--times", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(read(args.child[0], Path(args.child[1]))))
        return
    engines = ["ours"] + (["pdftotext"] if shutil.which("pdftotext") else [])
    source = largest_text_pdf(args.dataset)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for times in args.times:
            path = joined(source, times, Path(tmp))
            for engine in engines:
                out = subprocess.run([sys.executable, __file__, "--child", engine, str(path)],
                                     capture_output=True, text=True, check=True, cwd=ROOT)
                rows.append({"engine": engine, "times": times, "mb": path.stat().st_size / 2**20,
                             **json.loads(out.stdout.strip().splitlines()[-1])})
    report(source, rows, engines)


def report(source: Path, rows: list[dict[str, Any]], engines: list[str]) -> None:
    table = common.markdown_table(
        ["engine", "copies", "file MB", "pages", "characters", "seconds", "pages/s", "peak RSS MB"],
        [[r["engine"], r["times"], f"{r['mb']:.1f}", r["pages"], f"{r['chars']:,}", f"{r['seconds']:.1f}",
          f"{r['pages'] / max(r['seconds'], 1e-9):.1f}", f"{r['peak_rss_mb']:.0f}"] for r in rows])
    notes = []
    for engine in engines:
        mine = [r for r in rows if r["engine"] == engine]
        first, last = mine[0], mine[-1]
        notes.append(f"- {engine}: {last['pages'] / max(first['pages'], 1):.0f}x the pages took "
                     f"{last['peak_rss_mb'] - first['peak_rss_mb']:+.0f} MB of peak RSS "
                     f"({first['peak_rss_mb']:.0f} -> {last['peak_rss_mb']:.0f} MB)")
    if "pdftotext" not in engines:
        notes.append("- pdftotext is absent (apt-get install poppler-utils): its rows are missing")
    notes.append(f"\n{source.name} joined to itself; each read in a fresh child process; ours loads the OCR engine "
                 "first, as the pipeline does, so its RSS includes it.")
    common.publish("pdf_pages", None, "bench/pdf_pages.py — PDF extraction as the file grows",
                   table + "\n\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
