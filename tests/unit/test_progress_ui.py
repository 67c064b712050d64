"""A batch over many items shows a progress bar that names each item, reports every failure and goes on."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Progress


def _batch() -> None:
    from drive.errors import DriveError
    from ui import progress

    done: list[str] = []

    def act(name: str) -> None:
        if name == "**b**.txt":
            raise DriveError("it is locked")
        done.append(name)

    failed = progress.each(["a.txt", "**b**.txt", "c.txt"], act, lambda n: n, "Deleting", "deleted")
    import streamlit as st

    st.text(f"done={done} failed={failed}")


def test_a_batch_shows_progress_reports_failures_and_finishes_the_rest() -> None:
    at = AppTest.from_function(_batch).run()
    assert not at.exception, at.exception
    assert at.text[0].value == "done=['a.txt', 'c.txt'] failed=['**b**.txt: it is locked']"
    box = at.status[0]
    assert box.label == "2 items deleted, 1 not" and box.state == "error"
    bar = box.get("progress")[0]
    assert isinstance(bar, Progress)
    assert bar.value == 100 and bar.proto.text == "2 of 3 deleted"
    assert [c.value for c in box.caption] == [":red[\\*\\*b\\*\\*.txt\\: it is locked]"]
