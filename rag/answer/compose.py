"""Answering from retrieved passages: the LLM prompt and its citations, or an extractive answer.

Passages are numbered [1]..[n] in the order given; an answer cites them by those numbers and
``Answer.citations`` carries the same numbers, so text and citations always agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from drive.ml.chat import ChatModel, Message
from drive.ml.embedder import Embedder
from drive.ml.fence import DOCUMENTS, neutralise
from drive.ml.prompts import load_prompt
from drive.names import title_key, title_of
from rag.answer.places import spelled
from rag.answer.sentences import split_sentences
from rag.types import Answer, Citation, Passage

if TYPE_CHECKING:
    from rag.types import Turn

NOTHING_FOUND = "Nothing in your drive answers this."
EXTRACTIVE_LEAD = "From your files:"
HISTORY_TURNS = 6
HISTORY_CHARS = 1500


# ---------------------------------------------------------------- context for the LLM

_BRACKET_NUMBERS = re.compile(r"\[(\s*\d+(?:\s*[,;\-–]\s*\d+)*\s*)\]")


def passage_label(passage: Passage) -> str:
    """``report.pdf, page 3 (Fiscal Year 2017)``: where a passage comes from and the period its file covers, on
    one line; the model needs the period to tell one quarter's report from the next."""
    name = neutralise(" ".join(passage.file.split()))
    where = f"{name}, page {passage.page}" if passage.page is not None else name
    return f"{where} ({neutralise(' '.join(passage.period.split()))})" if passage.period else where


def build_context(
    passages: Sequence[Passage], *, numbers: Sequence[int] | None = None, preamble: str = ""
) -> str:
    """The passages as numbered data inside the fence; ``numbers`` overrides 1..n."""
    numbers = list(numbers) if numbers is not None else list(range(1, len(passages) + 1))
    blocks = [neutralise(preamble.strip())] if preamble.strip() else []
    for n, passage in zip(numbers, passages, strict=True):
        blocks.append(f"[{n}] {passage_label(passage)}\n{neutralise(passage.text.strip())}")
    return "\n".join([DOCUMENTS.open, "\n\n".join(blocks), DOCUMENTS.close])


def answer_messages(
    question: str, passages: Sequence[Passage], history: Sequence[Turn | Message] | None = None
) -> list[Message]:
    """System rules, the recent conversation, then the fenced passages and the question."""
    system, user = load_prompt("answer").render(
        fence_open=DOCUMENTS.open,
        fence_close=DOCUMENTS.close,
        context=build_context(passages),
        question=question.strip(),
    )
    return [system, *_history_messages(history or []), user]


def _history_messages(history: Sequence[Turn | Message]) -> list[Message]:
    messages = []
    for turn in list(history)[-HISTORY_TURNS:]:
        if turn.role not in ("user", "assistant") or not turn.content.strip():
            continue
        # Old citation numbers point at other passages: keep them out of this prompt.
        content = strip_citations(turn.content)[:HISTORY_CHARS]
        messages.append(Message("user" if turn.role == "user" else "assistant", content))
    return messages


def answer_with_llm(
    chat: ChatModel,
    question: str,
    passages: Sequence[Passage],
    history: Sequence[Turn | Message] | None = None,
) -> Iterator[str]:
    """Stream the LLM's answer; pass the joined text to ``parse_answer`` for citations."""
    if not passages:
        yield NOTHING_FOUND
        return
    yield from chat.stream(answer_messages(question, passages, history))


# ---------------------------------------------------------------- citations

# "[2]", "[1, 3]", "[2-4]", "[Source 2]"; not a Markdown link "[2](url)".
_MARKER = re.compile(
    r"([ \t]*)\[(?:(?:sources?|passages?|docs?|documents?)\s*)?(\s*\d+(?:\s*[,;\-–]\s*\d+)*\s*)\](?!\()([ \t]?)",
    re.IGNORECASE,
)
_SPACE_BEFORE_PUNCT = re.compile(r"\][ \t]+([.,;:!?])")
_MAX_RANGE = 20


def parse_answer(text: str, passages: Sequence[Passage], mode: str = "hybrid") -> Answer:
    """The answer with its citations, renumbered 1..k in the order of first use; markers naming no passage are
    removed. A first line ``Answer: ...`` gives ``short_answer``; "not in the files" (or "I don't know") gives
    ``found=False``."""
    order: dict[int, int] = {}

    def renumber(match: re.Match[str]) -> str:
        lead, body, trail = match.groups()
        valid = [n for n in _marker_numbers(body) if 1 <= n <= len(passages)]
        if not valid:
            return trail if lead else ""
        for n in valid:
            order.setdefault(n, len(order) + 1)
        return f"{lead}[{', '.join(str(order[n]) for n in valid)}]{trail}"

    cleaned = _SPACE_BEFORE_PUNCT.sub(r"]\1", _MARKER.sub(renumber, text)).strip()
    short, found = _short_line(cleaned)
    citations = [replace(c, n=order[c.n]) for c in citations_for(passages, list(order))] if found else []
    return Answer(text=cleaned, mode=mode, citations=citations, short_answer=short, found=found)


_SHORT_LINE = re.compile(r"^\s*\**\s*(?:short\s+)?answer\s*\**\s*:\s*\**(.*?)\**\s*$", re.IGNORECASE)
_NOT_FOUND = re.compile(r"^\W*(not in (the|your) files|i don'?t know|unknown|none)\b", re.IGNORECASE)


def _short_line(text: str) -> tuple[str | None, bool]:
    """(short answer, found) from the answer's first line."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    match = _SHORT_LINE.match(first)
    candidate = strip_citations(match.group(1)).strip(" .*") if match else None
    if _NOT_FOUND.match(candidate or first) or text.strip().startswith("I don't know: your files don't say"):
        return None, False
    return candidate or None, True


def strip_citations(text: str) -> str:
    """The text without any [n] citation markers."""
    return _SPACE_BEFORE_PUNCT.sub(r"]\1", _MARKER.sub(lambda m: m.group(3) if m.group(1) else "", text)).strip()


def _marker_numbers(body: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", body.strip()):
        bounds = [int(x) for x in re.split(r"\s*[\-–]\s*", part)]
        low, high = bounds[0], bounds[-1]
        if len(bounds) == 2 and 0 <= high - low <= _MAX_RANGE:
            numbers.extend(range(low, high + 1))
        elif len(bounds) == 1:
            numbers.append(low)
    return list(dict.fromkeys(numbers))


def citations_for(passages: Sequence[Passage], numbers: Sequence[int]) -> list[Citation]:
    """Citations for 1-based passage numbers, in the given order."""
    return [
        Citation(n=n, file=p.file, item_id=p.item_id, page=p.page, passage=p.text, score=p.score, period=p.period)
        for n in numbers
        for p in [passages[n - 1]]
    ]


# ---------------------------------------------------------------- extractive answer

_STOPWORDS = frozenset(
    {
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "with",
        "from", "as", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did",
        "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "that", "this",
        "these", "those", "it", "its", "he", "she", "they", "them", "his", "her", "their", "there",
        "then", "than", "so", "if", "not", "no", "yes", "can", "could", "would", "should", "will",
        "shall", "may", "might", "must", "have", "has", "had", "i", "me", "my", "we", "our", "you",
        "your", "about", "into", "over", "after", "before", "tell", "please", "any", "some", "all",
        "much", "many", "more", "most", "also", "just", "only", "very",
    }
)
MAX_CANDIDATES = 128
MMR_LAMBDA = 0.7
KEYWORD_WEIGHT = 0.35
ANSWER_TYPE_BONUS = 0.25
FILE_WEIGHT = 0.15  # bench: 0.3 lowered MuSiQue cited recall; 0.15 helped HotpotQA, cost real-docs one question
CONTEXT_WEIGHT = 0.3
TYPED_CANDIDATES = 32


@dataclass(frozen=True)
class ScoredSentence:
    text: str
    passage: int  # 1-based passage number
    relevance: float


def keywords(text: str) -> set[str]:
    """Lower-cased content words, lightly stemmed ("prizes", "prize" -> "priz")."""
    words = re.findall(r"[^\W_]+(?:['’][^\W_]+)?", spelled(text).lower())
    return {_stem(w) for w in words if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())}


def _stem(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "es" if re.search(r"(s|x|z|ch|sh)es$", word) else "s"):
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


@dataclass
class Ranked:
    """Every candidate sentence of the passages with its vector and relevance to the query."""

    candidates: list[tuple[str, int]]
    vectors: np.ndarray
    relevance: np.ndarray  # ranks the sentences: the sentence's own relevance plus its passage's
    own: np.ndarray | None = None  # the sentence's own relevance alone, which judges the evidence (support)

    def best(self, n: int) -> list[ScoredSentence]:
        order = np.argsort(-self.relevance, kind="stable")[:n]
        return [ScoredSentence(self.candidates[i][0], self.candidates[i][1], float(self.relevance[i])) for i in order]


def rank_sentences(query: str, passages: Sequence[Passage], embedder: Embedder) -> Ranked | None:
    """Sentences scored by similarity and keyword overlap with ``query``, typed ones ("what year" -> a date)
    ranked higher; None when the passages hold no sentence."""
    candidates = _candidates(query, passages)
    if not candidates:
        return None
    texts = [text for text, _ in candidates]
    ask = asked_part(query)
    vectors = np.asarray(embedder.embed([query, ask or query] + texts), dtype=np.float32)
    whole = _relevance(vectors[0], query, vectors[2:], texts)  # judges the evidence (support), as it did
    relevance = whole.copy()
    files = [p.file for p in passages]
    joined = {f: " ".join(p.text for p in passages if p.file == f) for f in dict.fromkeys(files)}
    names = list(joined)
    of_file = dict(zip(names, keyword_overlap(query, [joined[f] for f in names]), strict=True))
    if ask:  # in the file the names point to, a sentence is also read against what is asked of it alone
        home = max(names, key=lambda f: of_file[f])
        inside = np.array([files[n - 1] == home for _, n in candidates])
        relevance = np.where(inside, np.maximum(relevance, _relevance(vectors[1], ask, vectors[2:], texts)), relevance)
    # A sentence is read in its passage: "Flight Time: 1364 hours" counts when its passage names the aircraft.
    context = keyword_overlap(query, [passages[n - 1].text for n in range(1, len(passages) + 1)])
    in_context = relevance + CONTEXT_WEIGHT * context[[n - 1 for _, n in candidates]]
    # ... and in its file: a form line of the report that names the aircraft, not another's
    in_context += FILE_WEIGHT * np.array([of_file[files[n - 1]] for _, n in candidates], dtype=np.float32)
    top = np.argsort(-in_context)[:TYPED_CANDIDATES]  # NER only where a bonus can change the outcome
    typed = ANSWER_TYPE_BONUS * _typed(query, [texts[i] for i in top])
    whole[top] += typed
    in_context[top] += typed
    return Ranked(candidates, vectors[2:], in_context, whole)


_NAME_WORD = re.compile(r"(?<!^)\b(?:[A-Z][\w.'’-]*|\d[\w.,:/-]*)")
MONTHS = frozenset(re.findall(r"\S+", "january february march april may june july august september october november "
                                     "december jan feb mar apr jun jul aug sep sept oct nov dec"))
_MONTH = re.compile(r"\b(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b", re.IGNORECASE)
ASK_MIN_NAMES = 3  # name words a question must hold before what it asks of them is read apart


def asked_part(query: str) -> str | None:
    """The question without the names, numbers and dates that say which thing it is about ("What did the
    Bombardier Global 5000 business jet hit on short final at Vance W. Amory Airport in December 2007?" ->
    "What did the business jet hit on short final at in?"); None when it names too little to set apart, or
    keeps too little. The sentence that answers says the asked part ("struck approach lights"), the one that
    best matches the whole question only repeats the names."""
    named = _NAME_WORD.findall(query)
    rest = " ".join(_MONTH.sub(" ", _NAME_WORD.sub(" ", query)).split())
    return rest if len(named) >= ASK_MIN_NAMES and len(keywords(rest)) >= 2 else None


def pick_sentences(
    query: str, passages: Sequence[Passage], embedder: Embedder, k: int = 4
) -> list[ScoredSentence]:
    """The k sentences that best answer ``query``, diverse (MMR), best first."""
    ranked = rank_sentences(query, passages, embedder)
    return _diverse(ranked, k) if ranked else []


def _diverse(ranked: Ranked, k: int) -> list[ScoredSentence]:
    chosen = mmr(ranked.vectors, ranked.relevance, k)
    return [ScoredSentence(ranked.candidates[i][0], ranked.candidates[i][1], float(ranked.relevance[i]))
            for i in chosen]


def _typed(query: str, texts: list[str]) -> np.ndarray:
    """1 for sentences naming something of the kind the question asks for ("what year" -> a date)."""
    from drive.pipeline.graph.recognize import entity_labels
    from rag.answer.expect import expected_labels, holds_answer

    labels = expected_labels(query)
    if not labels:
        return np.zeros(len(texts), dtype=np.float32)
    return np.array([holds_answer(ents, labels, query) for ents in entity_labels(texts)], dtype=np.float32)


def _relevance(qvec: np.ndarray, query: str, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
    overlap = keyword_overlap(query, texts)
    return np.asarray((1 - KEYWORD_WEIGHT) * (vectors @ qvec) + KEYWORD_WEIGHT * overlap, dtype=np.float32)


def _candidates(query: str, passages: Sequence[Passage]) -> list[tuple[str, int]]:
    """(sentence, passage number) pairs; keyword-matching ones kept first when there are too many."""
    seen: set[str] = set()
    pairs: list[tuple[str, int]] = []
    for n, passage in enumerate(passages, start=1):
        heading = title_key(title_of(passage.file))
        for sentence in split_sentences(passage.text):
            if title_key(sentence) == heading:
                continue  # the file's own title line says nothing
            if sentence.lower() not in seen:
                seen.add(sentence.lower())
                pairs.append((sentence, n))
    if len(pairs) > MAX_CANDIDATES:
        overlap = keyword_overlap(query, [text for text, _ in pairs])
        best = sorted(range(len(pairs)), key=lambda i: -overlap[i])[:MAX_CANDIDATES]
        pairs = [pairs[i] for i in sorted(best)]
    return pairs


def keyword_overlap(query: str, sentences: list[str]) -> np.ndarray:
    """Share of the query's keywords in each sentence, rare words (IDF over these sentences) counting more."""
    terms = sorted(keywords(query))
    if not terms or not sentences:
        return np.zeros(len(sentences), dtype=np.float32)
    bags = [keywords(s) for s in sentences]
    present = np.array([[t in bag for t in terms] for bag in bags], dtype=np.float32)
    weights = np.log1p(len(sentences) / (1.0 + present.sum(axis=0)))
    return (present @ weights / weights.sum()).astype(np.float32)


def mmr(vectors: np.ndarray, relevance: np.ndarray, k: int, floor: float = 0.5) -> list[int]:
    """Maximal marginal relevance; stops below ``floor`` x best relevance and skips near-duplicates."""
    best = float(relevance.max())
    pool = [i for i in range(len(relevance)) if relevance[i] >= floor * best]
    chosen: list[int] = []
    while pool and len(chosen) < k:
        def gain(i: int) -> float:
            redundancy = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            return MMR_LAMBDA * float(relevance[i]) - (1 - MMR_LAMBDA) * redundancy

        pick = max(pool, key=gain)
        pool.remove(pick)
        if all(float(vectors[pick] @ vectors[j]) < 0.95 for j in chosen):
            chosen.append(pick)
    return chosen


def answer_extractive(
    question: str, passages: Sequence[Passage], embedder: Embedder, k: int = 5, mode: str = "hybrid"
) -> Answer:
    """An answer made only of sentences from the passages, each followed by its citation."""
    picked = pick_sentences(question, passages, embedder, k)
    if not picked:
        return Answer(text=NOTHING_FOUND, mode=mode, extractive=True)
    lines = [f"- {quote(s.text)} [{s.passage}]" for s in picked]
    numbers = sorted({s.passage for s in picked})
    return Answer(
        text="\n".join([EXTRACTIVE_LEAD, "", *lines]),
        mode=mode,
        citations=citations_for(passages, numbers),
        extractive=True,
    )


def quote(sentence: str) -> str:
    """A sentence shown in an answer: bracketed numbers in it must not read as citations."""
    return _BRACKET_NUMBERS.sub(r"(\1)", sentence)
