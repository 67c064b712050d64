"""Entity resolution: spelling variants fold to one key, short forms join their unique long form."""

from __future__ import annotations

import random

import pytest

from drive.names import aliases, display_name, normalize, vote_type
from drive.pipeline.graph.resolve import resolve_file
from drive.records import MentionRecord


def mention(surface: str, label: str, chunk: int = 0, start: int = 0) -> MentionRecord:
    return MentionRecord(chunk_index=chunk, surface=surface, label=label, start=start, end=start + len(surface),
                         sentence=0)


def keys_of(mentions: list[MentionRecord]) -> dict[tuple[str, str], str]:
    return {(r.mention.surface, r.mention.label): r.key for r in resolve_file(mentions)}


@pytest.mark.parametrize("surface", ["Acme Corp.", "ACME Corporation", "Acme", "Acme's", "the Acme Company, Inc.",
                                     "Acme Ltd", "Acme’s", "  acme  llc "])
def test_company_spellings_share_one_key(surface: str) -> None:
    assert normalize(surface, "ORG") == normalize("Acme", "ORG") == "acme"


def test_accents_dots_and_honorifics_fold() -> None:
    assert normalize("Société Générale S.A.", "ORG") == normalize("Societe Generale", "ORG")
    assert normalize("U.S.", "GPE") == normalize("US", "GPE")
    assert normalize("Dr. Sherlock Holmes", "PERSON") == normalize("Sherlock Holmes", "PERSON")
    assert normalize("Acme Bank", "ORG") != normalize("Acme", "ORG")  # "bank" is part of the name


def test_a_name_made_only_of_a_suffix_or_article_keeps_its_word() -> None:
    assert normalize("Company", "ORG") == "company"
    assert normalize("The", "WORK_OF_ART") == "the"
    assert normalize("?!", "ORG") == ""


def test_short_form_joins_its_unique_long_form() -> None:
    keys = keys_of([mention("Sherlock Holmes", "PERSON"), mention("Holmes", "PERSON"),
                    mention("Mr. Holmes", "PERSON"), mention("Sherlock", "PERSON")])
    assert set(keys.values()) == {"sherlock holmes"}


def test_ambiguous_short_form_stays_apart() -> None:
    keys = keys_of([mention("Sherlock Holmes", "PERSON"), mention("Mycroft Holmes", "PERSON"),
                    mention("Holmes", "PERSON")])
    assert keys[("Holmes", "PERSON")] == "holmes"
    assert keys[("Sherlock Holmes", "PERSON")] == "sherlock holmes"
    assert keys[("Mycroft Holmes", "PERSON")] == "mycroft holmes"


def test_chain_of_shorter_forms_reaches_one_root() -> None:
    keys = keys_of([mention("John Hamish Watson", "PERSON"), mention("Hamish Watson", "PERSON"),
                    mention("Watson", "PERSON")])
    assert set(keys.values()) == {"john hamish watson"}


def test_a_name_is_one_entity_whatever_its_mentions_are_tagged() -> None:
    resolved = resolve_file([mention("Demon 170", "PERSON"), mention("Demon 170", "PRODUCT", chunk=1),
                             mention("the Demon 170", "PRODUCT", chunk=2)])
    assert {r.key for r in resolved} == {"demon 170"}
    assert vote_type(r.mention.label for r in resolved) == "PRODUCT"


def test_the_type_vote_counts_mentions_and_breaks_ties_against_person() -> None:
    assert vote_type(["PERSON", "PERSON", "ORG"]) == "PERSON"
    assert vote_type(["PERSON", "PRODUCT"]) == "PRODUCT"  # the small model's usual mistake is PERSON
    assert vote_type(["GPE", "ORG"]) == vote_type(["ORG", "GPE"]) == "ORG"
    assert vote_type([]) == ""


def test_short_forms_join_within_the_voted_type() -> None:
    # "Jordan" is tagged PERSON twice and GPE once: a person, so it joins Michael Jordan.
    keys = keys_of([mention("Michael Jordan", "PERSON"), mention("Jordan", "PERSON", chunk=1),
                    mention("Jordan", "PERSON", chunk=2), mention("Jordan", "GPE", chunk=3)])
    assert set(keys.values()) == {"michael jordan"}


def test_a_place_or_body_inside_a_longer_name_stays_its_own_entity() -> None:
    # Each file once merged "Dodge" into whichever longer name it held: the brand became "Horace Dodge"
    # in one file and "Dodge Challenger" in the next; "Asia" became "Southeast Asia".
    keys = keys_of([mention("Dodge Challenger", "ORG"), mention("Dodge", "ORG", chunk=1),
                    mention("Southeast Asia", "LOC"), mention("Asia", "LOC", chunk=2),
                    mention("Native American", "NORP"), mention("American", "NORP", chunk=3)])
    assert keys[("Dodge", "ORG")] == "dodge"
    assert keys[("Asia", "LOC")] == "asia"
    assert keys[("American", "NORP")] == "american"
    assert keys[("Dodge Challenger", "ORG")] == "dodge challenger"



def test_an_organisations_head_word_names_it_in_its_file() -> None:
    keys = keys_of([mention("the U.S. Department of Transportation", "ORG"), mention("the Department", "ORG", chunk=1),
                    mention("the Independent Review Board", "ORG"), mention("the Board", "ORG", chunk=2),
                    mention("Horace Dodge", "ORG"), mention("Dodge", "ORG", chunk=3),
                    mention("Ensure GSA", "ORG"), mention("GSA", "ORG", chunk=3)])
    assert keys[("the Department", "ORG")] == keys[("the U.S. Department of Transportation", "ORG")]
    assert keys[("the Board", "ORG")] == "independent review board"
    assert keys[("Dodge", "ORG")] == "dodge"  # a brand, not a body's noun (the model tagged its founder ORG)
    assert keys[("GSA", "ORG")] == "gsa"


def test_the_body_a_file_names_far_most_often_is_the_one_its_noun_names() -> None:
    plan = [mention("the Department of Commerce", "ORG", chunk=n) for n in range(6)]
    plan += [mention("the State Department", "ORG"), mention("the Department", "ORG", chunk=7)]
    keys = keys_of(plan)
    assert keys[("the Department", "ORG")] == keys[("the Department of Commerce", "ORG")]
    # named about as often: "the Department" could be either
    keys = keys_of([*plan[:2], mention("the Department of Energy", "ORG"), mention("the Department", "ORG", chunk=7)])
    assert keys[("the Department", "ORG")] == "department"


def test_middle_names_left_out_join_the_full_name() -> None:
    keys = keys_of([mention("Helen Elizabeth Hunt", "PERSON"), mention("Helen Hunt", "PERSON"),
                    mention("Hunt", "PERSON"), mention("H. E. Hunt", "PERSON")])
    assert set(keys.values()) == {"helen elizabeth hunt"}


def test_an_initial_joins_the_one_name_it_can_stand_for() -> None:
    keys = keys_of([mention("John Smith", "PERSON"), mention("J. Smith", "PERSON"), mention("Smith", "PERSON")])
    assert set(keys.values()) == {"john smith"}
    two = keys_of([mention("John Smith", "PERSON"), mention("Jane Smith", "PERSON"), mention("J. Smith", "PERSON")])
    assert two[("J. Smith", "PERSON")] == "j smith"  # two Smiths it could be: kept apart


def test_names_that_only_share_first_and_last_letters_stay_apart() -> None:
    keys = keys_of([mention("Helen Hunt", "PERSON"), mention("Helena Hunt", "PERSON"),
                    mention("Hunt Helen", "PERSON"), mention("J. Hunt", "PERSON")])
    assert len(set(keys.values())) == 4
    org = keys_of([mention("Bank of America", "ORG"), mention("Bank America", "ORG")])
    assert len(set(org.values())) == 2  # left-out words join only people's names


def test_a_word_inside_a_longer_word_is_no_abbreviation() -> None:
    keys = keys_of([mention("Ann", "PERSON"), mention("Annabel Lee", "PERSON")])
    assert keys[("Ann", "PERSON")] == "ann"


def test_result_is_in_input_order_and_independent_of_it() -> None:
    mentions = [mention(s, label, chunk=n, start=3 * n) for n, (s, label) in enumerate([
        ("Sherlock Holmes", "PERSON"), ("Holmes", "PERSON"), ("Watson", "PERSON"), ("John Watson", "PERSON"),
        ("Baker Street", "FAC"), ("London", "GPE"), ("Scotland Yard", "ORG"), ("Lestrade", "PERSON"),
        ("Mary Watson", "PERSON"), ("Acme Corp.", "ORG"), ("ACME", "ORG"), ("Jordan", "GPE"),
    ])]
    reference = {r.mention: r.key for r in resolve_file(mentions)}
    for seed in range(5):
        shuffled = mentions[:]
        random.Random(seed).shuffle(shuffled)
        resolved = resolve_file(shuffled)
        assert [r.mention for r in resolved] == shuffled
        assert {r.mention: r.key for r in resolved} == reference
    # "Watson" is ambiguous here (John Watson, Mary Watson): kept apart.
    assert reference[mentions[2]] == "watson"
    assert reference[mentions[1]] == "sherlock holmes"


def test_display_name_prefers_the_fullest_then_most_frequent_form() -> None:
    assert display_name(["Holmes"] * 5 + ["Sherlock Holmes", "Sherlock Holmes's"]) == "Sherlock Holmes"
    assert display_name(["Acme", "Acme's", "ACME", "Acme"]) == "Acme"
    assert display_name(["ACME Corp", "Acme Corp"]) == "ACME Corp"  # tie: lexicographic
    assert display_name(reversed(["ACME Corp", "Acme Corp"])) == "ACME Corp"
    assert display_name([]) == ""
    # Not a person: a company suffix makes no fuller name.
    assert display_name(["Dodge"] * 3 + ["the Dodge Company"], "ORG") == "Dodge"
    assert display_name(["Foot Locker, Inc."] + ["Foot Locker"] * 2, "ORG") == "Foot Locker"
    assert display_name(["the Department"] * 2 + ["U.S. Department of Transportation"], "ORG") == (
        "U.S. Department of Transportation")


def test_aliases_are_the_other_distinct_names() -> None:
    forms = ["Holmes", "holmes", "Sherlock Holmes", '"Sherlock Holmes"', "Mr. Holmes", "Holmes's"]
    assert aliases(forms) == ["Holmes", "Mr. Holmes"]


def test_a_models_name_alone_joins_its_maker_and_model_name() -> None:
    keys = keys_of([mention("Dodge Challenger", "PRODUCT"), mention("Challenger", "PRODUCT", chunk=1),
                    mention("Dodge Charger", "PRODUCT"), mention("Viper", "PRODUCT", chunk=2)])
    assert keys[("Challenger", "PRODUCT")] == "dodge challenger"
    assert keys[("Viper", "PRODUCT")] == "viper"  # no maker-and-model name ends with it


def located(text: str, said: list[tuple[str, str]]) -> list[MentionRecord]:
    """Mentions of these (surface, label) at their first place in ``text`` after the previous one."""
    out, at = [], 0
    for surface, label in said:
        at = text.index(surface, at)
        out.append(mention(surface, label, 0, at))
        at += len(surface)
    return out


def test_a_surname_tagged_an_organisation_joins_the_person_named_before_it() -> None:
    text = "Foot Locker named Mary Dillon its chief. Dillon aims to grow, and Dillon's plan is Lace Up."
    resolved = resolve_file(located(text, [("Foot Locker", "ORG"), ("Mary Dillon", "PERSON"), ("Dillon", "ORG"),
                                          ("Dillon", "ORG")]), [text])
    assert [(r.key, r.mention.label) for r in resolved[2:]] == [("mary dillon", "PERSON")] * 2
    assert all(r.mention.ruled for r in resolved[2:]) and not resolved[1].mention.ruled


@pytest.mark.parametrize("text, said", [
    # the company named after its founder
    ("Henry Ford built the Ford Motor Company. Ford sold the Model T.",
     [("Henry Ford", "PERSON"), ("Ford Motor Company", "ORG"), ("Ford", "ORG")]),
    # named before the person: another Dillon, as far as the file says
    ("Dillon opened in 1990. Mary Dillon shops there.", [("Dillon", "ORG"), ("Mary Dillon", "PERSON")]),
    # two people of that surname
    ("Mary Dillon and Tom Dillon met. Dillon spoke.",
     [("Mary Dillon", "PERSON"), ("Tom Dillon", "PERSON"), ("Dillon", "ORG")]),
])
def test_a_surname_alone_stays_apart_when_the_file_leaves_doubt(text: str, said: list[tuple[str, str]]) -> None:
    resolved = resolve_file(located(text, said), [text])
    assert [r.key for r in resolved] == [normalize(s, label) for s, label in said]


def test_a_first_name_coordinated_with_a_full_name_takes_its_surname() -> None:
    text = "Founded in 1900 by brothers Horace and John Dodge, the firm made parts. Horace Dodge died in 1920."
    resolved = resolve_file(located(text, [("Horace", "PERSON"), ("John Dodge", "PERSON"),
                                          ("Horace Dodge", "PERSON")]), [text])
    assert [r.key for r in resolved] == ["horace dodge", "john dodge", "horace dodge"]
    # without the texts (or with a comma between them) the first name stays itself
    assert resolve_file(located(text, [("Horace", "PERSON"), ("John Dodge", "PERSON")]))[0].key == "horace"
    listed = "Guests were Horace, John Dodge and others."
    assert resolve_file(located(listed, [("Horace", "PERSON"), ("John Dodge", "PERSON")]), [listed])[0].key == "horace"


def test_a_name_cut_at_a_lines_end_joins_the_longer_name_its_next_line_goes_on_with() -> None:
    text = ("OPM runs the Federal Employees Health\nBenefits (FEHB) Program. Federal Employees Health Benefits cover "
            "millions; the Federal Employees Health Benefits Program grew. The Federal Reserve\nBank of Boston and "
            "the Federal Reserve\nsaid so.")
    said = [("Federal Employees Health", "ORG"), ("Federal Employees Health Benefits", "ORG"),
            ("Federal Employees Health Benefits Program", "ORG"), ("The Federal Reserve", "ORG"),
            ("the Federal Reserve", "ORG")]
    resolved = resolve_file(located(text, said), [text])
    keys = [r.key for r in resolved]
    assert keys[0] == keys[1] == "federal employees health benefits"  # "(FEHB)" ends what the next line goes on with
    cut = resolved[0].mention  # stretched over the next line's word: its surface, an alias, holds the whole name
    assert cut.surface == "Federal Employees Health Benefits" and text[cut.start:cut.end].endswith("\nBenefits")
    assert keys[3] == keys[4] == "federal reserve"  # no longer name of the file goes on with "Bank" or "said"


def test_a_name_coordinated_with_a_person_of_its_surname_is_a_person() -> None:
    text = "It was founded by John Francis Dodge and Horace Elgin Dodge. Dodge and Ford Motor Company competed."
    resolved = resolve_file(located(text, [("John Francis Dodge", "PERSON"), ("Horace Elgin Dodge", "ORG"),
                                          ("Dodge", "ORG"), ("Ford Motor Company", "ORG")]), [text])
    assert [(r.mention.label, r.mention.ruled) for r in resolved] == [
        ("PERSON", False), ("PERSON", True), ("ORG", False), ("ORG", False)]


def test_a_quoted_name_shows_without_its_quotes() -> None:
    assert display_name(["the 'Lace Up'"] * 26 + ["Lace Up'"] * 10 + ["Lace Up"] * 2, "ORG") == "Lace Up"
    assert display_name(["O'Brien"], "PERSON") == "O'Brien" and display_name(['the "Big Apple"'], "GPE") == "the Big Apple"
