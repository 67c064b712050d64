"""Hostile and huge files through the real queue and worker: each fails (or is cut) alone with a reason a
person can read, once, and the files around it are processed as usual."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from sqlalchemy import text

from drive.core import Drive, open_drive
from drive.jobs.drain import drain
from drive.jobs.worker import Worker
from drive.ml.models import Models
from drive.pipeline.handlers import handlers
from drive.records import Status
from drive.service import DriveService
from tests.conftest import make_settings
from tests.filegen import make_png_declaring, make_text


def attempts(drive: Drive, item_id: uuid.UUID) -> int:
    with drive.db.session() as s:
        return int(s.execute(text("SELECT attempts FROM jobs WHERE item_id = :i AND kind = 'ingest'"),
                             {"i": item_id}).scalar_one())


def test_hostile_files_fail_once_with_a_readable_reason(drive: Drive, svc: DriveService, worker: Worker,
                                                        tmp_path: Path) -> None:
    bomb = make_png_declaring(tmp_path / "huge.png", 13000, 13000)
    bomb_info = svc.upload(io.BytesIO(bomb.read_bytes()), "huge.png")
    fake_info = svc.upload(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 100), "fake_magic.png")
    fine_info = svc.upload(io.BytesIO(b"Otters hold hands while sleeping."), "otters.txt")
    digits = "9" * 100_000
    number_info = svc.upload(io.BytesIO(('{"n": ' + digits + "}").encode()), "number.json")
    drain(worker, timeout=300)

    bomb_got, fake_got = svc.get(bomb_info.id), svc.get(fake_info.id)
    assert bomb_got.status == Status.FAILED and "megapixels" in (bomb_got.error or "")
    assert fake_got.status == Status.FAILED and "fake_magic.png" in (fake_got.error or "")
    for got in (bomb_got, fake_got):
        assert "spool" not in (got.error or "") and str(drive.settings.home) not in (got.error or "")
        assert attempts(drive, got.id) == 1, "a file that cannot be read is not retried"
    assert svc.get(fine_info.id).status == Status.READY
    number = svc.get(number_info.id)
    assert number.status == Status.READY and number.error is None


def test_a_file_over_the_passage_limit_is_ready_with_its_first_part(tmp_path: Path, database_url: str,
                                                                   models: Models) -> None:
    settings = make_settings(tmp_path / "home", database_url, THEDRIVE_MAX_CHUNKS=5)
    drive = open_drive(settings, run_sweep=False)
    with drive.db.session() as s:
        s.execute(text("DELETE FROM jobs"))  # other tests' leftovers are not this worker's
    try:
        svc = drive.service(drive.user_id(f"u{uuid.uuid4().hex[:12]}"))
        body = "\n\n".join(f"Paragraph {n} talks about otter number {n}. " * 20 for n in range(200))
        info = svc.upload(io.BytesIO(make_text(tmp_path / "long.txt", body).read_bytes()), "long.txt")
        drain(Worker(drive, handlers(), models=models), timeout=300)
        got = svc.get(info.id)
        assert got.status == Status.READY
        assert got.error and "only the first" in got.error and "5 passages" in got.error
        with drive.db.session() as s:
            count = s.execute(text("SELECT count(*) FROM chunks WHERE item_id = :i"), {"i": info.id}).scalar_one()
        assert count == 5
    finally:
        drive.close()
