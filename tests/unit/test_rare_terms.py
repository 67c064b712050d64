"""Which question words choose keyword candidates on a large drive (rag.search.rare)."""

from rag.search.rare import TermStats, selecting, tsquery_of


def stats(rows: int, **freqs: float) -> TermStats:
    lexemes = ("zanzibar", "treati", "report", "year")
    return TermStats(lexemes, rows, dict(freqs))


def test_every_word_chooses_when_the_drive_is_small() -> None:
    assert selecting(stats(3_000, report=0.6, year=0.5, treati=0.1), budget=4_000) == (
        "zanzibar", "treati", "report", "year")


def test_common_words_stop_choosing_on_a_large_drive_but_rare_ones_always_do() -> None:
    chosen = selecting(stats(1_000_000, report=0.3, year=0.2, treati=0.001), budget=4_000)
    assert chosen == ("zanzibar", "treati")


def test_the_rarest_listed_word_chooses_even_beside_words_in_no_chunk() -> None:
    assert selecting(stats(1_000_000, report=0.3, year=0.2, treati=0.3), budget=10) == ("zanzibar", "year")


def test_the_rarest_listed_word_chooses_when_no_word_fits() -> None:
    only = TermStats(("report", "year"), 1_000_000, {"report": 0.3, "year": 0.2})
    assert selecting(only, budget=10) == ("year",)


def test_lexemes_are_quoted_literally() -> None:
    assert tsquery_of(("o'neil", "a\\b")) == "'o''neil' | 'a\\\\b'"
