"""The answer kinds a question asks for."""

import pytest

from rag.answer.expect import (
    DATE,
    NUMBER,
    ORG,
    PERSON,
    PLACE,
    amount_label,
    expected_labels,
    holds_answer,
    measure_cues,
)


@pytest.mark.parametrize("question, labels", [
    ("When was the treaty signed?", DATE),
    ("In what year was the man born?", DATE),
    ("How many people died?", NUMBER),
    ("The university is located in what Australian city?", PLACE),
    ("Where was Kerry Saxby-Junna born?", PLACE),
    ("Which company developed the game?", ORG),
    ("Who directed the film?", PERSON | ORG),
    ("Why is the sky blue?", frozenset()),
    # A phrase set before the question word: the question asks for an amount, not the place of its relative clause.
    ("At the 2011 census, what was the population of the town where she was born?", NUMBER),
    ("In 1995, who won the cup?", PERSON | ORG),
    # "what is the country of ..." asks as "what country" does
    ("What is the country of citizenship of the actor who plays John?", PLACE),
    ("What was the publisher of the novel?", ORG),
    # a hedge before the question word: "about how far" asks for a distance, not "which direction" after it
    ("About how far, and in which direction, from Arteaga did the airplane crash?", NUMBER),
])
def test_expected_labels(question: str, labels: frozenset[str]) -> None:
    assert expected_labels(question) == labels


def test_an_answer_must_add_something_the_question_does_not_name() -> None:
    q = "Where was Marie Curie born?"
    assert holds_answer({("Warsaw", "GPE")}, PLACE, q)
    assert not holds_answer({("Marie Curie", "PERSON")}, PLACE, q)


@pytest.mark.parametrize("question, cues", [
    ("How many total flight hours had the pilot logged?", {"total", "flight", "hour"}),
    ("How old was the pilot?", {"age", "aged", "old"}),
    ("Who directed the film?", set()),
])
def test_an_amount_is_known_by_the_words_that_name_what_it_measures(question: str, cues: set[str]) -> None:
    assert measure_cues(question) == cues


@pytest.mark.parametrize("question, label", [
    ("What was the population of the town where she was born?", {"population"}),
    ("What minimum sample size did the trial need?", {"sample", "size"}),
    ("Who directed the film?", set()),
])
def test_an_amount_asked_by_its_noun_is_known_by_that_noun(question: str, label: set[str]) -> None:
    assert amount_label(question) == label
