"""Named entities with the real spaCy model: kept labels, spans, sentences, pairs and linking verbs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from drive.pipeline.graph.recognize import KEPT_LABELS, ChunkAnalysis, recognize


def entities(analysis: ChunkAnalysis) -> dict[str, str]:
    return {m.surface: m.label for m in analysis.mentions}


def verbs(analysis: ChunkAnalysis) -> dict[frozenset[str], str | None]:
    ms = analysis.mentions
    return {frozenset({ms[i].surface, ms[j].surface}): verb for i, j, verb in analysis.pairs}


def test_people_organisations_and_places_are_found_with_exact_spans() -> None:
    text = "Tim Cook visited Microsoft in Seattle on 3 March 2021 and paid $40 for 12 books."
    [analysis] = recognize([text])
    found = entities(analysis)
    assert found.get("Tim Cook") == "PERSON"
    assert found.get("Microsoft") == "ORG"
    assert found.get("Seattle") == "GPE"
    assert all(label in KEPT_LABELS for label in found.values())  # no DATE, MONEY, CARDINAL
    for m in analysis.mentions:
        assert text[m.start : m.end] == m.surface and m.chunk_index == 0


def test_a_name_wrapped_across_lines_of_a_page_is_one_mention() -> None:
    text = ("Authoritarian competitors to the country that protects the rights of citizens of the United\n"
            "States seek to challenge its ideas.\nWe met the team in Paris\nLondon is big.")
    [analysis] = recognize([text])
    surfaces = [m.surface for m in analysis.mentions]
    assert "the United\nStates" in surfaces and "States" not in surfaces
    assert "Paris" in surfaces and "London" in surfaces  # a short line keeps its break
    for m in analysis.mentions:
        assert text[m.start : m.end] == m.surface


def test_a_code_after_a_name_and_comma_is_read_by_that_name() -> None:
    text = ("Principal Investigator: Susan T. Iannaccone, MD\nOmar A. Ibrahimi, M.D., Ph.D.\n"
            "Departure Point: Venice, FL | Type of Flight Plan\nThe panel: Bob Smith, NASA, and Jane Doe, NIH.")
    [analysis] = recognize([text])
    found = entities(analysis)
    assert not {"MD", "M.D.", "Ph.D."} & set(found)  # degrees, no names
    assert found.get("FL") == "GPE"  # a state, after its city
    assert found.get("NASA") == "ORG" and found.get("NIH") == "ORG"  # an institute after a person stays


def test_chunk_index_is_the_position_in_the_batch() -> None:
    texts = ["Google is in California.", "", "Nothing named here at all.", "Angela Merkel spoke in Berlin."]
    analyses = recognize(texts)
    assert len(analyses) == 4
    assert analyses[1] == ChunkAnalysis() and analyses[2].mentions == []
    assert {m.chunk_index for m in analyses[3].mentions} == {3}
    assert "Berlin" in entities(analyses[3])


def test_pairs_only_join_mentions_of_one_sentence() -> None:
    text = "Barack Obama met Angela Merkel in Berlin. Later that year Apple opened an office in Tokyo."
    [analysis] = recognize([text])
    ms = analysis.mentions
    assert {m.sentence for m in ms} == {0, 1}
    assert analysis.pairs
    for i, j, _ in analysis.pairs:
        assert i < j and ms[i].sentence == ms[j].sentence
    joined = {frozenset({ms[i].surface, ms[j].surface}) for i, j, _ in analysis.pairs}
    assert frozenset({"Barack Obama", "Angela Merkel"}) in joined
    assert frozenset({"Angela Merkel", "Apple"}) not in joined


def test_the_verb_linking_subject_and_object_labels_the_pair() -> None:
    active, passive, clause = recognize([
        "Microsoft acquired LinkedIn in 2016.",
        "LinkedIn was acquired by Microsoft in 2016.",
        "Initech, which Bob Smith founded, hired Peter Gibbons.",
    ])
    assert verbs(active)[frozenset({"Microsoft", "LinkedIn"})] == "acquired"
    assert verbs(passive)[frozenset({"Microsoft", "LinkedIn"})] == "acquired"
    assert verbs(clause)[frozenset({"Initech", "Bob Smith"})] == "founded"
    assert verbs(clause)[frozenset({"Initech", "Peter Gibbons"})] == "hired"
    assert verbs(clause)[frozenset({"Bob Smith", "Peter Gibbons"})] is None  # founded Initech, not Peter


def test_negation_is_kept_in_the_verb() -> None:
    [analysis] = recognize(["Microsoft did not buy Google."])
    assert verbs(analysis)[frozenset({"Microsoft", "Google"})] == "not buy"


def test_a_long_list_sentence_gives_linear_not_quadratic_pairs() -> None:
    cities = ["Paris", "London", "Berlin", "Madrid", "Rome", "Vienna", "Prague", "Warsaw", "Lisbon", "Dublin",
              "Oslo", "Helsinki", "Athens", "Budapest", "Brussels", "Amsterdam", "Stockholm", "Copenhagen"]
    [analysis] = recognize(["Offices: " + ", ".join(cities) + "."])
    n = len(analysis.mentions)
    assert n >= 12
    assert len(analysis.pairs) < n * (n - 1) // 2
    assert len(analysis.pairs) <= 8 * n


def test_threads_share_the_pipeline_safely() -> None:
    texts = [f"Sundar Pichai leads Google in Mountain View. Report {n}." for n in range(6)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda t: recognize([t])[0], texts))
    assert all(entities(r) == entities(results[0]) for r in results)


def test_people_joined_by_and_or_a_verb_become_separate_mentions() -> None:
    [analysis] = recognize(["Sherlock Holmes met John Watson in London. Holmes and Watson walked on. "
                            "Holmes thanked Watson."])
    people = [m.surface for m in analysis.mentions if m.label == "PERSON"]
    assert not any(" and " in p or "thanked" in p for p in people)
    assert people.count("Watson") == 2


def test_a_repeated_passage_is_parsed_once_but_its_entities_stay_on_every_chunk() -> None:
    from drive.pipeline.graph.job import spread

    header = "Acme Corporation annual report, prepared by Jane Smith in Boston."
    texts = [header, "Tim Cook visited Microsoft in Seattle.", header]
    distinct = list(dict.fromkeys(texts))
    spread_out = spread(recognize(distinct), distinct, texts)
    direct = recognize(texts)
    assert spread_out == direct
    assert {m.chunk_index for m in spread_out[2].mentions} == {2}


def test_without_a_verb_the_preposition_and_its_noun_label_the_pair() -> None:
    title, copula, plain, two = recognize([
        "Tony Blair, Prime Minister of the United Kingdom, met Bill Clinton.",
        "Paris is the capital of France.",
        "He studied at Harvard University in Massachusetts.",
        "Tim Cook, the chief executive of Apple, spoke in Cupertino.",
    ])
    assert verbs(title)[frozenset({"Tony Blair", "the United Kingdom"})] == "of"  # a title is a name, not a role
    assert verbs(two)[frozenset({"Tim Cook", "Apple"})] == "chief executive of"
    assert verbs(title)[frozenset({"Tony Blair", "Bill Clinton"})] == "met"  # a verb still wins
    assert verbs(copula)[frozenset({"Paris", "France"})] == "capital of"
    assert verbs(plain)[frozenset({"Harvard University", "Massachusetts"})] == "in"
    assert verbs(two)[frozenset({"Apple", "Cupertino"})] is None  # through a verb and two prepositions: unrelated
