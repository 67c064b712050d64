"""A bridge question's chain: which sentences continue it from the file the question names."""

from __future__ import annotations

from rag.answer.chain import chain_of
from rag.answer.spans import Evidence

QUESTION = "How many times was the man who was premier of Norland when Ada Fenwick was minister, premier?"
START = Evidence("Ada Fenwick (25 April 1845 – 1925) was a Norlandic politician and a friend of Hugo Brandt.", 1,
                 1.0, "Ada Fenwick (politician).txt")


def test_a_sentence_naming_what_the_named_file_names_continues_the_chain() -> None:
    chain = chain_of(QUESTION, [START])
    assert chain.continues(Evidence("Hugo Brandt was premier twice.", 2, 0.5, "Brandt.txt"))
    assert chain.continues(Evidence("He was premier twice.", 2, 0.5, "Premier (Hugo Brandt).txt"))  # by its title
    assert not chain.continues(START)  # the start itself does not continue it


def test_dates_and_the_questions_own_names_are_no_links() -> None:
    chain = chain_of(QUESTION, [START])
    # "April" and "Norlandic" (the question's "Norland" in another form) link any sentence to anything
    assert not chain.continues(Evidence("Otto Lind (born 3 April 1967) is a Norlandic politician.", 2, 0.5, "Lind.txt"))


def test_no_chain_when_the_question_names_no_file_in_view() -> None:
    chain = chain_of("Who was premier twice?", [START])
    assert not chain.continues(Evidence("Hugo Brandt was premier twice.", 2, 0.5, "Brandt.txt"))
