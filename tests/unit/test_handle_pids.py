"""The embedded server's list of processes using it forgets the ones that died without saying so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from drive.store.pg_reaper import prune_handle_pids


def test_dead_pids_are_pruned_and_live_ones_kept(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    listing = tmp_path / ".handle_pids.json"
    listing.write_text(json.dumps([os.getpid(), gone.pid]))
    assert prune_handle_pids(tmp_path) == [os.getpid()]
    assert json.loads(listing.read_text()) == [os.getpid()]


def test_a_missing_or_garbled_list_is_left_alone(tmp_path: Path) -> None:
    assert prune_handle_pids(tmp_path) == []
    (tmp_path / ".handle_pids.json").write_text("not json")
    assert prune_handle_pids(tmp_path) == []
    assert (tmp_path / ".handle_pids.json").read_text() == "not json"
