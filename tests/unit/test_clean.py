"""Names that are not names: dates, periods, amounts, document parts, and common words a file capitalises."""

from __future__ import annotations

import pytest

from drive.names import display_name
from drive.pipeline.graph.clean import (
    common_word_names,
    corrected_label,
    defined_bodies,
    defined_terms,
    heading_mentions,
    is_date_or_heading,
    is_fragment,
    is_label_and_value,
)
from drive.pipeline.graph.recognize import recognize
from drive.pipeline.graph.retype import (
    counted_abbreviations,
    typed_by_brand,
    typed_by_kind,
    typed_by_quotes,
    typed_by_version,
)
from drive.records import MentionRecord


@pytest.mark.parametrize("surface", ["Three Months Ended", "September 30, 2023", "Fiscal Year 2023", "Table 3",
                                     "Figure 2.1", "$5 million", "12%", "Section IV", "the Year Ended",
                                     "Strategy 4.1.1", "Tactic 2.3.1.", "CST", "1100 CST"])
def test_dates_periods_amounts_and_document_parts_are_not_names(surface: str) -> None:
    assert is_date_or_heading(surface)


@pytest.mark.parametrize("surface", ["Seven Years' War", "Second World War", "Theresa May", "Demon 170",
                                     "Boeing 737", "Item 7A", "Chinese New Year", "Unaudited", "Vertigo",
                                     "Windows 3.1", "Python 3.11", "Eastern Airlines"])
def test_names_with_a_number_or_a_date_word_are_kept(surface: str) -> None:
    assert not is_date_or_heading(surface)


def mention(surface: str) -> MentionRecord:
    return MentionRecord(chunk_index=0, surface=surface, label="ORG", start=0, end=len(surface), sentence=0)


def test_common_words_the_file_capitalises_only_in_headings_are_not_names() -> None:
    texts = ["Status Unaudited\nThe status of each target is unaudited. Unaudited results: the status is unaudited.",
             "Target met. The target for the status report was met; the next target is open."]
    names = ["Status", "Unaudited", "Target", "The Department of State", "OPM", "Target Actual"]
    assert common_word_names(texts, [mention(n) for n in names]) == {"Status", "Unaudited", "Target"}


def test_a_word_written_in_lowercase_once_or_rarely_stays_a_name() -> None:
    texts = ["Apple sold phones. Apple opened stores. Apple hired staff. He ate an apple."]
    assert common_word_names(texts, [mention("Apple")]) == set()


def test_the_recogniser_drops_periods_the_model_tags_as_entities() -> None:
    [analysis] = recognize(["For the Three Months Ended September 30, 2023, Acme Corp. reported revenue in Ohio."])
    found = {m.surface for m in analysis.mentions}
    assert "Acme Corp." in found and "Ohio" in found
    assert not any("Months" in s or "September" in s for s in found)


def at(texts: list[str], surface: str, chunk: int = 0, nth: int = 0) -> MentionRecord:
    start = -1
    for _ in range(nth + 1):
        start = texts[chunk].index(surface, start + 1)
    return MentionRecord(chunk_index=chunk, surface=surface, label="ORG", start=start, end=start + len(surface),
                         sentence=0)


def test_field_labels_and_common_word_headings_are_not_names() -> None:
    texts = ["Vertigo\nVertigo is a 1958 film.\nRunway Surface Condition: Dry\n| Target Met | 2023 |\n"
             "The target was met.\nBoard\nJohn Smith\nJane Doe", "Performance Indicators\nThe indicators of "
             "performance improved. Acme Corp. met them. The Performance Indicators office closed."]
    mentions = [at(texts, "Vertigo"), at(texts, "Vertigo", nth=1), at(texts, "Runway Surface Condition"),
                at(texts, "Target Met"), at(texts, "John Smith"), at(texts, "Performance Indicators", chunk=1),
                at(texts, "Acme Corp.", chunk=1), at(texts, "Performance Indicators", chunk=1, nth=1)]
    found = heading_mentions(texts, mentions)
    assert found == {mentions[2], mentions[3], mentions[5]}  # in running text the same name stays


def test_a_line_repeated_alone_is_a_heading_even_in_uncommon_words() -> None:
    texts = ["Performance Indicators\nGoal one.\n", "Performance Indicators\nGoal two.\nVertigo\nA film."]
    mentions = [at(texts, "Performance Indicators"), at(texts, "Performance Indicators", chunk=1),
                at(texts, "Vertigo", chunk=1)]
    assert heading_mentions(texts, mentions) == set(mentions[:2])


def test_a_name_that_begins_a_field_label_is_part_of_the_label() -> None:
    texts = ["Seat Occupied: Left\nRestraint Used: Seatbelt\n| MQY | Distance from Accident Site: | 11 Miles |\n"
             "230\u00b0 Turbulence Severity /\nForecast/Actual: None\nDate & Time: 11/30/2007\n"
             "Location: Madill, OK Accident Number: DFW08CA044\nAircraft: Cessna 152 Aircraft Damage: Substantial\n"
             "The pilot, John Smith, said: the wind rose. Acme Corp. reported on Monday."]
    labels = [at(texts, "Restraint"), at(texts, "Distance"), at(texts, "Turbulence Severity"),
              MentionRecord(chunk_index=0, surface="Date & Time:", label="ORG", start=texts[0].index("Date &"),
                            end=texts[0].index("Date &") + 12, sentence=0)]
    names = [at(texts, "John Smith"), at(texts, "Acme Corp."), at(texts, "OK"), at(texts, "Cessna 152")]
    # ", said:" is a sentence, not a label; a label's value stays a name with the next label after it
    assert heading_mentions(texts, labels + names) == set(labels)


def test_labels_joined_by_a_comma_wrapped_after_a_slash_or_holding_an_abbreviation_are_labels() -> None:
    texts = ["| Observation Facility, Elevation: TLH, 81 ft msl | Distance from Accident Site: |\n"
             "| Lowest Ceiling: None | Visibility (RVR): |\n| Wind Direction: 290\u00b0 | Turbulence Severity / |\n"
             "|  | Forecast/Actual: |\nPilot John Smith, Cessna and the Federal Aviation Administration (FAA) met."]
    labels = [at(texts, "Observation Facility"), at(texts, "RVR"), at(texts, "Turbulence Severity")]
    names = [at(texts, "TLH"), at(texts, "John Smith"), at(texts, "FAA")]
    assert heading_mentions(texts, labels + names) == set(labels)


def test_the_right_column_of_a_form_read_across_is_a_heading_but_a_name_ending_one_line_is_not() -> None:
    texts = ["Description Type Status\nReduce the average Target Reduced\nout-of-pocket share of Actual\n"
             "Reduce energy Target Reduced\nintensity from prior FY Actual\nReduce the Target Reduced\n"
             "proportion of grantees Actual\nThe plan was signed by Xavier Becerra\nand sent on."]
    column = [at(texts, "Target Reduced", nth=n) for n in range(3)]
    name = at(texts, "Xavier Becerra")  # ends one line only
    assert heading_mentions(texts, [*column, name]) == set(column)


def test_an_abbreviation_written_against_a_number_each_time_numbers_things_and_names_none() -> None:
    texts = ["KPI 6.2.1 Applicants rose. KPI 6.2.2 Hires fell. Observation Time: 1920 CST. The NTSB met the FAA in "
             "2022. The NTSB wrote."]
    numbering = [at(texts, "KPI"), at(texts, "KPI", nth=1)]
    names = [at(texts, "CST"), at(texts, "NTSB"), at(texts, "NTSB", nth=1), at(texts, "FAA")]  # CST: once only
    assert heading_mentions(texts, numbering + names) == set(numbering)


def test_a_name_only_in_a_line_written_in_capitals_is_not_a_name() -> None:
    texts = ["Findings\n1. (C) DIRECTIONAL CONTROL - NOT MAINTAINED - PILOT IN COMMAND\n2. NTSB REVIEW - DONE - FAA",
             "The NTSB reviewed the findings."]
    shouted = [at(texts, "COMMAND"), at(texts, "FAA")]
    calm = [at(texts, "NTSB"), at(texts, "NTSB", chunk=1)]  # also written in a sentence of the file
    assert heading_mentions(texts, shouted + calm) == set(shouted)


def test_the_recogniser_types_a_states_code_after_a_place_as_a_place() -> None:
    [analysis] = recognize(["David Witt; Federal Aviation Administration; San Jose, CA reported the accident."])
    assert {m.surface: m.label for m in analysis.mentions}.get("CA") == "GPE"


def test_a_name_in_a_running_header_of_the_file_is_boilerplate_but_the_same_name_in_a_sentence_is_not() -> None:
    header = "Strategic Plan U.S. Department of State, U.S. Agency for International Development\n"
    texts = [header + f"Goal {n}. The U.S. Department of State will act." for n in range(3)] + [
        header + "Goal 4.", "The U.S. Department of State met the goal in 2023."]
    in_header = [at(texts, "U.S. Department of State", chunk=n) for n in range(4)]
    in_text = [at(texts, "U.S. Department of State", chunk=n, nth=1) for n in range(3)] + [
        at(texts, "U.S. Department of State", chunk=4)]
    assert heading_mentions(texts, in_header + in_text) == set(in_header)
    assert heading_mentions(texts[:3], in_header[:3]) == set()  # a line in three chunks may be chance


@pytest.mark.parametrize("surface", ["C-", "the 'Lace Up", "Stakeholder(s", "non-Nike", "al", "the",
                                     "Demon, Dodge", "the 'House of Play', Foot Locker",
                                     "the Department of", "Consumer Assessment of", "Smith and", "Johnson &"])
def test_pieces_of_text_are_not_names(surface: str) -> None:
    assert is_fragment(surface)


@pytest.mark.parametrize("surface", ["Foot Locker, Inc.", "Washington, D.C.", "iPhone", "de Gaulle", "O'Brien",
                                     "al-Qaeda", "the Beatles'", "Martin Luther King, Jr.", "Acme (UK)",
                                     "the 'House of Play'", "Pasadena, LA", "Bank of America", "Ursula K. Le Guin"])
def test_whole_names_are_not_fragments(surface: str) -> None:
    assert not is_fragment(surface)


def test_a_bullet_is_not_part_of_a_name() -> None:
    assert display_name(["• NIH", "NIH"]) == "NIH"


def test_an_abbreviation_defined_as_a_term_is_told_from_one_that_names_an_organisation() -> None:
    texts = ["Progress is tracked with key performance indicators (KPIs) under Good Clinical Practice (GCP), as "
             "the Department of Labor (DOL) asks.",
             "Each KPI is reported to the Federal Aviation Administration (FAA). GCP applies to every site."]
    mentions = [MentionRecord(0, s, "ORG", 0, len(s), 0) for s in ("KPIs", "KPI", "GCP", "FAA", "DOL", "NTSB")]
    assert defined_terms(texts, mentions) == {"KPIs", "KPI", "GCP"}  # the FAA names an organisation; NTSB undefined


def test_a_list_of_abbreviations_defines_terms_too() -> None:
    texts = ["List of Abbreviations\nAE adverse event\nIRB | Institutional Review Board |\nSAE: serious adverse event\n"
             "MRI magnetic resonance imaging\nPI Principal Investigator",
             "Every AE and SAE is reported to the IRB. An MRI is taken. The PI signs."]
    mentions = [MentionRecord(1, s, "ORG", 0, len(s), 0) for s in ("AE", "SAE", "IRB", "MRI", "PI")]
    # the IRB is a board: an organisation
    assert defined_terms(texts, mentions) == {"AE", "SAE", "MRI", "PI"}


@pytest.mark.parametrize(("surface", "label", "kept"), [("the Demon 170", "PERSON", "PRODUCT"),
                                                         ("Cessna 172S", "PERSON", "PRODUCT"),
                                                         ("Louis XIV", "PERSON", "PERSON"),
                                                         ("Studio 54", "ORG", "ORG"), ("170", "PERSON", "PERSON")])
def test_a_person_named_with_a_number_is_a_product(surface: str, label: str, kept: str) -> None:
    assert corrected_label(surface, label) == kept


@pytest.mark.parametrize(("surface", "label", "kept"), [("Exeter Hospital", "PERSON", "ORG"),
                                                         ("the Independent Safety Board Act", "ORG", "LAW"),
                                                         ("Clean Air Act", "WORK_OF_ART", "LAW"),
                                                         ("Margaret Court", "PERSON", "PERSON"),
                                                         ("Eddie House", "PERSON", "PERSON"),
                                                         ("Hospital", "PERSON", "PERSON"),
                                                         ("Harvard University", "ORG", "ORG")])
def test_a_name_that_ends_in_what_it_names_is_typed_by_it(surface: str, label: str, kept: str) -> None:
    assert corrected_label(surface, label) == kept



@pytest.mark.parametrize(("surface", "label", "junk"), [
    ("Precipitation and Obscuration: No Obscuration", "ORG", True),
    ("Cessna 172 Aircraft Damage: Substantial", "ORG", True),
    ("Star Wars: Episode IV", "WORK_OF_ART", False),
    ("Batman: Arkham City", "PRODUCT", False),
    ("Acme Corp.", "ORG", False),
    ("10:30 Club", "ORG", False),
])
def test_a_label_run_into_its_value_is_not_a_name_but_a_title_with_a_colon_is(surface: str, label: str,
                                                                               junk: bool) -> None:
    assert is_label_and_value(surface, label) is junk


def test_an_abbreviation_defined_as_a_body_is_an_organisation() -> None:
    texts = ["Records go to the National Archives and Records Administration (NARA). The United Arab Emirates (UAE) "
             "signed."]
    mentions = [MentionRecord(0, s, "GPE", 0, len(s), 0) for s in ("NARA", "UAE")]
    assert defined_bodies(texts, mentions) == {"NARA"}  # the UAE is a place


def test_an_abbreviation_spelling_a_departments_name_after_of_is_the_department() -> None:
    texts = ["Partners: the Department of Housing and Urban\nDevelopment (HUD) and Good Clinical Practice (GCP)."]
    mentions = [MentionRecord(0, s, "ORG", 0, len(s), 0) for s in ("HUD", "GCP")]
    assert defined_bodies(texts, mentions) == {"HUD"} and defined_terms(texts, mentions) == {"GCP"}


def test_an_abbreviation_in_a_list_of_departments_is_a_department_the_file_names_elsewhere() -> None:
    texts = ["The test runs at the Departments of Energy (DOE), Veterans Affairs (VA), and Housing and Urban "
             "Development (HUD), and uses Good Clinical Practice (GCP).",
             "Contacts\nDepartment of Housing and Urban\nDevelopment\nDepartment of Veterans Affairs"]
    mentions = [MentionRecord(0, s, "ORG", 0, len(s), 0) for s in ("DOE", "VA", "HUD", "GCP")]
    assert defined_bodies(texts, mentions) == {"DOE", "VA", "HUD"} and defined_terms(texts, mentions) == {"GCP"}


def test_a_files_brand_types_its_models_and_its_founders() -> None:
    said = [("Dodge", "ORG"), ("Dodge", "ORG"), ("Dodge Challenger", "ORG"), ("Challenger", "PERSON"),
            ("Horace", "PERSON"), ("Horace Dodge", "ORG"), ("Dodge Brothers", "ORG"), ("Walter Dodge", "ORG")]
    said += [("Department", "ORG"), ("Department Learning", "ORG"), ("Target", "ORG"), ("Target Unspecified", "ORG")]
    said += [("Ulta", "ORG"), ("Ulta Beauty", "ORG"), ("NBIB", "ORG"), ("NBIB Federal", "ORG"), ("Federal", "ORG"),
             ("Federal Register", "ORG"), ("Federal Workforce", "ORG")]
    text = "The department sets a target for each model: the Challenger, built by Dodge."
    kinds = typed_by_brand([text], [MentionRecord(0, s, label, 0, len(s), 0) for s, label in said])
    assert kinds == {"Dodge Challenger": "PRODUCT", "Challenger": "PRODUCT", "Horace Dodge": "PERSON"}
    # "Dodge Brothers" is a company; nothing says "Walter" is a person's name here; the file writes "department"
    # and "target" in lowercase: they are its words, not brands; "Beauty" is never a name alone here, and
    # "Federal" goes on several organisations' names


def test_a_model_is_a_product_also_beside_a_rightly_tagged_or_numbered_product() -> None:
    said = [("Dodge", "ORG"), ("Dodge Charger", "PRODUCT"), ("Charger", "ORG"), ("Demon 170", "PRODUCT"),
            ("Demon", "PERSON"), ("Boeing", "ORG"), ("Boeing 747", "PRODUCT"), ("Jet 2", "PRODUCT"), ("Jet", "ORG")]
    text = "Dodge made the Charger and the Demon; Boeing flew a jet."
    kinds = typed_by_brand([text], [MentionRecord(0, s, label, 0, len(s), 0) for s, label in said])
    assert kinds == {"Dodge Charger": "PRODUCT", "Charger": "PRODUCT", "Demon": "PRODUCT"}
    # a brand is no model of its own numbered product ("Boeing" stays; "747" is never written alone); "jet" is a
    # word of this file


def test_a_list_says_what_its_items_are() -> None:
    text = ("Vehicles like the Dodge Charger and Challenger became legends. Automakers such as Dodge, Ford or GM "
            "compete; cities like Reno draw buyers. Dillon said models sold well, and Ford agreed.")
    said = [("the Dodge Charger", "ORG"), ("Challenger", "ORG"), ("Dodge", "ORG"), ("Ford", "PERSON"), ("GM", "ORG"),
            ("Reno", "PERSON"), ("Dillon", "ORG"), ("Ford", "PERSON")]
    mentions, at = [], 0
    for surface, label in said:
        at = text.index(surface, at)
        mentions.append(MentionRecord(0, surface, label, at, at + len(surface), 0))
        at += len(surface)
    assert typed_by_kind([text], mentions) == {"the Dodge Charger": "PRODUCT", "Challenger": "PRODUCT", "Dodge": "ORG",
                                               "Ford": "ORG", "GM": "ORG", "Reno": "GPE"}


def test_a_name_written_with_a_version_is_a_product() -> None:
    text = ("Data were analysed in SPSS version 26 and Stata v17. Channel 4 aired it; KPI 2.2.1 was met. Roe v. Wade "
            "stands; Acme, version 2 of the plan, failed. A Dodge V8 roared.")
    said = [("SPSS", "ORG"), ("Stata", "PERSON"), ("Channel 4", "ORG"), ("KPI", "ORG"), ("Roe", "PERSON"),
            ("Acme", "ORG"), ("Dodge", "ORG")]
    mentions = [MentionRecord(0, s, label, text.index(s), text.index(s) + len(s), 0) for s, label in said]
    assert typed_by_version([text], mentions) == {"SPSS": "PRODUCT", "Stata": "PRODUCT"}


def test_an_abbreviation_counted_with_a_or_an_is_a_common_noun() -> None:
    text = ("Buyers get a VIN with six digits. He earned an MBA from Yale. An FBI agent and a UK hit; the NBA, and "
            "an IRB, approve it.")
    said = ["VIN", "MBA", "Yale", "FBI", "UK", "NBA", "IRB"]
    mentions = [MentionRecord(0, s, "ORG", text.index(s), text.index(s) + len(s), 0) for s in said]
    assert counted_abbreviations([text], mentions) == {"VIN", "MBA", "IRB"}


def test_a_name_a_file_writes_between_quotes_is_a_title() -> None:
    text = ("Dillon unveiled the 'Lace Up' plan. 'Lace Up,' she said, works. He starred in “Tai Chi Summit”. "
            "Dodge's 'Hellcat' beat Ford. The law \"Prop 8\" passed.")
    said = [("the 'Lace Up'", "ORG"), ("Lace Up", "PERSON"), ("Tai Chi Summit", "PERSON"), ("Dodge", "ORG"),
            ("Hellcat", "PRODUCT"), ("Ford", "ORG"), ("Prop 8", "LAW")]
    at = {"Lace Up": text.index("'Lace Up,") + 1}  # the second time, as the comma's quotes close it
    mentions = [MentionRecord(0, s, label, at.get(s, text.index(s)), at.get(s, text.index(s)) + len(s), 0)
                for s, label in said]
    assert typed_by_quotes([text], mentions) == {"the 'Lace Up'": "WORK_OF_ART", "Lace Up": "WORK_OF_ART",
                                                 "Tai Chi Summit": "WORK_OF_ART"}


def test_an_abbreviation_counted_once_among_many_names_is_still_a_name() -> None:
    text = "DOL hires. A DOL that harnesses talent grows. DOL trains. DOL pays. The VIN, a VIN with digits."
    mentions, at = [], 0
    for surface in ("DOL", "DOL", "DOL", "DOL", "VIN", "VIN"):
        at = text.index(surface, at)
        mentions.append(MentionRecord(0, surface, "ORG", at, at + len(surface), 0))
        at += len(surface)
    assert counted_abbreviations([text], mentions) == {"VIN"}
