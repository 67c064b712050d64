"""``drive check`` and ``drive rotate-key`` as an operator runs them, on a database of their own (check
looks at every owner's blobs, so it must not see other tests' drives)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from drive.store.db import make_engine, migrate

ROOT = Path(__file__).resolve().parents[2]
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def own_database(database_url: str) -> Iterator[str]:
    name = f"check_{uuid.uuid4().hex[:10]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    with engine.connect() as c:
        c.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        c.commit()
    migrate(engine)
    engine.dispose()
    yield url
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def cli(tmp_path: Path, own_database: str) -> Run:
    env = {**os.environ, "THEDRIVE_HOME": str(tmp_path / "home"), "DATABASE_URL": own_database,
           "PYTHONPATH": str(ROOT)}
    env.pop("THEDRIVE_MASTER_KEY", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "drive", *args], cwd=tmp_path, env=env, text=True,
                              capture_output=True, timeout=300)

    return run


def blob_files(home: Path) -> list[Path]:
    return [p for p in (home / "blobs").rglob("*") if p.is_file()]


def test_check_reports_damage_orphans_and_missing_blobs(cli: Run, tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"f{n}.txt").write_text(f"file number {n}")
    assert cli("add", *(str(tmp_path / f"f{n}.txt") for n in range(3))).returncode == 0
    ok = cli("check")
    assert ok.returncode == 0 and "3 blob(s) checked" in ok.stdout and "all is well" in ok.stdout
    home = tmp_path / "home"
    first, second = sorted(blob_files(home))[:2]
    damaged = bytearray(first.read_bytes())
    damaged[-1] ^= 1
    first.write_bytes(bytes(damaged))
    second.unlink()
    orphan = home / "blobs" / "stray" / "object"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left over")
    bad = cli("check")
    assert bad.returncode == 1 and "problems found" in bad.stdout
    assert "damaged:" in bad.stdout and "missing:" in bad.stdout and "orphan object: stray/object" in bad.stdout
    repaired = cli("check", "--repair")
    assert "1 orphan(s) removed" in repaired.stdout and not orphan.exists()
    assert repaired.returncode == 1, "a damaged or missing blob cannot be redone: still reported"


def test_rotate_key_keeps_every_file_readable(cli: Run, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("the code is 4471")
    assert cli("add", str(tmp_path / "secret.txt")).returncode == 0
    key_file = tmp_path / "home" / "master.key"
    before = key_file.read_text()
    assert b"4471" not in b"".join(p.read_bytes() for p in blob_files(tmp_path / "home"))
    rotated = cli("rotate-key")
    assert rotated.returncode == 0 and "re-wrapped 1 data key(s)" in rotated.stdout
    assert key_file.read_text() != before and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    got = cli("get", "secret.txt", "-o", "-")
    assert got.returncode == 0 and got.stdout == "the code is 4471"
    assert cli("check").returncode == 0
