"""The chunk stage: offsets always point at the chunk's text, pages are never crossed, cuts fall on
natural boundaries, overlap is bounded, tables and headings stay with their content."""

from __future__ import annotations

import random

import pytest

from drive.pipeline.ingest.chunk import chunk
from drive.pipeline.ingest.extract import extract
from drive.records import ChunkRecord, Extracted, Section
from tests.filegen import make_pdf

WORDS = [
    "the",
    "budget",
    "café",
    "naïve",
    "e\u0301te\u0301",
    "東京",
    "Zürich",
    "🦊",
    "👩‍💻",
    "straße",
    "ﬁle",
    "Ωmega",
    "data",
    "report",
    "x",
    "supercalifragilistic",
    "",
    "|",
    "#",
]
SEPARATORS = [" ", " ", " ", " ", ". ", "! ", "\n", "\n\n", "\n\n\n", "\t", "  "]


def random_text(rng: random.Random, words: int) -> str:
    parts = []
    for _ in range(words):
        parts.append(rng.choice(WORDS))
        parts.append(rng.choice(SEPARATORS))
    if rng.random() < 0.3:
        parts.append("| a | b |\n" * rng.randint(1, 20))
    if rng.random() < 0.2:
        parts.append("#" * rng.randint(1, 3) + " Heading\n\n")
    if rng.random() < 0.2:
        parts.append("x" * rng.randint(1, 3000))  # no boundary at all
    return "".join(parts)


def check_invariants(doc: Extracted, chunks: list[ChunkRecord], size: int, overlap: int) -> None:
    text = doc.text
    assert [c.index for c in chunks] == list(range(len(chunks)))
    spans, base = [], 0
    for section in doc.sections:
        spans.append((base, base + len(section.text), section.page))
        base += len(section.text) + 2
    covered = [False] * len(text)
    for c in chunks:
        assert c.text.endswith(text[c.char_start : c.char_end])
        assert c.text == text[c.char_start : c.char_end] or c.text.startswith("|") or "\n| --- |" in c.text
        assert c.text and c.text == c.text.strip()
        assert len(c.text) <= size
        assert any(s <= c.char_start and c.char_end <= e and c.page == p for s, e, p in spans), "crosses a section"
        for i in range(c.char_start, c.char_end):
            covered[i] = True
    lost = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not lost, f"text not in any chunk: {text[lost[0] : lost[0] + 20]!r}"
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.char_start > a.char_start and b.char_end > a.char_end, "a chunk repeats or contains another"
        assert a.char_end - b.char_start <= overlap or b.char_start >= a.char_end


@pytest.mark.parametrize(("size", "overlap"), [(40, 0), (40, 39), (100, 15), (300, 150), (1000, 150)])
def test_offsets_always_point_at_the_chunk_text_even_with_unicode_and_overlap(size: int, overlap: int) -> None:
    rng = random.Random(size * 1000 + overlap)
    for _ in range(40):
        sections = [
            Section(random_text(rng, rng.randint(0, 400)), page=rng.choice([None, 1, 2, 7]))
            for _ in range(rng.randint(1, 4))
        ]
        doc = Extracted(sections=sections, mime="text/plain")
        check_invariants(doc, chunk(doc, size, overlap), size, overlap)


def test_chunks_of_a_real_two_page_pdf_keep_their_page(tmp_path) -> None:
    first = " ".join(f"Turbine fact number {i} is recorded here." for i in range(60))
    second = " ".join(f"Glacier fact number {i} is recorded here." for i in range(60))
    path = make_pdf(tmp_path / "facts.pdf", [first, second])
    doc = extract(path, "facts.pdf", ocr=None)
    chunks = chunk(doc, 500, 80)
    check_invariants(doc, chunks, 500, 80)
    assert {c.page for c in chunks} == {1, 2}
    assert all("Glacier" not in c.text for c in chunks if c.page == 1)
    assert all("Turbine" not in c.text for c in chunks if c.page == 2)


def test_short_paragraphs_are_never_cut_in_the_middle() -> None:
    paragraphs = [f"Paragraph {i} says " + "something useful " * 15 + "and ends." for i in range(12)]
    doc = Extracted([Section("\n\n".join(paragraphs))], mime="text/plain")
    chunks = chunk(doc, 1000, 150)
    assert len(chunks) > 2
    for c in chunks:
        assert c.text.startswith("Paragraph") and c.text.endswith("and ends."), c.text[-40:]


def test_a_long_paragraph_is_cut_at_sentence_ends_with_bounded_overlap() -> None:
    sentences = [f"Sentence {i} talks about the harbour and its {i % 7} cranes." for i in range(120)]
    doc = Extracted([Section(" ".join(sentences))], mime="text/plain")
    chunks = chunk(doc, 400, 100)
    check_invariants(doc, chunks, 400, 100)
    for c in chunks:
        assert c.text.startswith("Sentence") and c.text.endswith("cranes."), c.text
    for a, b in zip(chunks, chunks[1:], strict=False):
        shared = a.char_end - b.char_start
        assert 0 < shared <= 100  # the next chunk repeats the last sentence for context


def test_table_rows_are_kept_whole() -> None:
    rows = "\n".join(f"| row {i} | Region {i % 5} | {i * 37} EUR | note {'x' * (i % 13)} |" for i in range(80))
    doc = Extracted([Section("# Sales\n" + rows, page=1, heading="Sales")], mime="text/csv")
    chunks = chunk(doc, 300, 60)
    assert len(chunks) > 5
    for c in chunks:
        for line in c.text.split("\n"):
            assert (line.startswith("|") and line.endswith("|")) or line == "# Sales", line


def test_a_heading_starts_a_chunk_instead_of_ending_one() -> None:
    body = " ".join(f"Point {i} about the topic." for i in range(25))
    text = "\n\n".join(f"## Part {n}\n\n{body}" for n in range(4))
    doc = Extracted([Section(text)], mime="text/markdown")
    chunks = chunk(doc, 800, 100)
    for c in chunks:
        assert not c.text.rstrip().split("\n")[-1].startswith("## "), f"chunk ends with a heading: {c.text[-30:]!r}"
    starts = [c for c in chunks if c.text.startswith("## Part")]
    assert len(starts) == 4


def test_a_table_keeps_the_title_above_it_in_its_chunk() -> None:
    # as a PDF's page reads: no Markdown heading, the title plain lines above the table
    filler = " ".join(f"Sentence {i} of the narrative." for i in range(12))
    table = "| Type | Number |\n| --- | --- |\n| Target | 750,000 |\n| Actual | 545,763 |"
    text = f"{filler}\n\nData Source ~ platform analytics.\n2.4.H Aidan Users\nPLACEHOLDER_16\n\n{table}\n\n{filler}"
    chunks = chunk(Extracted([Section(text)], mime="application/pdf"), 520, 80)
    holding = [c.text for c in chunks if "750,000" in c.text]
    assert holding and all("2.4.H Aidan Users\nPLACEHOLDER_16" in t for t in holding), holding
    assert not any(c.text.rstrip().endswith(("Aidan Users", "PLACEHOLDER_16")) for c in chunks)


@pytest.mark.parametrize("sentences", range(4, 30))
def test_a_tables_title_header_and_rows_stay_together_wherever_the_cut_falls(sentences: int) -> None:
    filler = " ".join(f"Sentence {i} of the narrative." for i in range(sentences))
    table = "| Measure | FY 2013 Results | FY 2013 Target |\n| --- | --- | --- |\n| Tribal enrollees | 8,865 | 10,000 |"
    text = f"{filler}\n\nn/a - Not Applicable.\nStrategic Goal #5: Improve Access\n\n{table}\n\nAfter the table."
    for c in chunk(Extracted([Section(text)], mime="application/pdf"), 400, 60):
        assert not c.text.rstrip().split("\n")[-1].startswith(("| ---", "| Measure", "Strategic Goal")), c.text
        if "10,000" in c.text:
            assert "Strategic Goal #5: Improve Access\n\n| Measure" in c.text, c.text


def test_text_without_any_boundary_is_cut_hard_at_the_size() -> None:
    doc = Extracted([Section("z" * 2500)], mime="text/plain")
    chunks = chunk(doc, 1000, 150)
    assert [len(c.text) for c in chunks] == [1000, 1000, 500]
    check_invariants(doc, chunks, 1000, 150)


def test_whitespace_only_sections_give_no_chunks_and_indexes_stay_dense() -> None:
    doc = Extracted(
        [Section("  \n\n "), Section("real text", page=2), Section("\n"), Section("more", page=4)], mime="text/plain"
    )
    chunks = chunk(doc)
    assert [(c.index, c.text, c.page) for c in chunks] == [(0, "real text", 2), (1, "more", 4)]
    assert doc.text[chunks[1].char_start : chunks[1].char_end] == "more"


def test_empty_document_gives_no_chunks() -> None:
    assert chunk(Extracted([], mime="image/png")) == []


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (100, 100), (100, -1)])
def test_nonsense_sizes_are_refused(size: int, overlap: int) -> None:
    with pytest.raises(ValueError):
        chunk(Extracted([Section("text")], mime="text/plain"), size, overlap)


def test_a_split_table_repeats_its_caption_and_header_in_every_chunk() -> None:
    rows = "\n".join(f"| Item {i} | {i * 100:,} | {i * 90:,} |" for i in range(60))
    text = (f"Intro.\n\nTable 3 - Net sales by category\n| Category | Q2 2023 | Q2 2022 |\n| --- | --- | --- |\n"
            f"{rows}\n\nAfter the table.")
    doc = Extracted([Section(text, page=4)], "application/pdf")
    chunks = chunk(doc, 400, 60)
    check_invariants(doc, chunks, 400, 60)
    with_rows = [c for c in chunks if "| Item " in c.text]
    assert len(with_rows) > 3
    for c in with_rows:
        assert "Table 3 - Net sales by category\n| Category | Q2 2023 | Q2 2022 |\n| --- | --- | --- |\n" in c.text
        assert c.page == 4
    assert "| Item 59 | 5,900 | 5,310 |" in with_rows[-1].text
