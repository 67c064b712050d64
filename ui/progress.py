"""Progress for an action over many items (move, reprocess or delete several files): a status box with a bar
that names the item being done, so a long batch shows it is moving; one item's failure does not stop the rest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import streamlit as st

from drive.errors import DriveError
from ui.format import literal

T = TypeVar("T")


def each(items: Sequence[T], action: Callable[[T], object], name: Callable[[T], str], doing: str,
         done: str) -> list[str]:
    """Run ``action`` on every item under a progress bar; returns "name: reason" for each item that failed.

    ``doing`` names the action while it runs ("Deleting"), ``done`` once finished ("deleted").
    """
    total = len(items)
    failed: list[str] = []
    with st.status(f"{doing} {_count(total)}…", expanded=True) as box:
        bar = st.progress(0.0)
        for i, item in enumerate(items):
            # Names are shown literally: the bar's text is Markdown.
            bar.progress(i / total, text=f"{doing} {literal(name(item))} ({i + 1}/{total})")
            try:
                action(item)
            except DriveError as exc:
                failed.append(f"{name(item)}: {exc}")
                st.caption(f":red[{literal(failed[-1])}]")
        ok = total - len(failed)
        bar.progress(1.0, text=f"{ok} of {total} {done}")
        box.update(label=f"{_count(ok)} {done}" + (f", {len(failed)} not" if failed else ""),
                   state="error" if failed else "complete", expanded=bool(failed))
    return failed


def _count(n: int) -> str:
    return f"{n} item{'s' if n != 1 else ''}"
