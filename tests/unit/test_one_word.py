"""Which one-word names the drive-wide common-word vote reads (``drive.store.graph.one_word``)."""

from __future__ import annotations

import pytest

from drive.store.graph import one_word


@pytest.mark.parametrize(("name", "word"), [("Agency", "agency"), ("the Office", "office"),
                                            ("BACKGROUND", "background"), ("OBJECTIVES", "objectives")])
def test_a_word_written_as_a_name_or_a_heading_is_put_to_the_vote(name: str, word: str) -> None:
    assert one_word(name) == word


@pytest.mark.parametrize("name", ["US", "PDF", "Demon 170", "Acme Corp", "iPhone", "McDonald"])
def test_abbreviations_and_longer_names_are_not(name: str) -> None:
    # "US" is "us" in lowercase; a longer one ("NTSB") is voted on and kept, as no file writes it in lowercase
    assert one_word(name) is None
