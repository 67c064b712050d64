"""Where an answer sits in its sentence: what a verb acts on for "what did X hit", the value after its label for
"what is the primary endpoint"."""

from __future__ import annotations

from functools import partial

import pytest

from drive.ml.embedder import MiniLmEmbedder
from drive.ml.nlp import Nlp, load_nlp
from rag.answer.direct import cosines
from rag.answer.field import read_amount, read_field, read_named_amount
from rag.answer.roles import Role, asked_label, asked_role, kind_and_label
from rag.answer.short import Evidence, short_answer


@pytest.fixture(scope="module")
def nlp() -> Nlp:
    return load_nlp()


@pytest.fixture(scope="module")
def embedder() -> MiniLmEmbedder:
    return MiniLmEmbedder()


@pytest.mark.parametrize("question, role", [
    ("What did the left wing of a Cessna 172S strike while taxiing?",
     Role(object=True, subject=frozenset({"left", "wing", "cessna", "172", "strik"}))),
    ("What vegetation did the right wing snag during the takeoff?",
     Role(object=True, labels=frozenset({"vegetation"}), subject=frozenset({"right", "wing", "snag"}))),
    ("What is the primary endpoint of the muscle stimulation study?", Role(labels=frozenset({"primary", "endpoint"}))),
    ("What ceiling was reported at the airport?", Role(labels=frozenset({"ceil"}))),
    ("What FY 2022 target did the department set?",
     Role(object=True, labels=frozenset({"fy", "target"}), subject=frozenset({"department", "set"}))),
    ("Who directed the film that was shot in Leland?", Role()),
    # "what" acts here: it is the subject of "could have prevented"
    ("What could have prevented the nose-over of the Cessna?", Role()),
    # after a preposition the question word is not what the verb acts on
    ("To which group of mountains does the range belong?", Role(labels=frozenset({"group"}))),
    ("How many people died in the crash?", Role()),
    # the noun phrase up to its preposition: the range is asked for, not the patients
    ("What age range of patients is eligible for the study?", Role(labels=frozenset({"age", "rang"}))),
])
def test_the_question_form_says_where_its_answer_sits(question: str, role: Role) -> None:
    assert asked_role(question) == role


def test_what_a_verb_acts_on_answers_what_did_it_strike(nlp: Nlp) -> None:
    # Nearer the question's words ("pilot") stands "a jolt", which the pilot felt; the wing contacted the trailer.
    evidence = [Evidence("As the airplane turned, the pilot felt a jolt and saw that the airplane's left wing had "
                         "contacted a utility trailer.", 1, 1.0, "ntsb.pdf")]
    found = short_answer("What did the left wing of the student pilot's Cessna strike while taxiing to parking?",
                         evidence, nlp)
    assert found is not None and found.text == "utility trailer"


@pytest.mark.parametrize("sentence", [
    "Study design and aims. Primary endpoint: photographic evaluation by a blinded reviewer. Visit 3 is at 12 weeks.",
    "Outcomes of the trial, week 12: photographic evaluation by a blinded reviewer (primary endpoint).",
])
def test_the_value_of_the_label_answers_what_is_the_label(nlp: Nlp, sentence: str) -> None:
    evidence = [Evidence(sentence, 1, 1.0, "protocol.pdf")]
    found = short_answer("What is the primary endpoint of the muscle stimulation trial?", evidence, nlp)
    assert found is not None and "photographic evaluation" in found.text


def test_the_right_wing_caught_in_brush_is_what_the_wing_snagged(nlp: Nlp) -> None:
    # spaCy reads "caught" as a participle on "wing": the noun it modifies is what acts
    evidence = [Evidence("The pilot said he used too much rudder during takeoff, and the right wing caught in high "
                         "alder brush next to the takeoff area.", 1, 1.0, "ntsb.pdf")]
    found = short_answer("What vegetation did the right wing of the Piper snag during the takeoff?", evidence, nlp)
    assert found is not None and found.text == "high alder brush"


PROTOCOL = ("Study topic: daratumumab with bortezomib in double-hit myeloma. Study applicant: Institute of "
            "Hematology.\nStudy endpoints Primary endpoints:\n\x9f Negative rate of MRD (after maintenance therapy)\n"
            "Secondary endpoints:\n\x9f Duration of negative MRD")


def test_a_field_on_the_line_after_its_label_is_read_as_written() -> None:
    question = "What is the primary endpoint of the daratumumab trial in double-hit myeloma?"
    found = read_field(question, [("other.pdf", "Daratumumab is an antibody."), ("protocol.pdf", PROTOCOL)])
    assert found is not None and found.passage == 2
    assert found.text == "Negative rate of MRD (after maintenance therapy)"


def test_a_field_of_a_file_about_something_else_is_not_read() -> None:
    other = "Primary endpoint: change in HbA1c at 12 weeks.\nSecondary endpoint: weight."
    assert read_field("What is the primary endpoint of the daratumumab trial in double-hit myeloma?",
                      [("diabetes.pdf", other)]) is None


@pytest.mark.parametrize("text", ["Lowest Ceiling: | Visibility (RVR): |", "Lowest Ceiling:\nWind Speed/Gusts: /"])
def test_another_field_label_is_not_a_value(text: str) -> None:
    assert read_field("What ceiling was reported at Lorain County airport?", [("ntsb.pdf", f"Lorain County. {text}")]) is None


def test_a_value_followed_by_the_next_fields_label_on_its_line_is_read_without_it() -> None:
    # a form's line holds two fields, label and value each: the value ends where the next label begins
    text = ("Lorain County Regional (LPR), Elyria, Aerostar 601.\n"
            "Lowest Ceiling: Overcast / 200 ft agl Visibility (RVR):\n"
            "Departure Point: Elyria, OH (LPR) Type of Flight Plan Filed: IFR")
    found = read_field("What ceiling was reported at Lorain County airport?", [("ntsb.pdf", text)])
    assert found is not None and found.text == "Overcast / 200 ft agl"
    wind = read_field("What was the wind direction at Lorain County airport?",
                      [("ntsb.pdf", f"{text}\nWind Direction: 190° | Turbulence Severity /")])
    assert wind is not None and wind.text == "190°"  # a value of digits is a value


NTSB = ("Probable Cause and Findings\nThe National Transportation Safety Board determines the probable cause(s) of "
        "this accident to be:\nThe pilot's improper flare during landing.\nFindings\nOccurrence #1: HARD LANDING")


@pytest.mark.parametrize("question", [
    "What did the NTSB determine was the probable cause of the Beech A23's hard landing in Death Valley?",
    "What was the probable cause of the hard landing of the Beech A23 in Death Valley?",
])
def test_a_value_on_the_line_after_a_heading_ending_in_a_colon_is_read(question: str) -> None:
    assert asked_label(question) == ["probable", "cause"]
    found = read_field(question, [("ntsb.pdf", f"Beech A23, Death Valley, hard landing.\n{NTSB}")])
    assert found is not None and found.text == "The pilot's improper flare during landing"


def test_the_noun_naming_the_kind_asked_for_is_not_an_echo_of_the_question(nlp: Nlp) -> None:
    # "phase" is the kind asked for: "Phase II study" answers "what trial phase", it does not repeat the question
    evidence = [Evidence("PHASE II STUDY OF IMMUNIZATION WITH DENDRITIC CELLS AND LOW DOSE OF INTERLEUKIN-2, IN PATIENTS "
                         "WITH ADVANCED MELANOMA.", 1, 0.9, "protocol.pdf"),
                Evidence("We present to the committee a second protocol that alternates dendritic cell vaccines with "
                         "low doses of IL-2.", 2, 0.7, "protocol.pdf")]
    found = short_answer("What trial phase is the Chilean protocol of dendritic-cell immunization in melanoma?",
                         evidence, nlp)
    assert found is not None and "PHASE II" in found.text


def test_an_amount_opening_the_value_of_the_label_is_preferred(nlp: Nlp) -> None:
    # the amount nearest the question's words is not the one the label names
    evidence = [Evidence("The screening rate was 9 per 100,000 inhabitants per institution in 2018.", 1, 1.0, "p.pdf"),
                Evidence("2021, the minimum sample size required per institution is 1,151 and the maximum with a", 2,
                         1.0, "p.pdf")]
    found = short_answer("What minimum sample size per institution was calculated for the screening study?",
                         evidence, nlp)
    assert found is not None and found.text == "1,151"


def test_an_amount_is_read_in_the_file_the_question_is_about() -> None:
    # Every NTSB form has a "Flight Time:" line; the one to read is in the Air Tractor report near Soledad.
    other = ("Cessna 152 accident near Venice, Florida.\nFlight Time: 2319 hours (Total, all aircraft), 2313 hours "
             "(Total, this make and model)")
    own = ("Air Tractor AT-401 destroyed during a seeding flight near Soledad, California.\nAge: 58, Male\nFlight "
           "Time: 11000 hours (Total, all aircraft), 240 hours (Total, this make and model)")
    question = "How many total flight hours had the pilot accumulated when his Air Tractor AT-401 crashed near Soledad?"
    found = read_amount(question, [("venice.pdf", other), ("soledad.pdf", own)])
    assert found is not None and found.text == "11000 hours" and found.passage == 2


def test_a_count_is_the_number_beside_what_is_counted_not_a_section_number() -> None:
    text = ("Glasgow feasibility study of virtual reality rehabilitation in tetraplegia.\n1.1 Participants\n"
            "8 of these participants will attend interviews.\nThe study aims to recruit 24 participants.")
    found = read_amount("How many participants does the Glasgow feasibility study of virtual reality aim to recruit?",
                        [("glasgow.pdf", text)])
    assert found is not None and found.text == "24 participants"


def test_which_organization_is_the_sponsor_reads_the_sponsor_field_not_a_longer_label() -> None:
    question = "Which organization is the sponsor of the qualitative interview study on day-case urology in England?"
    assert asked_label(question) == ["sponsor"] and kind_and_label(question)  # read as a field, though it names a kind
    assert not kind_and_label("Which organization funded the study?")
    form = ("Qualitative interview study on day-case urology surgery in England\n"
            "Sponsor R&D No:\nNumber of Study Sites\n\nSponsor:\n• Royal Devon University Healthcare NHS Foundation Trust")
    found = read_field(question, [("protocol.pdf", form)])
    assert found is not None and found.text == "Royal Devon University Healthcare NHS Foundation Trust"


def test_a_label_split_into_a_heading_and_its_sub_item_is_read() -> None:
    # "main outcome measure": the outline says "outcome measures:", then "a. Primary (main):", then the value
    outline = ("Rhomboid flap versus deep suturing trial at Assiut University.\n2.4.5 –Research outcome measures:\n"
               "a. Primary (main):\nPostoperative recurrence rate. Recurrence will be defined as a new outbreak.\n"
               "b. Secondary (subsidiary):\n1. Operative time\n2. Wound infection")
    asked = "What is the {} outcome measure of the Assiut University trial of the rhomboid flap?"
    found = read_field(asked.format("main"), [("protocol.pdf", outline)])
    assert found is not None and found.text == "Postoperative recurrence rate"
    found = read_field(asked.format("secondary"), [("protocol.pdf", outline)])
    assert found is not None and found.text == "1. Operative time"


def test_a_named_amount_is_read_where_its_file_states_it_pages_away() -> None:
    question = "What minimum sample size per institution was calculated for the hepatitis C screening study in Colombia?"
    protocol = [("protocol.pdf", "Hepatitis C screening study in hospitals in Colombia. In 2021, 878 cases were reported, "
                                 "an incidence of 1.70 per 100,000 inhabitants."),
                ("other.pdf", "The sample size of the walking trial is 90 women."),
                ("protocol.pdf", "With a design effect of 3 and 280,186 people served in 2021, the minimum sample size "
                                 "required per institution is 1,151 and the maximum is 4,519.")]
    found = read_named_amount(question, protocol)
    assert found is not None and (found.text, found.passage) == ("1,151", 3)
    assert read_named_amount("How many patients enrolled in the trial?", protocol) is None  # names no amount noun


def test_a_named_amount_is_read_in_the_sentence_about_what_the_question_asks(embedder: MiniLmEmbedder) -> None:
    # Both sentences give "a dose of"; the second says what the question asks about (interleukin-2, after each
    # vaccination), with its multiplier and unit; the first, ranked first, is a lysate's irradiation.
    question = "At what dose is subcutaneous interleukin-2 given after each vaccination in the melanoma vaccine trial?"
    protocol = [("protocol.pdf", "Melanoma vaccine trial. The lysate will be irradiated with a dose of 60 Gy, and "
                                 "sonicated for one 30-second cycle."),
                ("protocol.pdf", "Interleukin 2: PROLEUKIN (recombinant human interleukin-2) will be administered in a "
                                 "dose of 2.4 x 106 IU/m2, subcutaneously, after each vaccination.")]
    found = read_named_amount(question, protocol, partial(cosines, embedder))
    assert found is not None and (found.text, found.passage) == ("2.4 x 106 IU/m2", 2)
    # a stretch of time is no dose: "every 2 weeks" stands nearer the word "dose" than the dose does
    found = read_named_amount("What loading dose of emicizumab is given?",
                              [("protocol.pdf", "Emicizumab: the loading dose, every 2 weeks, is 3 mg/kg.")])
    assert found is not None and found.text == "3 mg/kg"
