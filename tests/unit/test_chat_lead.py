"""The chat shows a model's direct answer first, in bold with its citation; other answers are left as they are."""

from __future__ import annotations

from ui.chat import lead_first


def test_a_model_answer_line_becomes_the_bold_short_answer_with_its_citation() -> None:
    text = "Answer: July 1898 [1]\nMarie and Pierre Curie announced polonium then [1]."
    assert lead_first(text, "July 1898") == "**July 1898** [1]\n\nMarie and Pierre Curie announced polonium then [1]."


def test_not_in_the_files_reads_as_such_and_offline_answers_are_unchanged() -> None:
    assert lead_first("Answer: not in the files", None) == "I couldn't find this in your files."
    offline = "**1898** [1]\n\nFrom your files:\n\n- In July 1898 ... [1]"
    assert lead_first(offline, "1898") == offline
