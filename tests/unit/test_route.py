"""The router: broad questions go global, questions naming entities add the graph, the rest is hybrid."""

from __future__ import annotations

import pytest

from rag.search.route import GLOBAL, KEYWORD, LOCAL, VECTOR, route

HYBRID = [VECTOR, KEYWORD]


@pytest.mark.parametrize(
    "question",
    [
        "What are the main themes in my files?",
        "What topics come up across my documents?",
        "Which key topics keep recurring?",
        "Summarize everything I uploaded",
        "Give me an overview",
        "What is this drive about?",
        "What do all of my notes say about deadlines?",
        "What are the main themes?",
    ],
)
def test_broad_questions_go_global(question: str) -> None:
    chosen = route(question, has_entities=False)
    assert chosen.modes == [GLOBAL] and chosen.reason.startswith("broad question")


def test_main_themes_stay_global_even_when_entities_are_named() -> None:
    assert route("What are the main themes across all files about Marie Curie?", has_entities=True).modes == [GLOBAL]


def test_a_summary_of_a_named_entity_or_file_is_not_global() -> None:
    assert route("Summarize what we know about Marie Curie", has_entities=True).modes == [LOCAL, *HYBRID]
    about_file = route("Summarize report.pdf", has_entities=False)
    assert about_file.modes == HYBRID and "report.pdf" in about_file.reason


@pytest.mark.parametrize(
    "question", ["Who did Marie Curie marry?", "When did Pierre Curie die?", "What did Curie discover overall?"]
)
def test_questions_naming_entities_use_the_graph_and_hybrid_search(question: str) -> None:
    assert route(question, has_entities=True).modes == [LOCAL, VECTOR, KEYWORD]


@pytest.mark.parametrize(
    "question",
    ["What is the lab budget for 2024?", "What was the overall revenue in 2023?", "Where is the spare key?"],
)
def test_other_questions_use_hybrid_search(question: str) -> None:
    chosen = route(question, has_entities=False)
    assert chosen.modes == HYBRID and chosen.reason
