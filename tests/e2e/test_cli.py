"""The command line as a person runs it: a subprocess, real database, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
ANSWER_KEYS = {"answer", "short_answer", "found", "note", "mode", "citations", "timings_ms"}


@pytest.fixture
def cli(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    env = {**os.environ, "THEDRIVE_HOME": str(tmp_path / "home"), "DATABASE_URL": database_url,
           "THEDRIVE_USER": f"cli{uuid.uuid4().hex[:8]}", "THEDRIVE_COMMUNITY_DEBOUNCE_SECONDS": "0",
           "PYTHONPATH": str(ROOT)}
    env.pop("OPENAI_BASE_URL", None)
    env.pop("OPENAI_API_KEY", None)

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([sys.executable, "-m", "drive", *args], cwd=tmp_path, env=env, text=True,
                              capture_output=True, timeout=600)
        if check and proc.returncode != 0:
            raise AssertionError(f"{args} exited {proc.returncode}: {proc.stderr}")
        return proc

    run.env = env  # type: ignore[attr-defined]
    return run


def as_json(proc: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(proc.stdout)


def test_add_800_files_list_and_remove_one_without_trace(cli, tmp_path: Path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "notes"
    for n in range(800):
        sub = src / f"batch{n // 200}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"note{n:03}.txt").write_text(f"Note number {n} about topic {n % 7}.\n")
    added = cli("add", str(src))
    assert "uploading" in added.stderr and "800/800" in added.stderr, "a progress bar"
    assert "added 800 file(s), 0 failed" in added.stdout
    items = as_json(cli("ls", "--json"))
    files = [i for i in items if i["type"] == "file"]
    assert len(files) == 800 and len([i for i in items if i["type"] == "folder"]) == 5
    one = next(i for i in files if i["path"] == "notes/batch1/note201.txt")
    assert set(one) >= {"id", "name", "path", "type", "size", "status", "error"}
    assert one["status"] == "pending" and one["size"] == len("Note number 201 about topic 5.\n")
    cli("rm", "notes/batch1/note201.txt")
    engine = create_engine(database_url)
    with engine.connect() as c:
        for table, col in (("items", "id"), ("jobs", "item_id"), ("chunks", "item_id")):
            assert c.execute(text(f"SELECT count(*) FROM {table} WHERE {col} = :i"), {"i": one["id"]}).scalar() == 0
        blob_keys = set(c.execute(text("SELECT key FROM blobs b JOIN users u ON u.id = b.owner_id WHERE u.name = :u"),
                                  {"u": cli.env["THEDRIVE_USER"]}).scalars())
    engine.dispose()
    stored = {p.relative_to(tmp_path / "home" / "blobs").as_posix() for p in (tmp_path / "home" / "blobs").rglob("*")
              if p.is_file()}
    assert len(blob_keys) == 799 and stored == blob_keys, "the removed file's blob is gone from the store too"
    assert len(as_json(cli("ls", "--json"))) == 804


def test_add_wait_processes_and_reports_failures(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.txt").write_text("Ada Lovelace wrote the first program for Charles Babbage.")
    (tmp_path / "in" / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    proc = cli("add", str(tmp_path / "in"), "--folder", "inbox", "--wait", check=False)
    assert proc.returncode == 1
    assert "broken.pdf" in proc.stdout and "PDF" in proc.stdout
    items = {i["name"]: i for i in as_json(cli("ls", "--json"))}
    assert items["good.txt"]["status"] == "ready"
    assert items["broken.pdf"]["status"] == "failed" and items["broken.pdf"]["error"]
    got = cli("get", "inbox/in/broken.pdf", "-o", str(tmp_path / "copy.pdf"))
    assert (tmp_path / "copy.pdf").read_bytes() == b"%PDF-1.4 this is not really a pdf", got.stderr
    answer = as_json(cli("ask", "Who wrote the first program?", "--json"))
    assert set(answer) == ANSWER_KEYS
    assert answer["found"] is True and answer["short_answer"] == "Ada Lovelace" and answer["note"] is None
    assert "Ada Lovelace" in answer["answer"] and answer["citations"][0]["file"] == "good.txt"
    assert set(answer["citations"][0]) == {"file", "item_id", "page", "passage", "score", "period"}
    graph = as_json(cli("graph", "--json"))
    names = {e["name"] for e in graph["entities"]}
    assert {"Ada Lovelace", "Charles Babbage"} <= names
    assert set(graph) == {"entities", "relationships", "communities"}
    assert {"source", "target", "label", "weight", "files"} <= set(graph["relationships"][0])


def test_mkdir_mv_status_and_errors(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "r.txt").write_text("report")
    cli("mkdir", "reports/2026")
    cli("add", str(tmp_path / "r.txt"), "--folder", "reports")
    cli("mv", "reports/r.txt", "reports/2026")
    cli("mv", "reports/2026/r.txt", "reports/2026/q3.txt")
    paths = [i["path"] for i in as_json(cli("ls", "--json"))]
    assert "reports/2026/q3.txt" in paths
    missing = cli("rm", "no/such.txt", check=False)
    assert missing.returncode != 0 and "no such file or folder" in missing.stderr and missing.stdout == ""
    clash = cli("mkdir", "reports/2026/q3.txt", check=False)
    assert clash.returncode != 0 and "error:" in clash.stderr
    status = as_json(cli("status", "--json"))
    assert status["database"]["ok"] and status["storage"]["ok"] and status["embedder"]["ok"]
    assert "PostgreSQL 18" in status["database"]["state"]
    assert status["llm"]["using"].startswith("none")


def test_add_wait_returns_with_graph_communities_and_global_search(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A long debounce: only add --wait running the communities job itself gets communities in time.
    cli.env["THEDRIVE_COMMUNITY_DEBOUNCE_SECONDS"] = "900"
    (tmp_path / "in").mkdir()
    for n, (a, b, c) in enumerate([("Ada Lovelace", "Charles Babbage", "London"),
                                   ("Charles Babbage", "Ada Lovelace", "Cambridge"),
                                   ("Alan Turing", "Ada Lovelace", "Manchester")]):
        (tmp_path / "in" / f"note{n}.txt").write_text(
            f"{a} worked with {b} in {c}. {b} admired {a}. {a} visited {c} with {b}.")
    proc = cli("add", str(tmp_path / "in"), "--wait")
    assert "in graph 3/3" in proc.stderr, "progress for ingest and graph is shown"
    graph = as_json(cli("graph", "--json"))
    assert {"Ada Lovelace", "Charles Babbage"} <= {e["name"] for e in graph["entities"]}
    assert graph["communities"], "communities are computed before add --wait returns"
    members = {n for c in graph["communities"] for n in c["entities"]}
    assert "Ada Lovelace" in members
    with create_engine(cli.env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")).connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM jobs j JOIN users u ON u.id = j.owner_id WHERE u.name = :u "
                              "AND j.status IN ('queued', 'running')"), {"u": cli.env["THEDRIVE_USER"]}).scalar()
    assert left == 0, "nothing left in the queue for this user"
    page = as_json(cli("ls", "in", "--limit", "2", "--json"))
    assert [i["name"] for i in page] == ["note0.txt", "note1.txt"]
    rest = as_json(cli("ls", "in", "--limit", "2", "--cursor", page[-1]["id"], "--json"))
    assert [i["path"] for i in rest] == ["in/note2.txt"]


def test_add_wait_timeout_lists_unfinished_files_and_hands_jobs_back(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.filegen import make_pdf

    # Scanned pages take seconds to OCR: the timeout runs out while the job runs.
    make_pdf(tmp_path / "scan.pdf", ["FIRST SCANNED PAGE", "SECOND SCANNED PAGE"], scanned={1, 2})
    proc = cli("add", str(tmp_path / "scan.pdf"), "--wait", "--timeout", "1", check=False)
    assert proc.returncode == 3, proc.stderr
    assert "timed out" in proc.stdout and "scan.pdf" in proc.stdout
    engine = create_engine(cli.env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as c:
        job = c.execute(text("SELECT j.status, j.locked_by, j.attempts FROM jobs j JOIN users u ON u.id = j.owner_id "
                             "WHERE u.name = :u AND j.kind = 'ingest'"), {"u": cli.env["THEDRIVE_USER"]}).one()
    engine.dispose()
    assert job.status == "queued" and job.locked_by is None and job.attempts == 0, job
    again = as_json(cli("add", str(tmp_path / "scan.pdf"), "--folder", "again", "--wait", "--json"))
    assert again["unfinished"] == [] and again["errors"] == []
    assert {i["status"] for i in as_json(cli("ls", "--json"))} == {"ready", None}


def test_add_wait_ingests_files_while_the_rest_still_upload(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The second file is a pipe: its upload lasts until this test writes it, after the first file is ready.
    (tmp_path / "first.txt").write_text("The lighthouse keeper logged the storm on Tuesday.\n")
    pipe = tmp_path / "second.txt"
    os.mkfifo(pipe)
    proc = subprocess.Popen([sys.executable, "-m", "drive", "add", str(tmp_path / "first.txt"), str(pipe), "--wait",
                             "--json"], cwd=tmp_path, env=cli.env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    engine = create_engine(cli.env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))

    def status(name: str) -> str | None:
        with engine.connect() as c:
            return c.execute(text("SELECT i.status FROM items i JOIN users u ON u.id = i.owner_id "
                                  "WHERE u.name = :u AND i.name = :n"), {"u": cli.env["THEDRIVE_USER"], "n": name}
                             ).scalar()

    try:
        deadline = time.monotonic() + 120
        while status("first.txt") != "ready" and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        ready_while_uploading = status("first.txt") == "ready" and status("second.txt") is None
    finally:
        with pipe.open("w") as w:  # lets the upload (and the command) finish either way
            w.write("The second note names the ferry captain.\n")
    out, err = proc.communicate(timeout=300)
    engine.dispose()
    assert proc.returncode == 0, err
    assert ready_while_uploading, "the first file was not ingested while the second was still uploading"
    assert [i["status"] for i in json.loads(out)["added"]] == ["ready", "ready"]
