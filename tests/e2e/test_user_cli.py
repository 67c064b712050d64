"""The CLI and the app agree on who exists (accounts on): ``user`` commands, and ``--user`` that never
invents an account. Subprocesses against the real database, as an administrator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from drive.store import sessions
from drive.store.db import Database, make_engine
from drive.store.users import AuthError, sign_in, sign_up

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def admin(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "THEDRIVE_"))}
    env.update(THEDRIVE_HOME=str(tmp_path / "home"), DATABASE_URL=database_url, THEDRIVE_ACCOUNTS="true",
               PYTHONPATH=str(ROOT))

    def run(*args: str, stdin: str = "", check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([sys.executable, "-m", "drive", *args], cwd=tmp_path, env=env, text=True,
                              input=stdin, capture_output=True, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(f"{args} exited {proc.returncode}: {proc.stderr}")
        return proc

    return run


def _user_count(database_url: str, name: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as c:
            return int(c.execute(text("SELECT count(*) FROM users WHERE name_key = lower(:n)"), {"n": name}).scalar_one())
    finally:
        engine.dispose()


def test_cli_never_creates_the_user_it_is_told_to_act_as(admin, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    carol = f"carol{uuid.uuid4().hex[:8]}"
    for command in (("ls",), ("add", str(ROOT / "README.md")), ("token", "create")):
        proc = admin(*command, "--user", carol, check=False)
        assert proc.returncode == 2 and "no such user" in proc.stderr and "Traceback" not in proc.stderr
    assert _user_count(database_url, carol) == 0, "the name stays free for the app"

    admin("user", "create", carol, "--password-stdin", stdin="fern lantern orbit\n")
    note = tmp_path / "plan.txt"
    note.write_text("carol's plan")
    admin("add", str(note), "--user", carol.upper())  # any case names the same account
    listed = json.loads(admin("ls", "--user", carol, "--json").stdout)
    assert [i["name"] for i in listed] == ["plan.txt"]


def test_user_commands_create_list_disable_enable_reset(admin, database_url: str) -> None:  # type: ignore[no-untyped-def]
    name = f"dora{uuid.uuid4().hex[:8]}"
    weak = admin("user", "create", name, "--password-stdin", stdin="password\n", check=False)
    assert weak.returncode == 2 and "at least 10" in weak.stderr
    admin("user", "create", name, "--password-stdin", stdin="copper meadow signal\n")
    twin = admin("user", "create", name.upper(), "--password-stdin", stdin="copper meadow signal\n", check=False)
    assert twin.returncode == 2 and "taken" in twin.stderr

    db = Database(make_engine(database_url))
    try:
        user = sign_in(db, name, "copper meadow signal", client=name)
        live = sessions.redeem_code(db, sessions.issue_code(db, user), 3600)
        row = next(u for u in json.loads(admin("user", "list", "--json").stdout) if u["name"] == name)
        assert row["has_password"] and row["disabled_at"] is None

        admin("user", "disable", name)
        assert live and sessions.session_user(db, live) is None, "disabling signs the browser out"
        with pytest.raises(AuthError, match="disabled"):
            sign_in(db, name, "copper meadow signal", client=name)
        assert "disabled" in admin("user", "list").stdout
        admin("user", "enable", name)
        admin("user", "reset-password", name, "--password-stdin", stdin="harbor quiet violin\n")
        with pytest.raises(AuthError):
            sign_in(db, name, "copper meadow signal", client=name)
        assert sign_in(db, name, "harbor quiet violin", client=name) == user
        missing = admin("user", "disable", f"nobody{name}", check=False)
        assert missing.returncode == 2 and "no such user" in missing.stderr
    finally:
        db.dispose()


def test_nobody_can_sign_up_as_the_cli_default_user(admin, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from drive.store.users import reserved_names

    db = Database(make_engine(database_url))
    try:
        with pytest.raises(AuthError, match="reserved"):
            sign_up(db, "Local", "plenty long phrase", reserved=reserved_names("local"), client="t")
    finally:
        db.dispose()
    admin("ls")  # the CLI's own default user is made on first use, accounts on or not
    assert _user_count(database_url, "local") == 1
