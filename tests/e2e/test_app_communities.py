# ruff: noqa: F811 - the fixtures imported from test_app are redefined as test parameters, as pytest intends
"""Community details open where the person is looking: inside the clicked card, not at the top of the
page; a second click closes it."""

from __future__ import annotations

import pytest

from drive.core import Drive
from drive.service import DriveService
from drive.settings import Settings
from tests.e2e.test_app import drive, env, filled, start, svc, tag  # noqa: F401 - fixtures
from ui.communities_ui import title_of
from ui.format import literal


def test_an_opened_community_unfolds_inside_its_card(env: Settings, filled: DriveService, drive: Drive) -> None:
    from drive.store.graph_view import snapshot

    snap = snapshot(drive.db, filled.owner)
    if not snap.communities:
        pytest.fail("the communities job produced no communities for two linked files")
    tops = sorted((c for c in snap.communities if c.level == 0), key=lambda c: (-len(c.entities), c.title))
    chosen = tops[-1]  # the last card: the one whose details used to open out of view
    at = start("app_pages/communities.py")
    at.button(key=f"comm_open_{chosen.id}").click().run()
    assert not at.exception
    shown = [m.value for m in at.main.markdown]
    heading = next(i for i, v in enumerate(shown) if v.startswith(f"**{literal(title_of(chosen))}**"))
    assert shown[heading + 1:].index("**Members**") >= 0
    others = [i for i, v in enumerate(shown) for c in tops if c is not chosen and v.startswith(f"**{literal(title_of(c))}**")]
    members_at = shown.index("**Members**")
    assert all(i < heading for i in others)  # the detail follows its own title, after the cards above it
    assert members_at > heading
    assert sorted(at.dataframe[0].value["entity"]) == sorted(chosen.entities)
    assert at.button(key=f"comm_open_{chosen.id}").label == "Close"

    at.button(key=f"comm_open_{chosen.id}").click().run()
    assert "**Members**" not in [m.value for m in at.main.markdown]
