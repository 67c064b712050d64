"""The HTTP API as a client meets it: a real uvicorn server on a free port, real database and files, httpx.

One server (with one in-process worker) serves the module; two users' tokens check isolation on every
endpoint. The streamed answer is checked against a second server whose LLM is a local OpenAI-compatible stub.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import text

from drive.api.app import create_app
from drive.core import Drive, open_drive
from drive.ml.models import Models
from drive.settings import Settings
from drive.store import tokens
from tests.conftest import free_port, make_settings
from tests.filegen import make_docx
from tests.openai_stub import OpenAIStub

CURIE = ("Marie Curie discovered polonium in July 1898 in Paris, together with Pierre Curie. "
         "She named the element after Poland, her native country.\n") * 3
LIMIT = 300_000  # THEDRIVE_MAX_UPLOAD_BYTES of the test server
ANSWER_KEYS = {"answer", "short_answer", "found", "note", "mode", "citations", "timings_ms"}  # as ask --json prints


class Logged(logging.Handler):
    """Every log line of the server process, formatted as a log file would hold it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class Server:
    url: str
    drive: Drive
    logged: Logged

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url + "/api/v1", headers=headers, timeout=60)

    def user(self, prefix: str) -> tuple[uuid.UUID, str]:
        owner = self.drive.user_id(f"{prefix}{uuid.uuid4().hex[:8]}")
        return owner, tokens.create(self.drive.db, owner, "test")[1]


def serve(settings: Settings, models: Models, workers: int, clear_jobs: bool = False) -> Iterator[Server]:
    """A uvicorn server in a thread. ``clear_jobs``: every queued job goes before and after, since each test
    home has its own blob store and another's jobs cannot run here, nor this one's there."""
    drive = open_drive(settings, run_sweep=False)
    if clear_jobs:
        _clear_jobs(drive)
    logged = Logged()
    root = logging.getLogger()
    root.addHandler(logged)
    old_level = root.level
    root.setLevel(logging.INFO)
    port = free_port()
    config = uvicorn.Config(create_app(settings, drive=drive, models=models, workers=workers), host="127.0.0.1",
                            port=port, log_config=None, access_log=True, log_level="info")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the API server did not start"
    try:
        yield Server(f"http://127.0.0.1:{port}", drive, logged)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        root.removeHandler(logged)
        root.setLevel(old_level)
        if clear_jobs:
            _clear_jobs(drive)
        drive.close()


def _clear_jobs(drive: Drive) -> None:
    with drive.db.session() as s:
        s.execute(text("DELETE FROM jobs"))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, database_url: str, models: Models) -> Iterator[Server]:
    settings = make_settings(tmp_path_factory.mktemp("api"), database_url, THEDRIVE_MAX_UPLOAD_BYTES=LIMIT,
                             THEDRIVE_API_AUTH_MAX_DELAY=0.4, THEDRIVE_API_CORS_ORIGINS="https://web.example")
    yield from serve(settings, models, workers=1, clear_jobs=True)


@pytest.fixture(scope="module")
def ready(api: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """User A with two processed files in ``reports/``: curie.txt and a Word file."""
    owner, token = api.user("a")
    docx = make_docx(tmp_path_factory.mktemp("docs") / "lovelace.docx", "Ada Lovelace",
                     ["Ada Lovelace wrote the first program for the Analytical Engine of Charles Babbage."])
    with api.client(token) as c:
        r = c.post("/files", data={"folder": "reports"}, files=[
            ("file", ("curie.txt", CURIE.encode(), "text/plain")),
            ("file", ("lovelace.docx", docx.read_bytes(), "application/octet-stream")),
        ])
        assert r.status_code == 201, r.text
        created = r.json()
        assert [i["path"] for i in created] == ["reports/curie.txt", "reports/lovelace.docx"]
        assert all(i["status"] == "pending" and i["type"] == "file" for i in created)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            states = [c.get(f"/files/{i['id']}").json()["status"] for i in created]
            if all(s in ("ready", "failed") for s in states):
                break
            time.sleep(0.3)
        assert states == ["ready", "ready"], states
        folder = next(i for i in c.get("/files").json() if i["path"] == "reports")
    return {"owner": owner, "token": token, "files": {i["name"]: i for i in created}, "folder": folder,
            "docx": docx.read_bytes()}


def test_upload_becomes_ready_and_the_answer_cites_the_file(api: Server, ready: dict[str, Any]) -> None:
    with api.client(ready["token"]) as c:
        r = c.post("/ask", json={"question": "When did Marie Curie discover polonium?"})
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        body = r.json()
        assert set(body) == ANSWER_KEYS, "the same answer as ask --json"
        assert body["found"] is True and "1898" in body["short_answer"] and "1898" in body["answer"]
        assert body["citations"][0]["file"] == "curie.txt"
        assert body["citations"][0]["item_id"] == ready["files"]["curie.txt"]["id"]
        narrowed = c.post("/ask", json={"question": "Who wrote the first program?", "type": ["docx"],
                                        "folder": "reports"}).json()
        assert {x["file"] for x in narrowed["citations"]} == {"lovelace.docx"}


def test_download_whole_and_ranges_byte_identical(api: Server, ready: dict[str, Any]) -> None:
    item, data = ready["files"]["lovelace.docx"], ready["docx"]
    with api.client(ready["token"]) as c:
        whole = c.get(f"/files/{item['id']}/content")
        assert whole.status_code == 200 and whole.content == data
        assert whole.headers["content-disposition"].startswith('attachment; filename="lovelace.docx"')
        assert whole.headers["accept-ranges"] == "bytes" and whole.headers["x-content-type-options"] == "nosniff"
        part = c.get(f"/files/{item['id']}/content", headers={"Range": "bytes=100-1099"})
        assert part.status_code == 206 and part.content == data[100:1100]
        assert part.headers["content-range"] == f"bytes 100-1099/{len(data)}"
        tail = c.get(f"/files/{item['id']}/content", headers={"Range": "bytes=-10"})
        assert tail.status_code == 206 and tail.content == data[-10:]
        rebuilt = b"".join(c.get(f"/files/{item['id']}/content", headers={"Range": f"bytes={i}-{i + 4095}"}).content
                           for i in range(0, len(data), 4096))
        assert hashlib.sha256(rebuilt).hexdigest() == item["sha256"]
        beyond = c.get(f"/files/{item['id']}/content", headers={"Range": f"bytes={len(data)}-"})
        assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(data)}"


def sse(response: httpx.Response) -> list[tuple[str, Any]]:
    """Server-Sent Events as a client parses them, line by line as they arrive."""
    events, name, data = [], "message", []
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            events.append((name, json.loads("\n".join(data))))
            name, data = "message", []
    return events


def test_streamed_answer_offline_is_one_token_then_the_answer(api: Server, ready: dict[str, Any]) -> None:
    with api.client(ready["token"]) as c, c.stream(
            "POST", "/ask", json={"question": "When did Marie Curie discover polonium?"},
            headers={"Accept": "text/event-stream"}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = sse(r)
    assert [n for n, _ in events] == ["token", "answer"]
    assert events[0][1]["text"] == events[1][1]["answer"] and events[1][1]["citations"][0]["file"] == "curie.txt"


def test_streamed_llm_answer_grows_token_by_token(api: Server, ready: dict[str, Any], tmp_path: Path,
                                                  database_url: str) -> None:
    reply = "Marie Curie discovered polonium in July 1898 [1]."
    with OpenAIStub([reply], chunk_chars=4, chunk_delay=0.01) as stub:
        settings = make_settings(tmp_path / "llm", database_url, OPENAI_BASE_URL=stub.base_url,
                                 OPENAI_API_KEY="test", THEDRIVE_LLM_MODEL="stub-model")
        llm_models = Models(settings)
        for server in serve(settings, llm_models, workers=0):
            with server.client(ready["token"]) as c, c.stream(
                    "POST", "/ask", json={"question": "When did Marie Curie discover polonium?", "stream": True,
                                          "mode": "hybrid"}) as r:
                assert r.status_code == 200
                events = sse(r)
    names = [n for n, _ in events]
    assert names[-1] == "answer" and set(names[:-1]) == {"token"} and len(names) > 5, names
    assert "".join(e["text"] for n, e in events[:-1]) == reply
    answer = events[-1][1]
    assert answer["answer"] == reply and [c["file"] for c in answer["citations"]] == ["curie.txt"]


def test_another_users_ids_are_missing_on_every_endpoint(api: Server, ready: dict[str, Any]) -> None:
    _, intruder = api.user("b")
    doc, folder = ready["files"]["curie.txt"], ready["folder"]
    session = ready_session(api, ready)
    with api.client(intruder) as c:
        assert c.get("/files").json() == []
        for method, path, body in [
            ("GET", f"/files/{doc['id']}", None), ("GET", f"/files/{doc['id']}/content", None),
            ("PATCH", f"/files/{doc['id']}", {"name": "mine.txt"}), ("DELETE", f"/files/{doc['id']}", None),
            ("POST", f"/files/{doc['id']}/reprocess", None), ("GET", f"/files?folder={folder['id']}", None),
            ("POST", "/ask", {"question": "polonium?", "folder": folder["id"]}),
            ("POST", "/ask", {"question": "polonium?", "session_id": session}),
            ("GET", "/graph/entities/Marie Curie", None),
        ]:
            r = c.request(method, path, json=body)
            assert r.status_code == 404, (method, path, r.text)
            assert r.headers["content-type"] == "application/problem+json" and r.json()["status"] == 404
        graph = c.get("/graph").json()
        assert graph["entities"] == [] and graph["relationships"] == []
        answer = c.post("/ask", json={"question": "When did Marie Curie discover polonium?"}).json()
        assert answer["citations"] == [] and "1898" not in answer["answer"]
        # Moving one's own file into the other user's folder (by id) finds no such folder.
        mine = c.post("/files", files={"file": ("x.txt", b"an intruder's own note")}).json()[0]
        assert c.patch(f"/files/{mine['id']}", json={"folder": folder["id"]}).status_code == 404
    with api.client(ready["token"]) as c:
        assert c.get(f"/files/{doc['id']}").json()["name"] == "curie.txt", "untouched by the other user"
        entity = c.get("/graph/entities/Marie Curie")
        assert entity.status_code == 200 and "curie.txt" in entity.json()["files"]


def ready_session(api: Server, ready: dict[str, Any]) -> str:
    """A conversation of user A, made over the API, with one question and answer in it."""
    with api.client(ready["token"]) as c:
        made = c.post("/sessions", json={"title": "polonium"})
        assert made.status_code == 201
        session = made.json()["id"]
        assert c.post("/ask", json={"question": "When did Marie Curie discover polonium?",
                                    "session_id": session}).status_code == 200
    from drive.store.chats import messages

    assert [m.role for m in messages(api.drive.db, ready["owner"], uuid.UUID(session))] == ["user", "assistant"]
    return str(session)


def test_files_crud_listing_pages_and_folders(api: Server) -> None:
    _, token = api.user("c")
    with api.client(token) as c:
        assert c.post("/folders", json={"path": "inbox/2024"}).json()["path"] == "inbox/2024"
        made = [c.post("/files", data={"folder": "inbox"},
                       files={"file": (f"n{n}.txt", f"note {n}".encode(), "text/plain")}).json()[0]
                for n in range(5)]
        seen, url, pages = [], "/files?limit=2", 0
        while url:
            r = c.get(url)
            seen += [i["path"] for i in r.json()]
            pages += 1
            url = r.headers.get("x-next-cursor") and f"/files?limit=2&cursor={r.headers['x-next-cursor']}"
            assert ('rel="next"' in r.headers.get("link", "")) == bool(url)
        assert pages == 4 and seen == sorted(seen) and len(set(seen)) == 7
        assert seen[0] == "inbox" and "inbox/2024" in seen and "inbox/n4.txt" in seen
        assert [i["name"] for i in c.get("/files?folder=inbox/2024").json()] == []
        assert {i["status"] for i in c.get("/files?status=pending").json()} <= {"pending"}
        moved = c.patch(f"/files/{made[0]['id']}", json={"name": "renamed.txt", "folder": "inbox/2024"})
        assert moved.status_code == 200 and moved.json()["path"] == "inbox/2024/renamed.txt"
        clash = c.patch(f"/files/{made[1]['id']}", json={"name": "n2.txt"})
        assert clash.status_code == 409 and clash.headers["content-type"] == "application/problem+json"
        assert c.post(f"/files/{made[1]['id']}/reprocess").status_code == 202
        assert c.delete(f"/files/{made[1]['id']}").status_code == 204
        assert c.get(f"/files/{made[1]['id']}").status_code == 404
        to_root = c.patch(f"/files/{made[2]['id']}", json={"folder": ""})
        assert to_root.json()["path"] == "n2.txt"


def test_errors_401_404_413_422_as_problem_documents(api: Server) -> None:
    _, token = api.user("d")
    with api.client() as anon:
        assert anon.get("/health").json() == {"status": "ok", "database": True}
        spec = anon.get("/openapi.json").json()
        assert "/api/v1/ask" in spec["paths"] and "/api/v1/files/{item_id}/content" in spec["paths"]
        docs = anon.get("/docs").text  # Swagger UI from our own server: it works offline
        script = docs.split('src="', 1)[1].split('"', 1)[0]
        assert script.startswith("/api/v1/docs-assets/") and "cdn" not in docs.lower()
        assert "SwaggerUIBundle" in anon.get(script.removeprefix("/api/v1")).text
        r = anon.get("/files")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert r.headers["content-type"] == "application/problem+json" and r.json()["title"] == "Unauthorized"
        anonymous_upload = anon.post("/files", files={"file": ("big.bin", b"x" * (LIMIT + 2 * 1024 * 1024))})
        assert anonymous_upload.status_code == 401, "refused at its headers, before its size is even looked at"
    with api.client("tdr_" + "x" * 43) as wrong:
        assert wrong.get("/files").status_code == 401
    with api.client(token) as c:
        assert c.get(f"/files/{uuid.uuid4()}").status_code == 404
        assert c.get("/graph/entities/Nobody At All").status_code == 404
        too_big = c.post("/files", files={"file": ("big.bin", b"x" * (LIMIT + 1))})
        assert too_big.status_code == 413 and "limit" in too_big.json()["detail"]
        huge = c.post("/files", files={"file": ("huge.bin", b"x" * (LIMIT + 2 * 1024 * 1024))})
        assert huge.status_code == 413 and huge.headers["content-type"] == "application/problem+json"
        big_json = c.post("/ask", json={"question": "q" * 3000, "pad": "x" * 2_000_000})
        assert big_json.status_code == 413
        for r in [c.get("/files/not-a-uuid"), c.post("/ask", json={"question": ""}),
                  c.post("/ask", json={"question": "q", "mode": "telepathy"}),
                  c.post("/ask", json={"question": "q", "since": "last tuesday"}),
                  c.patch(f"/files/{uuid.uuid4()}", json={"colour": "red"}),
                  c.post("/files", files={"file": ("empty.txt", b"")}), c.get("/files?status=done")]:
            assert r.status_code == 422, r.text
            assert r.headers["content-type"] == "application/problem+json" and r.json()["detail"]
        partial = c.post("/files", files=[("file", ("ok.txt", b"fine")), ("file", ("ok.txt", b"again"))])
        assert partial.status_code == 409
        assert [i["name"] for i in partial.json()["created"]] == ["ok.txt"], "nothing created is lost"
        assert [i["name"] for i in c.get("/files").json()] == ["ok.txt"]


def test_bad_tokens_are_slowed_down_and_never_logged(api: Server) -> None:
    _, token = api.user("e")
    with api.client("tdr_guess") as bad:
        times = []
        for _ in range(5):
            t = time.monotonic()
            assert bad.get("/files").status_code == 401
            times.append(time.monotonic() - t)
    # The wait grows with each failure (relative checks: a busy machine slows every request alike).
    assert times[4] >= 0.35 and times[4] > times[0] + 0.3, times
    with api.client(token) as good:
        assert good.get("/files").status_code == 200  # waits once more, then the client starts afresh
        t = time.monotonic()
        assert good.get("/files").status_code == 200
        assert time.monotonic() - t < times[4] - 0.3, "the success cleared this client's record"
        cors = good.options("/files", headers={"Origin": "https://web.example", "Access-Control-Request-Method": "GET",
                                               "Access-Control-Request-Headers": "authorization"})
        assert cors.headers["access-control-allow-origin"] == "https://web.example"
        assert "access-control-allow-origin" not in good.options(
            "/files", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}).headers
    logged = "\n".join(api.logged.lines)
    assert "GET /api/v1/files" in logged, "the access log is on"
    assert token not in logged and "tdr_guess" not in logged

