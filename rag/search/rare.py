"""Which of a question's words choose the keyword candidates: the rarest, within a budget of rows.

Keyword search ranks every chunk that holds any of the question's words, at a cost that grows with the number of
matches; on a large drive one common word ("pilot", "film", "report") matches tens of thousands of chunks. The
chunks worth ranking hold at least one of the rarer words, so the words too rare for the statistics to list, and
the rarer listed words up to BUDGET estimated rows, pick the candidates and all the words rank them (the idea of a search engine's MaxScore pruning). Word frequencies come
from PostgreSQL's own statistics on ``chunks.tsv`` (kept by ANALYZE/autovacuum), so nothing is maintained here. On a
drive where the words' matches fit the budget every word takes part and the ranking is exactly as before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

BUDGET = 4000  # estimated candidate rows; bench/scale.py measures the time it takes to rank about this many


@dataclass(frozen=True)
class TermStats:
    """How common the question's lexemes are among one owner's chunks."""

    lexemes: tuple[str, ...]
    rows: int  # the owner's chunks
    freqs: dict[str, float]  # share of all chunks holding a lexeme, for the lexemes the statistics list


def selecting(stats: TermStats, budget: int | None = None, one_listed: bool = True) -> tuple[str, ...]:
    """The lexemes that choose candidates: every lexeme too rare for the statistics to list (it may be in no chunk
    at all), then the listed ones, rarest first, while the chunks holding any of them (estimated as if words were
    independent) fit the budget; at least one listed lexeme unless ``one_listed`` is False."""
    budget = BUDGET if budget is None else budget
    chosen = [t for t in stats.lexemes if t not in stats.freqs]
    missing = 1.0  # the share of chunks holding none of the chosen listed lexemes
    for term in sorted((t for t in stats.lexemes if t in stats.freqs), key=lambda t: (stats.freqs[t], t)):
        if (missing < 1.0 or not one_listed) and stats.rows * (1 - missing * (1 - stats.freqs[term])) > budget:
            break
        chosen.append(term)
        missing *= 1 - stats.freqs[term]
    return tuple(t for t in stats.lexemes if t in chosen)


def tsquery_of(lexemes: tuple[str, ...]) -> str:
    """An OR tsquery of lexemes taken literally (already normalised, so not stemmed again)."""
    return " | ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in lexemes)


def term_stats(session: Any, owner: Any, words: str) -> TermStats | None:
    """The statistics for ``words`` among ``owner``'s chunks (no word listed before the table was first
    analysed: every word then counts as rare); None when the words hold no lexeme (only stop words)."""
    row = session.execute(
        text("""SELECT ARRAY(SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('english', :words)))) AS lexemes,
                       (SELECT greatest(last_analyze, last_autoanalyze) FROM pg_stat_user_tables
                        WHERE relid = 'chunks'::regclass) AS analysed"""),
        {"words": words},
    ).one()
    if not row.lexemes:
        return None
    database = str(session.get_bind().url)
    freqs = _listed(session, database, row.analysed)
    return TermStats(tuple(row.lexemes), _owner_rows(session, database, owner), freqs)


# Read once per ANALYZE (thousands of lexemes: 11 ms a question at a million chunks), and an owner's count of
# chunks once a minute (10 ms at 100k; the budget needs its size, not the last upload).
_LISTED: dict[str, tuple[Any, dict[str, float]]] = {}
_ROWS: dict[tuple[str, Any], tuple[float, int]] = {}
ROWS_TTL = 60.0


def _listed(session: Any, database: str, analysed: Any) -> dict[str, float]:
    cached = _LISTED.get(database)
    if cached is not None and cached[0] == analysed:
        return cached[1]
    stats = session.execute(
        text("""SELECT most_common_elems::text::text[] AS elems, most_common_elem_freqs AS freqs FROM pg_stats
                WHERE schemaname = current_schema() AND tablename = 'chunks' AND attname = 'tsv'""")
    ).first()
    # The frequencies list one share per listed lexeme, then their minimum, maximum and (maybe) the null share.
    listed = dict(zip(stats.elems, stats.freqs[: len(stats.elems)], strict=True)) if stats and stats.elems else {}
    if analysed is not None:
        _LISTED[database] = (analysed, listed)
    return listed


def _owner_rows(session: Any, database: str, owner: Any) -> int:
    cached = _ROWS.get((database, owner))
    if cached is not None and time.monotonic() - cached[0] < ROWS_TTL:
        return cached[1]
    rows = int(session.execute(text("SELECT count(*) FROM chunks WHERE owner_id = :owner"), {"owner": owner}).scalar_one())
    _ROWS[(database, owner)] = (time.monotonic(), rows)
    return rows
