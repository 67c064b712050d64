"""``drive backup`` and ``drive restore`` as an operator runs them: the master key stays out of the backup
and is asked for, a damaged file or a non-empty home is refused with nothing written, and the restored drive
lists and serves the same files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
Run = Callable[..., subprocess.CompletedProcess[str]]


def runner(tmp_path: Path, home: Path, url: str) -> Run:
    env = {**os.environ, "THEDRIVE_HOME": str(home), "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    env.pop("THEDRIVE_MASTER_KEY", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "drive", *args], cwd=tmp_path, env=env, text=True,
                              capture_output=True, timeout=300)

    return run


def table_count(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as c:
        count = c.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar_one()
    engine.dispose()
    return int(count)


def row_count(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as c:
        count = c.execute(text("SELECT count(*) FROM users")).scalar_one() + c.execute(
            text("SELECT count(*) FROM blobs")).scalar_one()
    engine.dispose()
    return int(count)


def with_bad_rows(good: Path, bad: Path) -> Path:
    """The backup with rows the database refuses (an item row missing most of its columns), its checksums
    matching: the load fails after the blobs were written."""
    rows = b"00000000-0000-0000-0000-00000000000a\tnot-a-uuid\n"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as out:
        manifest = json.loads(src.read("manifest.json"))
        for table in manifest["tables"]:
            if table["name"] == "items":
                table["sha256"] = hashlib.sha256(rows).hexdigest()
        for name in src.namelist():
            data = rows if name == "tables/items.copy" else src.read(name)
            out.writestr(name, json.dumps(manifest) if name == "manifest.json" else data)
    return bad


def test_backup_and_restore_from_the_command_line(new_database: Callable[[bool], str], tmp_path: Path) -> None:
    src_home, dst_home, target = tmp_path / "one", tmp_path / "two", new_database(False)
    src, dst = runner(tmp_path, src_home, new_database(True)), runner(tmp_path, dst_home, target)
    (tmp_path / "plan.txt").write_text("launch on the 4th of May")
    (tmp_path / "data.bin").write_bytes(os.urandom(200_000))
    assert src("add", str(tmp_path / "plan.txt"), str(tmp_path / "data.bin"), "--folder", "project").returncode == 0
    made = src("backup", "drive.zip")
    assert made.returncode == 0 and "2 blob(s)" in made.stdout and "NOT in the backup" in made.stdout
    again = src("backup", "drive.zip")
    assert again.returncode == 2 and "already exists" in again.stderr

    no_key = dst("restore", "drive.zip")
    assert no_key.returncode == 2 and "master key" in no_key.stderr and "THEDRIVE_MASTER_KEY" in no_key.stderr
    data = (tmp_path / "drive.zip").read_bytes()
    (tmp_path / "cut.zip").write_bytes(data[: len(data) - 300])
    cut = dst("restore", "cut.zip")
    assert cut.returncode == 2 and "damaged or truncated" in cut.stderr
    assert not dst_home.exists() and table_count(target) == 0, "nothing written"

    dst_home.mkdir()
    shutil.copy(src_home / "master.key", dst_home / "master.key")
    bad_rows = dst("restore", str(with_bad_rows(tmp_path / "drive.zip", tmp_path / "bad.zip")))
    assert bad_rows.returncode == 2 and "could not be loaded, nothing was restored" in bad_rows.stderr
    assert [p.name for p in dst_home.iterdir()] == ["master.key"] and row_count(target) == 0, "undone"
    done = dst("restore", "drive.zip")
    assert done.returncode == 0, done.stderr
    assert dst("ls", "--json").stdout == src("ls", "--json").stdout
    got = dst("get", "project/data.bin", "-o", str(tmp_path / "back.bin"))
    assert got.returncode == 0 and (tmp_path / "back.bin").read_bytes() == (tmp_path / "data.bin").read_bytes()
    assert dst("check").returncode == 0
    twice = dst("restore", "drive.zip")
    assert twice.returncode == 2 and "not empty" in twice.stderr
