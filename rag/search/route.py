"""Which retrieval modes answer a question: a small readable rule set.

- broad questions about the whole drive ("main themes", "across all files") -> ``global``
  (community summaries); so are "summarize", "overview", "overall" unless entities are named;
- questions naming entities known to the graph -> ``local`` + ``vector`` + ``keyword``;
- anything else -> ``vector`` + ``keyword`` (hybrid).
A question naming a file ("summarize report.pdf") is about that file, never global.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GLOBAL = "global"
LOCAL = "local"
VECTOR = "vector"
KEYWORD = "keyword"

_THEME_WORDS = r"(themes?|topics?|subjects?|trends?|patterns?|threads?)"
_GIST_WORDS = r"(ideas?|points?|takeaways?|findings?)"
_SPAN = r"(all|every|each|the whole|my whole|the entire|my entire)"
_CORPUS = r"(files?|documents?|docs?|drive|folders?|notes?|papers?)"
# Always global: the question is about the drive as a whole.
_BROAD_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("asks for the main themes", re.compile(
        rf"\b(main|key|major|central|common|recurring|overall|general|important|biggest)\s+{_THEME_WORDS}\b")),
    ("asks which themes run through the files", re.compile(
        rf"\bwhat\s+(are\s+the\s+)?{_THEME_WORDS}\s+(are|come up|appear|run|do)\b")),
    ("asks across the files", re.compile(rf"\b(across|throughout)\s+([\w']+\s+){{0,3}}{_CORPUS}\b")),
    ("asks about all the files", re.compile(rf"\b{_SPAN}\s+(of\s+)?(my\s+|the\s+|these\s+)?{_CORPUS}\b")),
    ("asks what the drive is about", re.compile(
        rf"\bwhat\s+(is|are)\s+(this|my|the|these)\s+{_CORPUS}\s+(all\s+)?about\b")),
]
# Global unless the question names entities: "summarize the Apollo project" is local.
_SUMMARY_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("asks for the key points", re.compile(rf"\b(main|key|major|central|important)\s+{_GIST_WORDS}\b")),
    ("asks for a summary", re.compile(r"\bsummar(y|ies|ise|ize|ised|ized|ising|izing)\b")),
    ("asks for an overview", re.compile(r"\b(overview|big picture|high[- ]level|in general)\b")),
    ("asks for the overall picture", re.compile(r"(^overall\b|\boverall\s*([?,.!]|$))")),
]
_FILE_NAME = re.compile(r"\b[\w\-]+\.(pdf|docx?|pptx?|xlsx?|csv|txt|md|html?|rtf|odt|png|jpe?g)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Route:
    """The retrieval modes to run, in order, and why (shown in the UI's details)."""

    modes: list[str]
    reason: str


def route(question: str, has_entities: bool) -> Route:
    """Pick retrieval modes; ``has_entities``: the question names entities known to the graph."""
    text = " ".join(question.lower().split())
    file_named = _FILE_NAME.search(question)
    broad = _first_match(_BROAD_RULES, text)
    if not broad and not has_entities:
        broad = _first_match(_SUMMARY_RULES, text)
    if broad and not file_named:
        return Route([GLOBAL], f"broad question: {broad}")
    if has_entities:
        return Route([LOCAL, VECTOR, KEYWORD], "names entities from your files: graph neighbourhood + hybrid search")
    if file_named:
        return Route([VECTOR, KEYWORD], f"about one file ({file_named.group(0)}): hybrid search")
    return Route([VECTOR, KEYWORD], "specific question: hybrid search (vector + keyword)")


def named_file_tails(question: str) -> list[str]:
    """What the question writes as a file's name, lower-cased: "summarize Q3 report.pdf" -> ["report.pdf"], the
    end of the name at least (a name may hold spaces, which this does not see)."""
    return [m.group(0).lower() for m in _FILE_NAME.finditer(question)]


def _first_match(rules: list[tuple[str, re.Pattern[str]]], text: str) -> str | None:
    return next((why for why, rule in rules if rule.search(text)), None)
