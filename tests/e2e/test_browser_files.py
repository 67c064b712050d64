"""The Files page in headless Chromium against a real ``streamlit run``: "New folder" closes once the folder is
made, and at phone width (390×844) each row stays one line instead of stacking its cells into blocks.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.browser import ADA, ARTIFACTS, CURIE, WAIT_S, Served, new_page

pytestmark = pytest.mark.browser
ROW_MAX_PX = 64  # one line of a table row with its badge; stacked cells measure several times that


def _rows(page):  # type: ignore[no-untyped-def]
    """(name box, menu box) of every row on the page, top to bottom."""
    names = page.locator('[class*="st-key-files_name_"]')
    menus = page.locator('[class*="st-key-files_more_"]')
    return [(names.nth(i).bounding_box(), menus.nth(i).bounding_box()) for i in range(names.count())]


def _idle(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")


def test_new_folder_closes_and_rows_stay_one_line_on_a_phone(served: Served, browser: Any) -> None:
    from playwright.sync_api import FilePayload, expect

    page = new_page(browser, 1280, 900)
    page.goto(f"{served.url}/files")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Files").first).to_be_visible(timeout=WAIT_S * 1000)

    page.get_by_role("button", name=re.compile("New folder")).click()
    _idle(page)  # opening it reruns the page (its open state is tracked); a person types after that
    name_box = page.get_by_label("Folder name")
    expect(name_box).to_be_visible()
    name_box.fill("Reports")
    page.get_by_role("button", name="Create").click()
    expect(main.get_by_role("button", name=re.compile("Reports"))).to_be_visible()
    expect(name_box).to_be_hidden()  # the popover closed with the folder made
    page.screenshot(path=str(ARTIFACTS / "files-new-folder.png"), full_page=True)

    files: list[FilePayload] = [{"name": "curie.txt", "mimeType": "text/plain", "buffer": CURIE},
                                {"name": "ada.txt", "mimeType": "text/plain", "buffer": ADA}]
    page.get_by_test_id("stSidebar").locator("input[type=file]").set_input_files(files)
    expect(page.get_by_test_id("stSidebar").get_by_text("Added 2 files")).to_be_visible()
    expect(page.locator('[class*="st-key-files_name_"]')).to_have_count(3)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator('[class*="st-key-files_name_"]')).to_have_count(3, timeout=WAIT_S * 1000)
    page.wait_for_timeout(500)  # let the layout settle
    page.screenshot(path=str(ARTIFACTS / "files-phone.png"), full_page=True)
    rows = _rows(page)
    assert len(rows) == 3
    for name, menu in rows:
        assert name and menu
        assert abs(name["y"] - menu["y"]) < ROW_MAX_PX / 2, (name, menu)  # side by side, not stacked
        assert menu["x"] + menu["width"] <= 390 - 8  # nothing pushed off the screen
    assert max(m["x"] for _, m in rows if m) - min(m["x"] for _, m in rows if m) < 2  # columns line up
    tops = [name["y"] for name, _ in rows if name]
    assert all(0 < b - a <= ROW_MAX_PX for a, b in zip(tops, tops[1:], strict=False)), tops
