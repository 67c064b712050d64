"""``python -m drive token ...`` and ``python -m drive serve`` as a person runs them: subprocesses on the
test database, a client with the token the CLI printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import text

from drive.store.db import make_engine
from tests.conftest import free_port


def test_cli_tokens_and_serve_with_its_own_worker(tmp_path: Path, database_url: str) -> None:
    """``token create|list|revoke`` and ``serve`` as a person runs them; the server's own worker runs the job."""
    root = Path(__file__).resolve().parents[2]
    user = f"cli{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "THEDRIVE_HOME": str(tmp_path / "home"), "DATABASE_URL": database_url,
           "THEDRIVE_APP_WORKERS": "1", "PYTHONPATH": str(root), "THEDRIVE_COMMUNITY_DEBOUNCE_SECONDS": "0"}
    env.pop("OPENAI_BASE_URL", None)
    env.pop("OPENAI_API_KEY", None)

    def drive_cli(*args: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "drive", *args], env=env, cwd=tmp_path, text=True,
                              capture_output=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    token = drive_cli("token", "create", "--user", user, "--label", "sync client").strip().splitlines()[-1]
    listed = json.loads(drive_cli("token", "list", "--user", user, "--json"))
    assert [(t["user"], t["label"], t["revoked_at"]) for t in listed] == [(user, "sync client", None)]
    assert token not in json.dumps(listed) and token.startswith(listed[0]["prefix"])
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "drive", "serve", "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        auth = {"Authorization": f"Bearer {token}"}
        item = httpx.post(f"{base}/files", headers=auth, files={"file": ("hello.txt", b"Hello from the API.")}).json()[0]
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            status = httpx.get(f"{base}/files/{item['id']}", headers=auth).json()["status"]
            if status in ("ready", "failed"):
                break
            time.sleep(0.3)
        assert status == "ready"
        engine = make_engine(database_url)
        with engine.connect() as conn:
            ran_by = conn.execute(text("SELECT locked_by FROM jobs WHERE item_id = :i AND kind = 'ingest'"),
                                  {"i": item["id"]}).scalar()
        engine.dispose()
        assert f":{server.pid}:" in str(ran_by), "the server's own in-process worker processed the upload"
        drive_cli("token", "revoke", listed[0]["id"])
        assert httpx.get(f"{base}/files", headers=auth).status_code == 401
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
        engine = make_engine(database_url)
        with engine.begin() as conn:  # its graph jobs need this test's blob store: no later test can run them
            conn.execute(text("DELETE FROM jobs WHERE owner_id IN (SELECT id FROM users WHERE name = :n)"), {"n": user})
        engine.dispose()
    assert token not in output
