"""Answer spans: the question word that asks, titles and counts as answers, and a bridge question's second hop
read from the file about the bridge."""

from __future__ import annotations

import uuid

import pytest

from drive.ml.embedder import MiniLmEmbedder
from drive.ml.nlp import Nlp, load_nlp
from rag.answer.chain import relations
from rag.answer.direct import answer_offline
from rag.answer.expect import DATE, NUMBER, PERSON, PLACE, WORK, expected_labels, relation
from rag.answer.short import Evidence, short_answer
from rag.answer.spans import AMOUNT
from rag.types import Passage


@pytest.fixture(scope="module")
def nlp() -> Nlp:
    return load_nlp()


@pytest.mark.parametrize("question, labels", [
    # "who" opens a relative clause and "what" asks, naming no kind: not a person
    ("The film features an American actress who starred in what for seven years?", frozenset()),
    ("In what film did the actor play a character based on a story by Tom Rowe?", WORK),
    ("Which century were both dog breeds developed in?", DATE),
    ("What time does the ferry leave the harbour on Sundays?", frozenset({"TIME"})),  # a time of day, not a date
    ("How many times was the politician who was premier when Copley was minister, premier?", NUMBER),
    ("How strong was the crosswind reported when the student pilot lost control?", NUMBER),
    ("What dose of daratumumab is given during induction?", NUMBER),
    ("What is the planned sample size of the study?", NUMBER),
    ("What is the debt load carried by the country the journalist was from?", NUMBER),
    ("What was the attendance at the final?", NUMBER),
    ("What is the name of the city the river flows through?", PLACE),  # asks as "what city" does
    ("He served as chief of staff to which senator, who has served as Deputy Prime Minister?", PERSON),
    ("Who directed the film that was shot in Leland in 1986?", PERSON | frozenset({"ORG"})),
])
def test_the_question_word_that_asks_decides_the_kind(question: str, labels: frozenset[str]) -> None:
    assert expected_labels(question) == labels


def test_the_relation_is_read_around_the_question_word() -> None:
    assert relation("Who directed the film that was shot in Leland?").strip() == "who directed the film"
    assert relation("The manuscript is in the hand of a German musician whose godfather is whom?") == (
        "whose godfather is whom")


def test_a_title_in_quotes_answers_what_show(nlp: Nlp) -> None:
    evidence = [Evidence('She starred in the sitcom "Mad About You" for seven years.', 1, 1.0, "hunt.txt")]
    found = short_answer("The film features an actress who starred in what for seven years?", evidence, nlp)
    assert found is not None and found.text == "Mad About You"


def test_a_count_in_words_answers_how_many_times(nlp: Nlp) -> None:
    evidence = [Evidence("He was a two-time Pro Bowl selection and played for nine seasons.", 1, 1.0, "oneal.txt")]
    found = short_answer("How many times was he selected for the Pro Bowl?", evidence, nlp)
    assert found is not None and found.text == "two-time"


def test_an_amount_keeps_its_unit_and_is_judged_where_it_stands(nlp: Nlp) -> None:
    # "90" stands next to "knots" in the weather table, but in the answer's sentence it is a heading in degrees
    evidence = [
        Evidence("The winds were reported as a 90 degree crosswind to the active runway at 8 knots.", 1, 1.0, "a.pdf"),
        Evidence("| Wind Speed/Gusts: | 8 knots, 90 | Visibility | 10 miles |", 1, 0.6, "a.pdf"),
    ]
    found = short_answer("How strong was the crosswind reported when the student pilot lost control?", evidence, nlp)
    assert found is not None and found.text == "8 knots"


def test_a_form_field_name_is_not_an_answer(nlp: Nlp) -> None:
    evidence = [Evidence("Aircraft: Fisher Aero Celebrity Aircraft Damage: Substantial", 1, 1.0, "a.pdf"),
                Evidence("The wooden propeller failed in cruise.", 1, 0.5, "a.pdf")]
    found = short_answer("Which part of the Fisher Aero Celebrity failed in cruise?", evidence, nlp)
    assert found is not None and found.text.split()[0] not in ("Aircraft", "Damage")


def make(text: str, file: str, n: int) -> Passage:
    return Passage(chunk_id=n, item_id=uuid.uuid5(uuid.NAMESPACE_URL, file), file=file, page=None, text=text)


LELAND = [
    make("Leland is a town in Brunswick County, North Carolina. A number of movies, such as \"Maximum Overdrive\" "
         "(1986), have been shot in or around Leland.", "Leland, North Carolina.txt", 1),
    make("Maximum Overdrive is a 1986 American science fiction horror film written and directed by Stephen King. "
         "The film stars Emilio Estevez.", "Maximum Overdrive.txt", 2),
]


def test_a_bridge_answer_is_read_in_the_file_about_the_bridge(nlp: Nlp) -> None:
    answer = answer_offline("Who directed the film that was shot in or around Leland in 1986?", LELAND,
                            MiniLmEmbedder(), nlp)
    assert answer.short_answer == "Stephen King"
    assert {c.file for c in answer.citations} == {"Leland, North Carolina.txt", "Maximum Overdrive.txt"}


def test_no_second_hop_when_the_first_file_already_says_how_it_relates(nlp: Nlp) -> None:
    evidence = [
        Evidence("Buchholz previously served as chief of staff to Senator Barnaby Joyce.", 1, 1.0, "Buchholz.txt"),
        Evidence("Barnaby Joyce has served as the leader of the National Party since 2016.", 2, 0.8,
                 "Barnaby Joyce.txt"),
    ]
    found = short_answer("Buchholz served as chief of staff to which senator, who led a party since 2016?",
                         evidence, nlp)
    assert found is not None and found.text == "Barnaby Joyce"


TWO_DOLLAR = "Two Dollar Radio is an independent publishing house based in Columbus, Ohio."
MIDWAY = "Midway is an unincorporated community in White County, Arkansas, United States."


@pytest.mark.parametrize(("sentence", "question", "place"), [
    (TWO_DOLLAR, "Where is the independent publishing house Two Dollar Radio based?", "Columbus, Ohio"),
    # "what state" / "what country" ask for the place it lies in: in a chain of places, the country is the
    # last, the state the one before it
    (TWO_DOLLAR, "Two Dollar Radio is based in what state?", "Ohio"),
    (MIDWAY, "In which country is Midway?", "United States"),
    (MIDWAY, "Midway lies in which state?", "Arkansas"),
])
def test_a_place_is_answered_with_the_place_it_lies_in(nlp: Nlp, sentence: str, question: str, place: str) -> None:
    found = short_answer(question, [Evidence(sentence, 1, 1.0, "place.txt")], nlp)
    assert found is not None and found.text == place


@pytest.mark.parametrize(("question", "year"), [
    ("In what year was Ezer Weizman born?", "1924"),
    ("In what year did Ezer Weizman die?", "2005"),
])
def test_a_life_span_in_parentheses_gives_the_years_of_birth_and_death(nlp: Nlp, question: str, year: str) -> None:
    text = ("Ezer Weizman (15 June 1924 – 24 April 2005) was the seventh President of Israel, first elected in "
            "1993 and re-elected in 1998.")
    found = short_answer(question, [Evidence(text, 1, 1.0, "Ezer Weizman.txt")], nlp)
    assert found is not None and found.text == year


def test_what_year_is_answered_with_a_year_not_a_duration(nlp: Nlp) -> None:
    evidence = [Evidence("He was the first President of Israel to be sworn in for a seven-year term.", 1, 1.0, "a.txt"),
                Evidence("Weizman took office in 1993.", 2, 0.6, "b.txt")]
    found = short_answer("In what year did the President of Israel take office?", evidence, nlp)
    assert found is not None and found.text == "1993"


@pytest.mark.parametrize(("question", "answer"), [
    ("The pilot who flew the first night mission was awarded what medal?", "Distinguished Flying Cross Medal"),
    ("The harbour town was founded during which century?", "14th century"),
])
def test_a_name_holding_the_asked_noun_answers_it(nlp: Nlp, question: str, answer: str) -> None:
    # Without the noun the nearest name wins: "France" stands right by "pilot", "1350" is a date too
    evidence = [Evidence("The pilot flew the first night mission over France in 1350 and later received the "
                         "Distinguished Flying Cross Medal.", 1, 1.0, "pilot.txt"),
                Evidence("The harbour town, founded in the 14th century, grew rich in 1350 on the wool trade.", 2, 0.9,
                         "town.txt")]
    found = short_answer(question, evidence, nlp)
    assert found is not None and found.text == answer


def test_the_words_before_a_question_word_left_in_place_lead_to_the_answer(nlp: Nlp) -> None:
    # "Canadian" is a name and sits nearer the question's words; the answer follows "portraits of"
    evidence = [Evidence("Mara Lind (1911 – 1990) was a Canadian painter known for her quiet portraits of fishing "
                         "villages along the coast.", 1, 1.0, "lind.txt")]
    found = short_answer("The gallery showed a painter known for her quiet portraits of what?", evidence, nlp)
    assert found is not None and found.text == "fishing villages"


def test_the_noun_a_question_word_determines_is_read_from_the_parse(nlp: Nlp) -> None:
    # "What river flows ...": no preposition or auxiliary ends the noun, the parse finds it
    evidence = [Evidence("Harlow played six seasons in Brenton before moving to Calder.", 1, 1.0, "harlow.txt"),
                Evidence("Brenton lies on the Ashby River, ten miles from the coast.", 2, 0.8, "brenton.txt")]
    found = short_answer("What river flows through the town Harlow played in before Calder?", evidence, nlp)
    assert found is not None and found.text == "Ashby River"


# One sentence or two, a question, and the few words that answer it: a number with its unit, a kind of a thing,
# a point in time, a person's whole name (each failed before its rule).
@pytest.mark.parametrize(("sentences", "question", "answer"), [
    pytest.param(["The country held about $1.18 trillion of the debt, the most of any nation."],
                 "What is the debt load carried by the country?", "$1.18 trillion", id="amount-in-trillions"),
    pytest.param(["Viorst is a 1952 graduate of Rutgers University, a land-grant university in New Jersey."],
                 "What kind of university did Judith Viorst attend?", "land-grant university",
                 id="what-kind-of"),
    pytest.param(["The drive-in theatre was closed for 364 days before it reopened.",
                  "The drive-in theatre first opened in 1951 on the edge of Tulsa."],
                 "When did the drive-in theatre open?", "1951", id="when-is-no-duration"),
    pytest.param(["Audrey Williams was the mother of Hank Williams, Jr. and the wife of Hank Williams, Sr."],
                 "Who was Audrey Williams the mother of?", "Hank Williams, Jr", id="generational-suffix"),
    pytest.param(["On December 17, 2007, at 1045 coordinated universal time, a Reims F172 M was destroyed when it "
                  "impacted terrain near Chevroux, France."],
                 "What make and model of airplane was destroyed near Chevroux?", "Reims F172 M", id="make-and-model"),
    pytest.param(["The student pilot with little experience flew the Cessna 152 on the day.",
                  "The pilot reported 3 hours in the accident airplane."],
                 "How much experience did the pilot have in the make and model?", "3 hours",
                 id="model-number-no-amount"),
])
def test_the_short_answer_is_of_the_kind_and_extent_asked(nlp: Nlp, sentences: list[str], question: str,
                                                          answer: str) -> None:
    evidence = [Evidence(text, n, 1.0 - 0.3 * (n - 1), f"{n}.txt") for n, text in enumerate(sentences, 1)]
    found = short_answer(question, evidence, nlp)
    assert found is not None and found.text == answer


def test_a_bridge_answer_continues_the_chain_from_the_file_the_question_names(nlp: Nlp) -> None:
    # Perrault stands right by the question's "country", but he ruled another country
    evidence = [Evidence("In 2012, parliament elected Idris Kamal Osman as the new President of Tessaly.", 1, 0.97,
                         "Tessaly.txt"),
                Evidence("Anton Perrault ruled as the country's first president until an uprising ousted him.", 2, 0.6,
                         "Republic of Varnia.txt"),
                Evidence("Velmora is a town in the central Harran region of Tessaly.", 3, 0.58, "Velmora.txt")]
    found = short_answer("Who was in charge of the country Velmora is located in?", evidence, nlp)
    assert found is not None and found.text == "Idris Kamal Osman"


# A sentence of another file holds the relation's word right by a name; the named file says it in other words.
_AUTHORS = [Evidence("Veldhaven is a biography by English author Tobias Marrow, chronicling the singer's life.", 1, 1.0,
                     "Veldhaven (book).txt"),
            Evidence("Grelling is a play by the Norlandic playwright Henrik Ostvald.", 2, 0.95, "Grelling (play).txt"),
            Evidence("Henrik Ostvald married Signe Aune, a painter, in 1858.", 3, 0.6, "Henrik Ostvald.txt")]


def test_a_question_asking_one_relation_of_a_named_file_is_answered_in_that_file(nlp: Nlp) -> None:
    found = short_answer("Who is the author of Grelling?", _AUTHORS, nlp)
    assert found is not None and found.text == "Henrik Ostvald"


def test_a_question_asking_through_two_relations_is_not_answered_in_the_named_file(nlp: Nlp) -> None:
    # the named file holds the bridge (Ostvald), not the answer: the chain's next file does
    found = short_answer("Who is the spouse of the author of Grelling?", _AUTHORS, nlp)
    assert found is None or found.text != "Henrik Ostvald"


def test_a_name_holding_the_asked_noun_is_no_likelier_when_the_tagger_tells_the_kind(nlp: Nlp) -> None:
    # "what company": "Hollis & Company" holds the noun, the association does not; both are organisations
    evidence = [Evidence("The Gazette is published six days a week by Hollis & Company, a division of Redmark.", 1,
                         1.0, "The Gazette.txt"),
                Evidence("The Tessaly Review is a journal published by the Norland Historical Association.", 2, 0.9,
                         "Tessaly Review.txt")]
    found = short_answer("What company published the Tessaly Review?", evidence, nlp)
    assert found is not None and found.text == "Norland Historical Association"


@pytest.mark.parametrize(("question", "count"), [
    ("Who is the author of Grelling?", 1),
    ("Who wrote Grelling?", 0),
    ("Who is the spouse of the director of Jump for Glory?", 2),
    ("Who was in charge of the country Velmora is located in?", 2),
])
def test_relations_counts_the_nouns_between_a_name_and_what_is_asked(nlp: Nlp, question: str, count: int) -> None:
    assert relations(nlp.parse([question])[0]) == count


@pytest.mark.parametrize(("text", "amounts"), [
    ("3 hours in the RV-8 make and model", ["3 hours"]),
    ("a B-29 over the city, COVID-19 cases", []),
    ("between 10-15 patients", ["10", "15 patients"]),
    # a dose keeps its multiplier (a superscript lost in the PDF) and a unit per something or written short
    ("a dose of 2.4 x 106 IU/m2, or 10 mg/kg", ["2.4 x 106 IU/m2", "10 mg/kg"]),
    ("applied 4 times/day for 2 weeks after 60 Gy", ["4 times/day", "2 weeks", "60 Gy"]),
    ("3 and/or 4 of a 5 x 10 grid", ["3", "4", "5", "10"]),
])
def test_an_amount_is_a_number_with_its_unit_not_part_of_a_name(text: str, amounts: list[str]) -> None:
    assert [m.group(0) for m in AMOUNT.finditer(text)] == amounts


def test_a_name_its_sentence_calls_a_film_answers_what_film_whatever_the_tagger_said(nlp: Nlp) -> None:
    # the small model tags "Maximum Overdrive" a person; "is a 1986 American horror film" says what it is
    evidence = [Evidence("Maximum Overdrive is a 1986 American horror film in which Emilio Estevez stars as Bill "
                         "Robinson, a young man working at the Dixie Boy truck stop near Wilmington.", 1, 1.0, "m.txt")]
    found = short_answer("In what film did Emilio Estevez play a man working at a truck stop?", evidence, nlp)
    assert found is not None and found.text == "Maximum Overdrive"


def test_a_dose_is_no_stretch_of_time(nlp: Nlp) -> None:
    evidence = [Evidence("Bortezomib is given every 4 weeks at 1.3 mg/m2 in the induction cycles.", 1, 1.0, "p.pdf")]
    found = short_answer("What dose of bortezomib is given?", evidence, nlp)
    assert found is not None and found.text == "1.3 mg/m2"
