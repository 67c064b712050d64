"""The entity graph in headless Chromium against a real ``streamlit run``: clicking a node on the drawn graph
brings that entity into focus and draws its neighbourhood (the node is found on screen by its type's colour).
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import io
import re
import time
from collections import Counter
from typing import Any

import pytest

from tests.e2e.browser import ADA, ARTIFACTS, CURIE, WAIT_S, Served, new_page
from ui.graph_model import TYPE_COLORS

pytestmark = pytest.mark.browser


def _node_centre(png: bytes, colour: str) -> tuple[float, float]:
    """The middle of the biggest patch of ``colour`` in a screenshot: inside a node of that type."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    want = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    pixels = image.load()
    assert pixels is not None
    hits = [(x, y) for x in range(0, image.width, 2) for y in range(0, image.height, 2) if pixels[x, y] == want]
    assert hits, f"no node of colour {colour} on the graph"
    cell, _ = Counter((x // 12, y // 12) for x, y in hits).most_common(1)[0]
    inside = [(x, y) for x, y in hits if (x // 12, y // 12) == cell]
    return sum(x for x, _ in inside) / len(inside), sum(y for _, y in inside) / len(inside)


def test_clicking_a_node_draws_its_neighbourhood(served: Served, browser: Any) -> None:
    from playwright.sync_api import expect

    page = new_page(browser, 1440, 1000)
    page.goto(served.url)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.locator("input[type=file]").set_input_files(
        [{"name": "curie.txt", "mimeType": "text/plain", "buffer": CURIE},
         {"name": "ada.txt", "mimeType": "text/plain", "buffer": ADA}])
    expect(sidebar.get_by_text("Processing status · 2 ready", exact=True)).to_be_visible()

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Entity graph").click()
    overview = page.get_by_text(re.compile(r"Showing the \d+ most important of \d+ matching entities"))
    deadline = time.monotonic() + WAIT_S
    while not overview.is_visible() and time.monotonic() < deadline:  # the graph jobs finish moments after ready
        page.wait_for_timeout(2000)
        if not page.get_by_text(re.compile("still joining the graph|No entities yet")).count():
            continue
        page.reload()
    expect(overview).to_be_visible()
    frame = page.locator("iframe").first
    expect(frame).to_be_visible()
    page.wait_for_timeout(4000)  # the layout settles (physics), so the node stays where it is found
    box = frame.bounding_box()
    assert box
    x, y = _node_centre(frame.screenshot(), TYPE_COLORS["PERSON"])
    page.screenshot(path=str(ARTIFACTS / "graph-before-click.png"), full_page=True)
    page.mouse.click(box["x"] + x, box["y"] + y)

    focus = page.get_by_text(re.compile(r"The neighbourhood of (Marie Curie|Pierre Curie|Ada Lovelace|Charles Babbage)"))
    expect(focus).to_be_visible()
    expect(page.get_by_text(re.compile(r"\d+ connected entities"))).to_be_visible()
    expect(frame).to_be_visible()
    page.wait_for_timeout(2000)  # let the neighbourhood's layout settle for the screenshot
    page.screenshot(path=str(ARTIFACTS / "graph-clicked.png"), full_page=True)
