"""``mv`` on the command line: a destination id that is not one of your folders is an error, never a name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path: Path, database_url: str, user: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "THEDRIVE_HOME": str(tmp_path / "home"), "DATABASE_URL": database_url,
           "THEDRIVE_USER": user, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "drive", *args], cwd=tmp_path, env=env, text=True,
                          capture_output=True, timeout=300)


def test_mv_to_another_users_folder_id_is_refused(tmp_path: Path, database_url: str) -> None:
    me, them = f"me{uuid.uuid4().hex[:8]}", f"them{uuid.uuid4().hex[:8]}"
    theirs = json.loads(run(tmp_path, database_url, them, "mkdir", "private", "--json").stdout)
    (tmp_path / "mine.txt").write_text("my note")
    assert run(tmp_path, database_url, me, "add", str(tmp_path / "mine.txt")).returncode == 0
    moved = run(tmp_path, database_url, me, "mv", "mine.txt", theirs["id"])
    assert moved.returncode != 0 and "no such folder" in moved.stderr and "Traceback" not in moved.stderr
    paths = [i["path"] for i in json.loads(run(tmp_path, database_url, me, "ls", "--json").stdout)]
    assert paths == ["mine.txt"], "neither moved nor renamed to the id"
