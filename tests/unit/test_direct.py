"""The direct answer: a short answer first with its citation, "not in your files" when the passages do not
answer, and citation numbers 1..k in the order of first use."""

from __future__ import annotations

import re
import uuid

import numpy as np
import pytest

from drive.ml.embedder import MiniLmEmbedder
from drive.ml.nlp import Nlp, load_nlp
from rag.answer.asked import phrases
from rag.answer.bridge import BRIDGE_WEIGHT, bridge_bonus, reached
from rag.answer.compose import Ranked, keywords, rank_sentences
from rag.answer.direct import NOT_FOUND, answer_offline, names_held, support
from rag.answer.short import Evidence, both_named, is_open, options, short_answer
from rag.answer.supporting import supporting
from rag.types import Passage


def make(text: str, file: str, chunk_id: int) -> Passage:
    return Passage(chunk_id=chunk_id, item_id=uuid.uuid5(uuid.NAMESPACE_URL, file), file=file, page=None, text=text)


@pytest.fixture(scope="module")
def embedder() -> MiniLmEmbedder:
    return MiniLmEmbedder()


@pytest.fixture(scope="module")
def nlp() -> Nlp:
    return load_nlp()


CURIE = [
    make("The weather in Paris was mild that spring. Many visitors came to the city.", "paris-weather.txt", 1),
    make("Marie Curie was a physicist and chemist. In July 1898 Marie and Pierre Curie announced the discovery "
         "of polonium, named after Poland.", "curie-biography.txt", 2),
    make("Pierre Curie taught at the School of Physics in Paris.", "pierre.txt", 3),
]


def test_the_short_answer_is_the_date_asked_for_cited_first(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    answer = answer_offline("In what year did Marie Curie announce the discovery of polonium?", CURIE[::-1],
                            embedder, nlp)
    assert answer.found and answer.short_answer == "1898"
    first = answer.text.splitlines()[0]
    assert first == "**1898** [1]"
    assert answer.citations[0].n == 1 and answer.citations[0].file == "curie-biography.txt"


def test_citation_numbers_run_from_one_in_order_of_first_use(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    answer = answer_offline("Where did Pierre Curie teach, and what did Marie Curie discover?", CURIE[::-1],
                            embedder, nlp)
    used = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert used and used[0] == 1
    firsts = list(dict.fromkeys(used))
    assert firsts == list(range(1, len(firsts) + 1))
    assert sorted(c.n for c in answer.citations) == firsts


def test_a_question_the_files_do_not_answer_is_not_answered(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    answer = answer_offline("Who won the 2018 FIFA World Cup?", CURIE, embedder, nlp)
    assert not answer.found and answer.short_answer is None and answer.citations == []
    assert answer.text.startswith(NOT_FOUND) and "Closest matches:" in answer.text
    assert "- paris-weather.txt" in answer.text or "- curie-biography.txt" in answer.text


def test_which_of_two_options_picks_the_earlier_by_its_date(nlp: Nlp) -> None:
    question = "Which magazine was started first, Arthur's Magazine or First for Women?"
    assert options(question) == ["Arthur's Magazine", "First for Women"]
    evidence = [Evidence("First for Women is a woman's magazine published by Bauer Media Group in the USA. "
                         "The magazine was started in 1989.", 1, 0.8),
                Evidence("Arthur's Magazine (1844–1846) was an American literary periodical.", 2, 0.7)]
    picked = short_answer(question, evidence, nlp)
    assert picked is not None and picked.text == "Arthur's Magazine" and picked.passage == 2
    assert [e.passage for e in picked.also] == [1]  # what it was weighed against is cited too


def test_yes_no_questions_get_yes_or_no(nlp: Nlp) -> None:
    same = "Are Oslo and Lyon in the same country?"
    evidence = [Evidence("Oslo is the capital of Norway.", 1, 0.8), Evidence("Lyon is a city in France.", 2, 0.7)]
    assert short_answer(same, evidence, nlp).text == "no"  # type: ignore[union-attr]
    yes = [Evidence("Oslo is the capital of Norway.", 1, 0.8), Evidence("Bergen is a city in Norway.", 2, 0.7)]
    assert short_answer("Are Oslo and Bergen in the same country?", yes, nlp).text == "yes"  # type: ignore[union-attr]


def test_a_both_question_is_no_when_only_one_of_the_two_is_said_to_be_so(nlp: Nlp) -> None:
    question = "Are both magazines, the Home Hearth and Look Sharp, British publications?"
    assert both_named(question) == ["Home Hearth", "Look Sharp"]
    evidence = [Evidence("Home Hearth was a woman's magazine founded in Texas in 1923.", 1, 0.9),
                Evidence("Look Sharp is a British weekly magazine published in London.", 2, 0.8)]
    said = short_answer(question, evidence, nlp)
    assert said is not None and said.text == "no" and said.passage == 1 and [e.passage for e in said.also] == [2]
    both = [Evidence("Home Hearth is a British magazine founded in 1923.", 1, 0.9), evidence[1]]
    assert short_answer(question, both, nlp).text == "yes"  # type: ignore[union-attr]
    # neither worded as asked ("filmmaker", "director of films"): no evidence either way, so no "no"
    directors = "Are Ada Lind and Bo Kerr both film directors?"
    worded = [Evidence("Ada Lind is a Swedish filmmaker.", 1, 0.9), Evidence("Bo Kerr directs plays.", 2, 0.8)]
    assert short_answer(directors, worded, nlp).text == "yes"  # type: ignore[union-attr]


def test_who_questions_get_a_person_not_the_words_of_the_question(nlp: Nlp) -> None:
    evidence = [Evidence("The Journal of Psychotherapy Integration is published by the American Psychological "
                         "Association.", 1, 0.9),
                Evidence("The first president of the American Psychological Association was G. Stanley Hall.", 2,
                         0.85)]
    picked = short_answer("Who was the first president of the American Psychological Association?", evidence, nlp)
    assert picked is not None and "Stanley Hall" in picked.text and picked.passage == 2


def test_a_bridge_answer_cites_each_file_it_joins(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    passages = [make("Drew Fuller is an American actor. He starred in the series Charmed from 2002.", "Drew.txt", 1),
                make("Charmed is an American television series produced by Aaron Spelling.", "Charmed.txt", 2)]
    answer = answer_offline("Who produced the series that Drew Fuller starred in?", passages, embedder, nlp)
    assert answer.found and answer.short_answer == "Aaron Spelling"
    assert {c.file for c in answer.citations} == {"Drew.txt", "Charmed.txt"}


def test_a_three_hop_answer_cites_each_of_its_four_files(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    # The short answer's sentence and three that complete it: a chain through four files cites all four.
    passages = [make("Corey Taylor is an American singer, born in the city of Des Moines.", "Corey.txt", 1),
                make("Des Moines is the capital of the state of Iowa, on the Des Moines River.", "DesMoines.txt", 2),
                make("Iowa is a state in the Midwestern region of the United States.", "Iowa.txt", 3),
                make("The Midwestern region holds twelve states, and its largest city is Chicago.", "Midwest.txt", 4)]
    question = "Which region holds the state whose capital is the city where Corey Taylor was born?"
    answer = answer_offline(question, passages, embedder, nlp)
    assert answer.found
    assert {c.file for c in answer.citations} == {"Corey.txt", "DesMoines.txt", "Iowa.txt", "Midwest.txt"}


@pytest.mark.parametrize(("question", "named"), [
    ("Which band was formed first The Exies or Circus Diablo ?", ["Exies", "Circus Diablo"]),
    ("Did the Bank of America or Wells Fargo open first?", ["Bank of America", "Wells Fargo"]),
    ("Who is the oldest, Sid Haig or Vic Darchinyan?", ["Sid Haig", "Vic Darchinyan"]),
    ("What did the band play?", []),
    ("Which crash killed more people: the Cessna 172 crash near Boquete, Panama, or the Cessna 210 crash near "
     "Arteaga, Mexico (both 2007)?", ["Cessna 172 crash near Boquete, Panama", "Cessna 210 crash near Arteaga, Mexico"]),
    # named before the question word, joined by "and": a choice when the question compares
    ("Between Apple and Microsoft, which had higher revenue in 2023?", ["Apple", "Microsoft"]),
    ("Of the two Cessna 152 accidents, at Venice, Florida and at Madill, Oklahoma, which student had logged more "
     "flight time?", ["Venice, Florida", "Madill, Oklahoma"]),
    ("For the pilot and his passenger, which injuries were reported?", []),
])
def test_the_two_options_are_read_with_or_without_a_comma(question: str, named: list[str]) -> None:
    assert options(question) == named


def test_a_yes_no_question_after_a_statement_gets_yes_or_no(nlp: Nlp) -> None:
    question = "The director Armando Iannucci has an OBE. Does the director Puneet Sira also have one?"
    evidence = [Evidence("Puneet Sira is an Indian film director who has not received an OBE.", 1, 0.8)]
    assert short_answer(question, evidence, nlp).text == "no"  # type: ignore[union-attr]
    remake = "Do Lafzon Ki Kahani is a remake of Always, a film released in what year?"
    evidence = [Evidence("Always is a South Korean film released in 2011.", 1, 0.8)]
    assert short_answer(remake, evidence, nlp).text == "2011"  # type: ignore[union-attr]


def test_which_option_has_the_asked_attribute(nlp: Nlp) -> None:
    evidence = [Evidence("Mark King is an English musician, the bassist of Level 42.", 1, 0.9),
                Evidence("Nick Hexum is an American singer and songwriter.", 2, 0.6)]
    picked = short_answer("Which singer is American, Mark King or Nick Hexum?", evidence, nlp)
    assert picked is not None and picked.text == "Nick Hexum" and picked.passage == 2


def test_years_in_the_options_sentences_do_not_decide_a_question_that_compares_nothing(nlp: Nlp) -> None:
    evidence = [Evidence("Anna Berg (born 1950) is a Swedish poet and translator.", 1, 0.9),
                Evidence("Tom Reyes (born 1941) is a Canadian poet.", 2, 0.7)]
    picked = short_answer("Which poet is Canadian, Anna Berg or Tom Reyes?", evidence, nlp)
    assert picked is not None and picked.text == "Tom Reyes"


def test_who_prefers_a_person_to_the_title_that_sits_closer(nlp: Nlp) -> None:
    evidence = [Evidence("Maximum Overdrive is a 1986 American horror film written and directed by Stephen King.",
                         1, 0.8),
                Evidence("Movies such as Maximum Overdrive (1986) have been shot in or around Leland.", 2, 0.7)]
    picked = short_answer("Who directed the film that was shot in or around Leland in 1986?", evidence, nlp)
    assert picked is not None and picked.text == "Stephen King"


@pytest.mark.parametrize(("question", "expected"), [
    ("Impact of fuel types on performance?", True),
    ("Are store closures in malls discussed?", True),
    ("Why did the company close its stores?", True),
    ("How many stores were closed?", False),
    ("Who closed the stores?", False),
    ("The director has an OBE. Does Puneet Sira also have one?", False),
    ("What is the birthplace of the actor who plays John in Meet Me in St. Louis?", False),
])
def test_open_questions_are_told_from_questions_that_want_a_few_words(question: str, expected: bool) -> None:
    assert is_open(question) is expected


def test_an_open_question_gets_key_points_from_several_files(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    passages = [make("The fuel type has a large impact on performance: on E85 the Demon 170 reaches 1,025 hp.",
                     "demon-e85.txt", 1),
                make("On premium gasoline, a fuel of another type, the Demon 170's performance drops to 900 hp.",
                     "demon-gas.txt", 2),
                make("E85 fuel holds less energy than gasoline, so performance needs more fuel of that type.",
                     "e85-energy.txt", 3)]
    answer = answer_offline("Impact of fuel types on performance?", passages, embedder, nlp)
    assert answer.found and answer.short_answer is None
    assert not answer.text.startswith("**")
    assert {c.file for c in answer.citations} == {"demon-e85.txt", "demon-gas.txt", "e85-energy.txt"}


def test_an_open_questions_key_points_are_prose_not_form_rows(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    passages = [make("Aircraft: Cessna 172 Aircraft Damage: Substantial Defining Event: Loss of control\n\n"
                     "The Cessna 172 nosed over when its nosewheel dug into soft snow on the side of the runway.",
                     "ntsb-1.pdf", 1),
                make("Aircraft: Cessna 172S Aircraft Damage: Destroyed Injuries: 3 Fatal\n\n"
                     "The Cessna 172 impacted mountainous terrain in clouds shortly after departure.",
                     "ntsb-2.pdf", 2)]
    answer = answer_offline("Summarize the accidents involving a Cessna 172", passages, embedder, nlp)
    points = [line for line in answer.text.splitlines() if line.startswith("- ")]
    assert len(points) == 2 and all("Damage:" not in p for p in points), answer.text
    assert {c.file for c in answer.citations} == {"ntsb-1.pdf", "ntsb-2.pdf"}


def test_a_form_line_answers_from_the_report_the_question_names(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    """Two accident reports hold the same form line; the answer is read from the report about the named
    aircraft, with the number and its unit."""
    passages = [make("The Piper PA-22 crashed near Tallahassee. Flight Time: 2319 hours (Total, all aircraft), "
                     "2313 hours (Total, this make and model).", "ntsb-piper.pdf", 1),
                make("The amateur-built Sorrell SNJ-7 ground-looped on landing at Belen, New Mexico. "
                     "Flight Time: 1364 hours (Total, all aircraft), 12 hours (Total, this make and model).",
                     "ntsb-sorrell.pdf", 2)]
    question = "How many total flight hours, in all aircraft, did the pilot of the Sorrell SNJ-7 have?"
    answer = answer_offline(question, passages, embedder, nlp)
    assert answer.found and answer.short_answer == "1364 hours"
    assert answer.citations[0].file == "ntsb-sorrell.pdf"


def test_a_comparison_reads_each_options_amount_from_its_own_file_and_cites_both(
        embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    """The amounts sit in form lines that do not name the options; each option is found by the words that
    set it apart, the amount by the words around it (not the age, the date or the 40 recent hours)."""
    passages = [
        make("An Air Tractor AT-401 was destroyed during a seeding flight near Soledad, California.",
             "ntsb-airtractor.pdf", 1),
        make("Age: 40, Male. Last Medical Exam: 10/01/2007. Flight Time: 11000 hours (Total, all aircraft), "
             "40 hours (Last 30 days, all aircraft).", "ntsb-airtractor.pdf", 2),
        make("A Piper PA-31T landed with the gear up at Muscle Shoals, Alabama.", "ntsb-piper.pdf", 3),
        make("Age: 61, Male. Last Medical Exam: 09/01/2007. Flight Time: 10127 hours (Total, all aircraft), "
             "300 hours (Last 90 days, all aircraft).", "ntsb-piper.pdf", 4),
    ]
    question = ("Which pilot had more total flight hours: the agricultural pilot whose Air Tractor AT-401 crashed "
                "near Soledad, California, or the pilot who landed a Piper PA-31T at Muscle Shoals, Alabama?")
    answer = answer_offline(question, passages, embedder, nlp)
    assert answer.short_answer == "agricultural pilot whose Air Tractor AT-401 crashed near Soledad, California"
    assert {c.file for c in answer.citations} == {"ntsb-airtractor.pdf", "ntsb-piper.pdf"}
    assert "11000 hours" in answer.text and "10127 hours" in answer.text
    fewer = answer_offline(question.replace("more", "fewer"), passages, embedder, nlp)
    assert fewer.short_answer == "pilot who landed a Piper PA-31T at Muscle Shoals, Alabama"


def test_a_form_line_on_another_page_is_read_from_the_report_the_question_names(
        embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    """The narrative naming the aircraft is on page 1, the pilot's form on page 2 (another passage); the other
    report's form line is worded the same. The file, not only the passage, tells which form to read."""
    passages = [make("The amateur-built Sorrell SNJ-7 ground-looped on landing at Belen, New Mexico.", "ntsb-sorrell.pdf", 1),
                make("Pilot Information. Flight Time: 2319 hours (Total, all aircraft), 2313 hours (Total, this make "
                     "and model). The pilot held a private certificate.", "ntsb-piper.pdf", 2),
                make("Certificate: Private. Airplane Rating(s): Single-engine Land. Medical Certification: Class 3. "
                     "Flight Time: 1364 hours (Total, all aircraft), 12 hours (Total, this make and model).",
                     "ntsb-sorrell.pdf", 3),
                make("The Piper PA-22 clipped trees near Tallahassee, Florida.", "ntsb-piper.pdf", 4)]
    question = "How many total flight hours, in all aircraft, did the pilot of the Sorrell SNJ-7 have at Belen?"
    answer = answer_offline(question, passages, embedder, nlp)
    assert answer.short_answer == "1364 hours"
    assert answer.citations[0].file == "ntsb-sorrell.pdf"


def test_an_amount_in_a_table_is_read_from_its_row_and_period_column(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    """A table row read as a sentence is a flat run of numbers; the short answer is the cell of the asked row in
    the asked year's column, and the first supporting line says which row and column it came from."""
    table = ("Strategic Goal 4: Honor Service\n| Performance Measure | FY 2012 Results | FY 2013 Results | "
             "FY 2013 Target |\n| --- | --- | --- | --- |\n"
             "| Percent of retirement claims processed accurately | 92% | 93% | 95% |\n"
             "| Average unit cost for processing retirement claims | $101.89 | $91.37 | $108.29 |")
    passages = [make("OPM processed retirement claims at a lower average unit cost than in FY 2012, and its "
                     "accuracy of 93% came close to the target.", "opm-summary.pdf", 1),
                make(table, "opm-report.pdf", 2)]
    answer = answer_offline("What was the FY 2013 average unit cost of processing a retirement claim?", passages,
                            embedder, nlp)
    assert answer.short_answer == "$91.37" and answer.citations[0].file == "opm-report.pdf"
    lines = answer.text.splitlines()
    assert lines[0] == "**$91.37** [1]"
    assert lines[4] == ("- Strategic Goal 4: Honor Service — Average unit cost for processing retirement claims "
                        "(FY 2013 Results): $91.37 [1]")


def test_an_amount_is_chosen_by_what_its_neighbours_say_it_measures(nlp: Nlp) -> None:
    crash = Evidence("The pilot, age 85, was attempting to land a Piper PA-22-150 at his private airstrip.", 1, 0.9)
    assert short_answer("How old was the pilot of the Piper PA-22 that clipped trees?", [crash], nlp).text == "85"  # type: ignore[union-attr]
    log = Evidence("In the last 90 days the pilot flew 12 hours; he had 1,364 total flight hours.", 1, 0.9)
    picked = short_answer("How many total flight hours did the pilot have?", [log], nlp)
    assert picked is not None and picked.text.startswith("1,364")


def test_a_share_is_answered_with_a_percentage(nlp: Nlp) -> None:
    row = Evidence("In FY 2017 OPM processed 57.3% of the 43,000 retirement claims within 60 days.", 1, 0.9)
    picked = short_answer("What share of retirement claims did OPM process within 60 days in FY 2017?", [row], nlp)
    assert picked is not None and picked.text == "57.3%"


def test_passages_naming_someone_else_with_the_same_words_do_not_answer(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    """Asked where Kerry Saxby-Junna was born, a drive about a Kerry and about the Saxby family has no answer:
    the question's name is nowhere whole. The same question over her own file is answered."""
    question = "In which town was the race walker Kerry Saxby-Junna born?"
    others = [make("Kerry Packer was born in Sydney, a town in New South Wales, and owned a race horse.", "packer.txt", 1),
              make("The Saxby family planted the orchard in the town of Young in 1920.", "orchard.txt", 2)]
    lacking = answer_offline(question, others, embedder, nlp)
    assert not lacking.found and lacking.short_answer is None and lacking.text.startswith(NOT_FOUND)
    hers = make("Kerry Saxby-Junna, an Australian race walker, was born in the town of Ballina.", "saxby.txt", 3)
    found = answer_offline(question, [hers, *others], embedder, nlp)
    assert found.found and found.short_answer == "Ballina"


@pytest.mark.parametrize(("question", "names"), [
    ("David Jones is an international in rugby union and which other sport?", ["david jones"]),
    ("Who plays John in Meet Me in the Hyman B. Samuels birthplace?", ["john", "meet me", "hyman b samuels"]),
    ("Was the Bank of America founded before Kerry Saxby-Junna's birth?", ["bank of america", "kerry saxby junna"]),
    ("How old was the pilot of the Piper PA-22 near Tallahassee, Florida, in December 2007?",
     ["piper pa 22", "tallahassee", "florida"]),
    ("What is the capital of the largest country?", []),
])
def test_the_names_a_question_asks_about_are_read_whole(question: str, names: list[str]) -> None:
    assert phrases(question) == names


def test_an_open_question_reads_past_the_passages_of_the_first_files(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    """A question about a topic across the drive: when the first ten passages come from two long reports, the
    key points still reach the other files that discuss it (an open question reads twice the passages)."""
    from types import SimpleNamespace

    from rag.ask import Retrieved, answer_from
    from rag.search.route import Route

    reports = [make(f"Section {i}: fuel type changes engine performance in test {i} of the long report.",
                    f"report-{i % 2}.txt", i) for i in range(10)]
    notes = [make(f"Fuel type {name} changes performance: the engine loses {i + 3}% of its power.",
                  f"note-{name}.txt", 10 + i) for i, name in enumerate(["e85", "diesel", "premium", "ethanol"])]
    found = Retrieved(Route(["vector"], "test"), [*reports, *notes])
    models = SimpleNamespace(chat=None, embedder=embedder, nlp=nlp)
    answer = answer_from(models, "Impact of fuel types on performance?", found)  # type: ignore[arg-type]
    assert answer.found and {c.file for c in answer.citations} & {p.file for p in notes}


def test_the_narrative_of_the_report_the_question_names_is_read_though_ranked_low(
    embedder: MiniLmEmbedder, nlp: Nlp
) -> None:
    """The report's header holds the place and the aircraft the question names, and ranks first; ten passages of
    other reports about low passes and landing gear come next; what happened is in its narrative, ranked 12th."""
    from types import SimpleNamespace

    from rag.ask import Retrieved, answer_from
    from rag.search.route import Route

    header = make("Location: Alton, NH Accident Number: NYC08CA068 Aircraft: Cessna 170B Aircraft Damage: "
                  "Substantial", "ntsb-alton.pdf", 1)
    others = [make(f"During a low pass over runway {i}, the landing gear of the Piper touched the grass near "
                   f"the property.", f"ntsb-{i}.pdf", 10 + i) for i in range(10)]
    narrative = make("While maneuvering over the lake, the right main landing gear contacted the snowy frozen "
                     "surface.", "ntsb-alton.pdf", 2)
    found = Retrieved(Route(["vector"], "test"), [header, *others, make("Weather: calm.", "ntsb-0.pdf", 30), narrative])
    models = SimpleNamespace(chat=None, embedder=embedder, nlp=nlp)
    question = "What surface did the Cessna 170B's landing gear contact during a low pass at Alton, New Hampshire?"
    answer = answer_from(models, question, found)  # type: ignore[arg-type]
    assert answer.short_answer and "frozen surface" in answer.short_answer, answer.text
    assert "ntsb-alton.pdf" in {c.file for c in answer.citations}


def test_who_is_the_label_reads_the_labelled_field(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    # "who was the registered owner" asks for the value of "Registered Owner:", a person or a body
    report = ("Location: Murfreesboro, TN | Accident Number: ERA08CA077\nAircraft: Piper PA-28-140 | Aircraft Damage: "
              "Substantial\nAircraft Make: Piper | Registration: N4396T\nRegistered Owner: Maxair LLC. | Rated Power: "
              "160 hp\nOperator: Maxair LLC. | The flight instructor, Tom Reyes, said the student flared high.")
    passages = [make(report, "ntsb_murfreesboro.pdf", 1)]
    question = "Who was the registered owner of the Piper PA-28-140 in the Murfreesboro, Tennessee accident?"
    assert answer_offline(question, passages, embedder, nlp).short_answer == "Maxair LLC"


def test_a_field_further_down_the_same_file_answers_and_is_cited(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    # The protocol's opening passages match the question's words; its primary endpoint is stated pages later.
    question = "What is the primary endpoint of the trial of daratumumab in double-hit myeloma?"
    top = [make("Phase II clinical study of daratumumab combined with bortezomib in double-hit myeloma. "
                "The trial enrolls newly diagnosed patients.", "protocol.pdf", 1),
           make("Double-hit myeloma carries a poor prognosis; daratumumab is an anti-CD38 antibody.", "protocol.pdf", 2)]
    later = [make("Duration of follow-up is 3 years.", "other.pdf", 3),
             make("Study endpoints\nPrimary endpoint:\n• Negative rate of MRD after maintenance therapy\n"
                  "Secondary endpoints:\n• Overall survival", "protocol.pdf", 4)]
    answer = answer_offline(question, top, embedder, nlp, further=later)
    assert answer.found and answer.short_answer == "Negative rate of MRD after maintenance therapy"
    cited = [c for c in answer.citations if "Negative rate of MRD" in c.passage]
    assert cited and cited[0].n == 1 and cited[0].file == "protocol.pdf"
    assert answer_offline(question, top, embedder, nlp).short_answer != answer.short_answer  # not without it


def test_a_choice_reads_each_options_amount_further_down_its_file(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    # Both reports name their place early; one states its pilot's flight time only in a later passage.
    question = ("Of the two student-pilot accidents, at Venice, Florida and at Madill, Oklahoma, "
                "which student had logged more total flight time?")
    top = [make("The student pilot departed Venice, Florida, for a solo flight in a Cessna 152.", "venice.pdf", 1),
           make("Flight Time: 23 hours (Total, all aircraft), 23 hours (Total, this make and model)", "venice.pdf", 2),
           make("The student pilot was practicing landings at Madill, Oklahoma, when the airplane bounced.",
                "madill.pdf", 3)]
    later = [make("The weather at Madill was clear.", "madill.pdf", 4),
             make("Flight Time: 28 hours (Total, all aircraft), 24 hours (Total, this make and model)", "madill.pdf", 5),
             make("Flight Time: 900 hours (Total, all aircraft)", "unrelated.pdf", 6)]
    answer = answer_offline(question, top, embedder, nlp, further=later)
    assert answer.found and answer.short_answer == "Madill, Oklahoma"
    assert any("28 hours" in c.passage and c.file == "madill.pdf" for c in answer.citations)
    assert any("23 hours" in c.passage for c in answer.citations)  # the amount it was compared with
    assert answer_offline(question, top, embedder, nlp).short_answer != "Madill, Oklahoma"  # not without it


def test_how_many_reads_the_amount_whose_label_means_what_is_counted(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    # The form never says "died": its label is "Fatal", next to the amount; the Cessna 210 is another report's.
    question = "How many people died when a Cessna 172 crashed in mountainous terrain near Boquete, Panama?"
    boquete = [make("Aircraft: Cessna 172, destroyed near Boquete, Panama, in mountainous terrain.\n"
                    "Injuries: 3 Fatal, 1 Serious\nFlight Time: 1200 hours (Total, all aircraft)", "boquete.pdf", 1),
               make("The airplane impacted mountainous terrain near Boquete after departing David, Panama.",
                    "boquete.pdf", 2)]
    other = [make("Aircraft: Cessna 210, destroyed near Arteaga, Mexico, in mountainous terrain. Injuries: 1 Fatal",
                  "arteaga.pdf", 3)]
    answer = answer_offline(question, [*boquete, *other], embedder, nlp)
    assert answer.found and answer.short_answer == "3"
    assert answer.citations[0].file == "boquete.pdf"
    unrelated = [make("Aircraft: Cessna 172, destroyed near Boquete, Panama, in mountainous terrain.\n"
                      "Flight Time: 1200 hours (Total, all aircraft)", "boquete.pdf", 1), boquete[1]]
    assert answer_offline(question, unrelated, embedder, nlp).short_answer != "1200"  # hours are not deaths


BRIDGE = [
    make("Kerry Saxby-Junna (born 2 June 1961) is a retired Australian race walker. She was born in Young, "
         "New South Wales and grew up in Ballina.", "Kerry Saxby-Junna.txt", 1),
    make("Warton is a village in Lancashire, England. Its population was measured at the 2011 Census to be 2,360.",
         "Warton, Lancaster.txt", 2),
    make("Ackworth is a village in West Yorkshire. At the 2011 census the parish had a population of 6,570.",
         "Ackworth.txt", 3),
    make("Young is a town in the South West Slopes region of New South Wales. At the 2011 census, Young had a "
         "population of 6,960.", "Young, New South Wales.txt", 4),
]


def test_a_bridge_answer_is_read_in_the_file_the_first_hop_names(embedder: MiniLmEmbedder, nlp: Nlp) -> None:
    # The census sentences of other towns share more words with the question; the one that answers it is in the
    # file that her file names as her birthplace.
    question = "At the 2011 census, what was the population of the town where Kerry Saxby-Junna was born?"
    answer = answer_offline(question, BRIDGE, embedder, nlp)
    assert answer.short_answer == "6,960"
    assert {"Kerry Saxby-Junna.txt", "Young, New South Wales.txt"} <= {c.file for c in answer.citations}


def test_a_name_asked_without_its_accents_is_held_whole() -> None:
    passages = [make("Akinoshū Kenji was a sumo wrestler born in Hiroshima.", "Akinoshū Kenji.txt", 1)]
    assert names_held(phrases("What kind of plane dropped the bomb on Akinoshu Kenji's birthplace?"), passages) == 1.0


def test_a_state_asked_by_name_is_held_where_the_report_writes_its_code() -> None:
    # NTSB reports write "Alton, NH"; people ask about "Alton, New Hampshire"
    report = make("Location: Alton, NH Accident Number: ERA08CA061 Aircraft: Cessna 170B. The landing gear "
                  "contacted the frozen lake during a low pass.", "ntsb_alton.pdf", 1)
    question = "What surface did the landing gear contact during a low pass at Alton, New Hampshire?"
    assert names_held(phrases(question), [report]) == 1.0
    assert keywords("New Hampshire") <= keywords(report.text)
    signed = make("SIGNED, IN WITNESS WHEREOF the parties agree.", "contract.txt", 2)  # not an address
    assert not keywords("Indiana") & keywords(signed.text)


def test_the_file_the_question_names_is_cited_as_the_chains_first_hop() -> None:
    # "Harrow Lane" only says who wrote it, her file says nothing of citizenship: both far below sentences of
    # four other files that say the question's words, yet the chain the answer rests on runs through them
    question = "What country was the author of Harrow Lane a citizen of?"
    texts = [("Harrow Lane is a 1921 novel by Ilse Varga.", "Harrow Lane.txt"),
             ("Every author in the town was a citizen of the country.", "Town.txt"),
             ("A citizen of the country may write to any author.", "Letters.txt"),
             ("The author, a citizen of that country, lived by the lane.", "Lanes.txt"),
             ("He became a citizen of Canada in 1990 and an author later.", "Tom Reyes.txt"),
             ("Ilse Varga was born in Pécs in 1890.", "Ilse Varga.txt")]  # the next hop: named by Harrow Lane
    cited = _supporting_files(question, texts, [0.3, 0.9, 0.85, 0.8, 0.75, 0.2])
    assert cited == ["Town.txt", "Harrow Lane.txt", "Ilse Varga.txt", "Letters.txt"]


def _supporting_files(question: str, texts: list[tuple[str, str]], relevance: list[float]) -> list[str]:
    """The files of the supporting sentences chosen from (text, file) sentences ranked by ``relevance``."""
    passages = [make(text, file, n) for n, (text, file) in enumerate(texts, 1)]
    ranked = Ranked([(text, n) for n, (text, _) in enumerate(texts, 1)], np.zeros((len(texts), 1), dtype=np.float32),
                    np.array(relevance, dtype=np.float32))
    return [passages[s.passage - 1].file for s in supporting(question, ranked, passages, None)]


def test_a_chain_follows_a_name_to_the_file_whose_title_holds_it() -> None:
    # No file is titled "Hong Kong": the file whose title holds it is the next hop; a namesake of the first
    # hop's own title ("Palm", "Iron") and a title holding only "The" are not.
    question = "When was the country that produced Iron Palm taken by the British?"
    texts = [("Iron Palm is a 2001 Hong Kong action film in which The Tiger is Tony Lee.", "Iron Palm.txt"),
             ("The British took many countries by force.", "Empire.txt"),
             ("Britain produced a country taken in 1952.", "Egypt.txt"),
             ("Kevin Palm produced a film in 1990.", "Kevin Palm.txt"),
             ("The Iron Age came to the British Isles.", "Age of the Iron.txt"),
             ("Hong Kong Island was ceded to the British in 1842.", "British Hong Kong.txt")]
    cited = _supporting_files(question, texts, [0.5, 0.9, 0.85, 0.8, 0.75, 0.3])
    assert cited[:3] == ["Empire.txt", "Iron Palm.txt", "British Hong Kong.txt"]


def test_the_hop_from_the_file_the_question_names_counts_in_full() -> None:
    # Both towns are named by another file's sentence as relevant (0.6); only Brill is named by the file the
    # question asks about, so only its sentences are the chain's second hop, undiscounted.
    question = "Who governed the town where Ada Stroud was born?"
    texts = [("Ada Stroud was born in Brill.", "Ada Stroud.txt"),
             ("The mayor of Tolm visited Brill.", "Letters.txt"),
             ("Brill is governed by a council.", "Brill.txt"),
             ("Tolm is governed by its mayor.", "Tolm.txt")]
    passages = [make(text, file, n) for n, (text, file) in enumerate(texts, 1)]
    candidates = [(text, n) for n, (text, _) in enumerate(texts, 1)]
    relevance = np.array([0.6, 0.6, 0.3, 0.3], dtype=np.float32)
    bonus = bridge_bonus(question, candidates, passages, reached(candidates, relevance, passages), relevance)
    assert bonus[2] == pytest.approx(0.6) and bonus[3] == pytest.approx(BRIDGE_WEIGHT * 0.6)
    assert bonus[0] == 0.0  # the file the question names is the first hop, not a second


def test_a_name_the_best_passages_file_states_elsewhere_in_view_supports_the_answer(embedder: MiniLmEmbedder) -> None:
    question = "How many flight hours did the pilot have when his airplane ground-looped at Belen, New Mexico?"
    pilots = [make(f"Pilot Information. Flight Time: {900 + n} hours. The pilot landed.", f"report{n}.pdf", n)
              for n in range(5)]

    def strength(header_file: str) -> float:
        header = make("Aviation Accident Final Report. Location: Belen, New Mexico.", header_file, 9)
        view = [*pilots, make("The wind was calm.", "other.pdf", 8), header]
        ranked = rank_sentences(question, view, embedder)
        assert ranked is not None
        return support(question, view, ranked)

    # The first report's own header, further down the list, names the place: that report is about Belen.
    assert strength("report0.pdf") > strength("unrelated.pdf")


def test_a_sentence_of_another_file_naming_the_first_hops_place_is_cited_as_the_next_hop() -> None:
    # "Hirakata" links the biography to the sentence that answers, which says none of the question's words
    question = "What plane dropped the bomb on the birthplace of the wrestler?"
    texts = [("The wrestler Kenzo Ota was born in Hirakata, Osaka.", "Kenzo Ota.txt"),
             ("A bomb was dropped on a city by a plane.", "Bombs.txt"),
             ("The plane flew over many cities in Osaka.", "Planes.txt"),
             ("Wrestlers from Osaka often travel by plane.", "Travel.txt"),
             ("The Silver Hawk struck Hirakata in 1945.", "Silver Hawk.txt")]
    cited = _supporting_files(question, texts, [0.9, 0.6, 0.6, 0.55, 0.5])
    assert cited[:2] == ["Kenzo Ota.txt", "Silver Hawk.txt"]
    unlinked = [*texts[:4], ("The Silver Hawk struck Tsuda in 1945.", "Silver Hawk.txt")]
    assert "Silver Hawk.txt" not in _supporting_files(question, unlinked, [0.9, 0.6, 0.6, 0.55, 0.5])


def test_a_two_word_name_the_question_asks_about_is_cited_from_the_file_that_mentions_it_in_passing() -> None:
    # The state's file says "Harlow Gallery" once, among words the question does not use; four museums' files
    # share the question's words and rank far above it
    question = "When did the Glass Hall open in the city where the Harlow Gallery is located?"
    texts = [("The Glass Hall opened its doors in 1998.", "Glass Hall.txt"),
             ("The city museum opened in 1973 where the river meets the sea.", "City Museum.txt"),
             ("A new hall of the museum opened in the city in 2006.", "Cebu Museum.txt"),
             ("The museum is located in the old city and opened in 1996.", "Farnese Museum.txt"),
             ("The gallery opened in the city centre in 1927.", "Henry Gallery.txt"),
             ("Tulsa holds the Harlow Gallery among its many arts venues.", "Oklahoma.txt")]
    cited = _supporting_files(question, texts, [0.9, 0.8, 0.78, 0.76, 0.74, 0.2])
    assert "Oklahoma.txt" in cited
    one_word = question.replace("the Harlow Gallery", "Harlow")
    in_passing = [*texts[:5], ("Tulsa holds Harlow among its venues.", "Oklahoma.txt")]
    assert "Oklahoma.txt" not in _supporting_files(one_word, in_passing, [0.9, 0.8, 0.78, 0.76, 0.74, 0.2])
