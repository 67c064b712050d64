"""Concurrent tree changes: each one either happens whole or fails with a clear error, never a traceback,
a cycle, a wrong reason, or a surviving file that lost its rows."""

from __future__ import annotations

import io
import threading
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import text

from drive.core import Drive
from drive.errors import DriveError, InvalidMove, NameClash, NotFound
from drive.service import DriveService
from tests.conftest import ingest_only


def race(*actions: Callable[..., object]) -> list[BaseException | None]:
    """Run the actions at the same moment in threads; each one's exception (or None)."""
    barrier = threading.Barrier(len(actions))
    results: list[BaseException | None] = [None] * len(actions)

    def run(i: int, action: Callable[[], object]) -> None:
        barrier.wait()
        try:
            action()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertions
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_crossed_moves_never_build_a_cycle(svc: DriveService) -> None:
    for round_ in range(8):
        a, b = svc.mkdir(f"a{round_}"), svc.mkdir(f"b{round_}")
        results = race(lambda a=a, b=b: svc.move(a.id, b.id), lambda a=a, b=b: svc.move(b.id, a.id))
        errors = [r for r in results if r is not None]
        assert len(errors) == 1, f"exactly one move wins: {results}"
        assert isinstance(errors[0], InvalidMove) and "into itself" in str(errors[0])
        paths = {svc.get(a.id).path, svc.get(b.id).path}
        assert paths in ({f"a{round_}", f"a{round_}/b{round_}"}, {f"b{round_}", f"b{round_}/a{round_}"})


def test_removing_a_folder_while_its_child_moves_out_keeps_the_child_whole(
    drive: Drive, svc: DriveService, models: object
) -> None:
    outcomes = set()
    for round_ in range(4):
        folder = svc.mkdir(f"box{round_}")
        child = svc.upload(io.BytesIO(f"Otter {round_} lives in Lisbon with Maria Lopez.".encode()), "otter.txt",
                           folder.id)
        ingest_only(drive, models)  # type: ignore[arg-type]
        before = chunk_count(drive, child.id)
        assert before > 0
        removed, moved = race(lambda f=folder: svc.delete(f.id), lambda c=child: svc.move(c.id, None))
        assert removed is None, removed
        if moved is None:  # the move won: the child is at the top with all its rows
            assert svc.get(child.id).path == "otter.txt"
            assert chunk_count(drive, child.id) == before
            svc.delete(child.id)
            outcomes.add("moved")
        else:  # the delete won: the child went with its folder
            assert isinstance(moved, NotFound)
            with pytest.raises(NotFound):
                svc.get(child.id)
            outcomes.add("deleted")
    assert outcomes  # (which one wins each round is up to the scheduler)


def chunk_count(drive: Drive, item_id: uuid.UUID) -> int:
    with drive.db.session() as s:
        return int(s.execute(text("SELECT count(*) FROM chunks WHERE item_id = :i"), {"i": item_id}).scalar_one())


def test_uploading_into_a_folder_deleted_meanwhile_says_so(drive: Drive, svc: DriveService) -> None:
    folder = svc.mkdir("inbox")
    other = drive.service(svc.owner)

    class DeletesTheFolderWhileRead(io.BytesIO):
        def read(self, n: int | None = -1) -> bytes:
            piece = super().read(n)
            if not piece:
                other.delete(folder.id)
            return piece

    with pytest.raises(NotFound, match="no longer exists") as caught:
        svc.upload(DeletesTheFolderWhileRead(b"late letter"), "letter.txt", folder.id)
    assert not isinstance(caught.value, NameClash)
    assert [i.name for i in svc.list()] == [], "nothing half-added"
    with pytest.raises(NotFound, match="no longer exists"):
        svc.mkdir("sub", folder.id)


def test_a_name_clash_is_still_a_name_clash(svc: DriveService) -> None:
    svc.upload(io.BytesIO(b"one"), "same.txt")
    with pytest.raises(NameClash):
        svc.upload(io.BytesIO(b"two"), "same.txt")


def test_moving_to_an_id_that_is_not_one_of_your_folders_is_an_error(drive: Drive, svc: DriveService) -> None:
    mine = svc.upload(io.BytesIO(b"mine"), "mine.txt")
    note = svc.upload(io.BytesIO(b"note"), "note.txt")
    stranger = drive.service(drive.user_id(f"u{uuid.uuid4().hex[:12]}"))
    theirs = stranger.mkdir("theirs")
    with pytest.raises(NotFound, match="no such folder"):
        svc.move_to(mine.id, str(theirs.id))
    with pytest.raises(NotFound, match="no such folder"):
        svc.move_to(mine.id, str(uuid.uuid4()))
    with pytest.raises(InvalidMove, match="not a folder"):
        svc.move_to(mine.id, str(note.id))
    assert svc.get(mine.id).path == "mine.txt", "not renamed to the id"
    assert stranger.list(theirs.id) == []
    docs = svc.mkdir("docs")
    assert svc.move_to(mine.id, str(docs.id)).path == "docs/mine.txt"
    assert svc.move_to(mine.id, "renamed.txt").path == "renamed.txt"
    assert svc.move_to(mine.id, "docs/").path == "docs/renamed.txt"
    with pytest.raises(NotFound, match="no such folder"):
        svc.move_to(mine.id, "nowhere/x.txt")


def test_many_concurrent_tree_changes_end_in_success_or_a_drive_error(svc: DriveService) -> None:
    folders = [svc.mkdir(f"f{n}") for n in range(4)]
    actions: list[Callable[..., object]] = []
    for n in range(4):
        a, b = folders[n], folders[(n + 1) % 4]
        actions += [lambda a=a, b=b: svc.move(a.id, b.id), lambda n=n: svc.mkdir(f"new{n}", folders[n].id)]
    actions.append(lambda: svc.delete(folders[2].id))
    for result in race(*actions):
        assert result is None or isinstance(result, DriveError), repr(result)
    for info in svc.list(recursive=True):  # every surviving item still has a path from the top
        assert svc.get(info.id).path
