"""Reading files in a child process with limits: hostile files fail alone, with a reason a person can read,
and the next file is read as usual."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drive.errors import CorruptFile
from drive.pipeline.ingest.sandbox import Limits, extract_in_child, human_megabytes, human_seconds, scrub, truncate
from drive.records import Extracted, Section
from tests.filegen import make_csv, make_png_declaring, make_png_text, make_text


def read(path: Path, limits: Limits | None = None, *, ocr: bool = False) -> Extracted:
    return extract_in_child(path, path.name, ocr=ocr, limits=limits or Limits()).doc


def test_a_file_is_read_in_the_child_as_in_process(tmp_path: Path) -> None:
    doc = read(make_text(tmp_path / "notes.md", "# Otters\n\nOtters hold hands while sleeping."))
    assert doc.mime == "text/markdown" and "hold hands" in doc.text


def test_an_image_declaring_too_many_pixels_is_refused_before_decoding(tmp_path: Path) -> None:
    bomb = make_png_declaring(tmp_path / "huge.png", 13000, 13000)
    assert bomb.stat().st_size < 40_000
    with pytest.raises(CorruptFile, match=r"more than the 64 megapixels"):
        read(bomb)
    # 9000 × 8000 is under PIL's own bomb limit but over ours: refused from the header too.
    with pytest.raises(CorruptFile, match=r"9000 × 8000 pixels"):
        read(make_png_declaring(tmp_path / "big.png", 9000, 8000))


def test_a_file_needing_more_memory_than_allowed_fails_and_the_next_one_reads(tmp_path: Path) -> None:
    numbers = tmp_path / "numbers.json"
    numbers.write_text("[" + ",".join(["1.5"] * 12_000_000) + "]")  # ~400 MB of Python floats
    with pytest.raises(CorruptFile, match=r"^needs more than 256 MB of memory to read$"):
        read(numbers, Limits(memory_mb=256))
    assert "otter" in read(make_text(tmp_path / "after.txt", "otter"), Limits(memory_mb=256)).text


def test_a_file_taking_longer_than_allowed_fails_and_the_next_one_reads(tmp_path: Path) -> None:
    sign = make_png_text(tmp_path / "sign.png", "OPEN ALL NIGHT")  # loading the OCR engine alone takes > 0.3 s
    with pytest.raises(CorruptFile, match=r"^took longer than 0.3 s to read$"):
        read(sign, Limits(seconds=0.3), ocr=True)
    assert "otter" in read(make_text(tmp_path / "after.txt", "otter"), Limits(seconds=0.3)).text


def test_valid_files_that_used_to_be_refused_are_read(tmp_path: Path) -> None:
    field = "x" * 300_000
    assert field in read(make_csv(tmp_path / "wide.csv", [["id", "body"], ["1", field]])).text
    digits = "7" * 100_000
    (tmp_path / "big.json").write_text('{"n": ' + digits + "}")
    assert digits in read(tmp_path / "big.json").text
    spaces = make_text(tmp_path / "spaces.txt", "start" + " " * 2_000_000 + "end")
    assert read(spaces, Limits(seconds=30)).text.endswith("end")


def test_parser_errors_are_permanent_and_name_no_server_path(tmp_path: Path) -> None:
    spool = tmp_path / "spool" / "tmpab12"
    spool.mkdir(parents=True)
    fake = spool / "fake_magic.png"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)  # PIL names the path it cannot identify
    with pytest.raises(CorruptFile) as caught:
        read(fake)
    assert str(tmp_path) not in str(caught.value) and "spool" not in str(caught.value)
    assert "fake_magic.png" in str(caught.value)


def test_long_text_is_cut_at_the_limit_and_says_so(tmp_path: Path) -> None:
    long = make_text(tmp_path / "long.txt", "word " * 100_000)
    outcome = extract_in_child(long, long.name, ocr=False, limits=Limits(max_chars=10_000))
    assert outcome.truncated and len(outcome.doc.text) <= 10_000
    short = make_text(tmp_path / "short.txt", "word " * 100)
    assert not extract_in_child(short, short.name, ocr=False, limits=Limits(max_chars=10_000)).truncated


def test_truncate_keeps_whole_sections_then_cuts_one() -> None:
    doc = Extracted([Section("a" * 10, 1), Section("b" * 10, 2), Section("c" * 10, 3)], "application/pdf")
    cut = truncate(doc, 15)
    assert cut.truncated and [s.page for s in cut.doc.sections] == [1, 2]
    assert cut.doc.text == doc.text[:15]
    assert not truncate(doc, 1000).truncated


def test_readable_units_and_scrubbed_paths() -> None:
    assert human_megabytes(1536) == "1.5 GB" and human_megabytes(300) == "300 MB"
    assert human_seconds(300) == "5 min" and human_seconds(0.5) == "0.5 s"
    assert scrub("cannot identify image file '/srv/home/spool/tmpx1/a.png'", "/srv/home/spool/tmpx1/a.png",
                 "a.png") == "cannot identify image file 'a.png'"
    assert json.dumps(scrub("in /h/spool/tmpq/ dir", "/h/spool/tmpq/b.txt", "b.txt")) == '"in  dir"'
