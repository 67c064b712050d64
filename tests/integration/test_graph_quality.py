"""A cleaner graph through the real pipeline: one entity per name with its type voted over its mentions
(and re-voted when a file goes; what a file's own text says a name is outweighs the model's guesses), middle
names, initials and a surname alone merged, migration 0011 on an old graph, and a
one-word name the drive also writes as a common word ranked below real names."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

from sqlalchemy import text

from drive.core import Drive
from drive.jobs.drain import drain
from drive.jobs.worker import Worker
from drive.service import DriveService
from drive.store import graph_page
from drive.store.db import make_engine
from drive.store.graph import top_entity_names
from drive.store.graph_page import GraphFilters
from drive.store.graph_view import snapshot
from tests.integration.test_accounts_migration import _upgrade, fresh_database  # noqa: F401  (fixture)

# spaCy's small model tags "Vertigo" GPE in the first file and ORG (twice) in the second.
NOVAK = "Kim Novak starred in Vertigo."
FILM = "Vertigo is a 1958 film. Critics loved Vertigo."


def add(svc: DriveService, files: dict[str, str]) -> dict[str, Any]:
    return {n: svc.upload(io.BytesIO(body.encode()), n).id for n, body in files.items()}


def named(g: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e for e in g["entities"] if e["name"] == name]


def test_a_name_is_one_entity_whose_type_is_the_vote_of_its_mentions(
        drive: Drive, svc: DriveService, worker: Worker) -> None:
    ids = add(svc, {"novak.txt": NOVAK, "film.txt": FILM})
    drain(worker)
    both = snapshot(drive.db, svc.owner).to_json()
    [vertigo] = named(both, "Vertigo")
    assert (vertigo["type"], vertigo["mentions"], vertigo["files"]) == ("ORG", 3, ["film.txt", "novak.txt"])
    svc.delete(ids["film.txt"])
    drain(worker)
    after = snapshot(drive.db, svc.owner).to_json()
    [vertigo] = named(after, "Vertigo")
    assert (vertigo["type"], vertigo["mentions"], vertigo["files"]) == ("GPE", 1, ["novak.txt"])
    svc.delete(ids["novak.txt"])
    drain(worker)
    add(svc, {"novak.txt": NOVAK})
    drain(worker)
    assert json.dumps(snapshot(drive.db, svc.owner).to_json(), sort_keys=True) == json.dumps(after, sort_keys=True)
    with drive.db.session() as s:  # every trace of the deleted file is gone
        left = s.execute(text("SELECT count(*) FROM mentions m JOIN entities e ON e.id = m.entity_id "
                              "WHERE e.owner_id = :o AND e.key = 'vertigo'"), {"o": svc.owner}).scalar_one()
    assert left == 1


def test_middle_names_and_initials_join_the_full_name(drive: Drive, svc: DriveService, worker: Worker) -> None:
    add(svc, {"hunt.txt": "Helen Elizabeth Hunt (born June 15, 1963) is an American actress. "
                          "Helen Hunt won an Academy Award.",
              "smith.txt": "J. Smith wrote the report. John Smith lives in Leeds."})
    drain(worker)
    g = snapshot(drive.db, svc.owner).to_json()
    assert named(g, "Helen Elizabeth Hunt")[0]["aliases"] == ["Helen Hunt"]
    assert named(g, "John Smith")[0]["aliases"] == ["J. Smith"]
    assert not named(g, "Helen Hunt") and not named(g, "J. Smith")


DODGE = ("Dodge builds cars in Detroit. The Dodge Challenger is a muscle car made by Dodge. Critics praised the "
         "Challenger for its V8 engine. Horace Dodge founded the company with his brother John Dodge. Horace was a "
         "machinist from Niles. Records went to the National Archives and Records Administration (NARA), and NARA "
         "keeps them.")


def test_a_files_brand_and_definitions_type_what_the_model_mistyped(
        drive: Drive, svc: DriveService, worker: Worker) -> None:
    # the small model tags "The Dodge Challenger", "Challenger" and "Horace Dodge" ORG in this text
    add(svc, {"dodge.txt": DODGE})
    drain(worker)
    g = snapshot(drive.db, svc.owner).to_json()
    [car] = named(g, "The Dodge Challenger")  # never written without its article here
    assert car["type"] == "PRODUCT" and "Challenger" in car["aliases"]
    [founder] = named(g, "Horace Dodge")
    assert founder["type"] == "PERSON" and founder["aliases"] == ["Horace"]
    assert named(g, "Dodge")[0]["type"] == "ORG" and not named(g, "Challenger")
    assert named(g, "NARA")[0]["type"] == "ORG"


DEMON = "Dodge built the Demon 170 in 2023. The Demon 170 runs on E85. Fans still call it the Demon."
DRAG = "The Demon set a record at the drag strip. Racers feared the Demon."
LOCKER = ("Foot Locker named Mary Dillon its chief executive in 2022. Dillon aims to grow the chain, and Dillon said "
          "sales rose. Dodge was founded by John Francis Dodge and Horace Elgin Dodge in Detroit.")


def test_what_one_file_says_a_name_is_outweighs_the_models_guesses_elsewhere(
        drive: Drive, svc: DriveService, worker: Worker) -> None:
    # the model tags "Demon" PERSON in every file; only demon.txt says it is the Demon 170's name
    ids = add(svc, {"demon.txt": DEMON, "drag.txt": DRAG, "strip.txt": DRAG.replace("record", "new record"),
                    "locker.txt": LOCKER})
    drain(worker)
    g = snapshot(drive.db, svc.owner).to_json()
    [demon] = named(g, "Demon")
    assert (demon["type"], demon["mentions"]) == ("PRODUCT", 6)
    # a surname tagged an organisation, and a founder tagged one beside his brother, are people
    [dillon] = named(g, "Mary Dillon")
    assert dillon["type"] == "PERSON" and dillon["aliases"] == ["Dillon"] and not named(g, "Dillon")
    assert named(g, "Horace Elgin Dodge")[0]["type"] == "PERSON"
    svc.delete(ids["demon.txt"])
    drain(worker)
    assert named(snapshot(drive.db, svc.owner).to_json(), "Demon")[0]["type"] == "PERSON"


def test_a_list_of_models_makes_its_items_products_in_every_file(
        drive: Drive, svc: DriveService, worker: Worker) -> None:
    # the model tags "Challenger" an organisation in both files; one lists it among models
    add(svc, {"models.txt": "Dodge made models like the Charger and Challenger in Brampton.",
              "sales.txt": "The Challenger sold well in 2023. Buyers waited for the Challenger."})
    drain(worker)
    g = snapshot(drive.db, svc.owner).to_json()
    assert [(e["type"], e["mentions"]) for e in named(g, "Challenger")] == [("PRODUCT", 3)]
    assert named(g, "Charger")[0]["type"] == "PRODUCT" and named(g, "Dodge")[0]["type"] == "ORG"


def test_migration_merges_one_name_under_several_types(fresh_database: str) -> None:  # noqa: F811
    engine = make_engine(fresh_database)
    try:
        _upgrade(engine, "0009")
        owner, item = uuid.uuid4(), uuid.uuid4()
        with engine.begin() as c:
            c.execute(text("INSERT INTO users (id, name, name_key, created_at) VALUES (:id, 'u', 'u', now())"), {"id": owner})
            c.execute(text("""INSERT INTO items (id, owner_id, parent_id, kind, name, size, status)
                              VALUES (:id, :o, NULL, 'file', 'f.txt', 1, 'ready')"""),
                      {"id": item, "o": owner})
            chunk = c.execute(text("""INSERT INTO chunks (owner_id, item_id, idx, text, char_start, char_end,
                                      embedding) VALUES (:o, :i, 0, 'x', 0, 1, array_fill(0, ARRAY[384])::vector)
                                      RETURNING id"""), {"o": owner, "i": item}).scalar_one()
            ents = {t: c.execute(text("""INSERT INTO entities (owner_id, type, key, name, aliases)
                                         VALUES (:o, :t, 'vertigo', 'Vertigo', '{}') RETURNING id"""),
                                 {"o": owner, "t": t}).scalar_one() for t in ("GPE", "ORG", "PERSON")}
            for t, n in (("GPE", 1), ("ORG", 2), ("PERSON", 1)):
                for _ in range(n):
                    c.execute(text("""INSERT INTO mentions (owner_id, entity_id, chunk_id, item_id, surface, start,
                                      "end", sentence) VALUES (:o, :e, :c, :i, 'Vertigo', 0, 7, 0)"""),
                              {"o": owner, "e": ents[t], "c": chunk, "i": item})
            c.execute(text("""INSERT INTO relation_evidence (owner_id, chunk_id, item_id, source_id, target_id, origin)
                              VALUES (:o, :c, :i, :a, :b, 'offline')"""),
                      {"o": owner, "c": chunk, "i": item, "a": ents["GPE"], "b": ents["ORG"]})
        _upgrade(engine, "head")
        with engine.begin() as c:
            rows = c.execute(text("SELECT id, type FROM entities")).all()
            labels = sorted(c.execute(text("SELECT label FROM mentions WHERE entity_id = :e"),
                                      {"e": rows[0].id}).scalars())
            evidence = c.execute(text("SELECT count(*) FROM relation_evidence")).scalar_one()
        assert [(r.id, r.type) for r in rows] == [(ents["GPE"], "ORG")]
        assert labels == ["GPE", "ORG", "ORG", "PERSON"]
        assert evidence == 0  # a relation of the name with itself
    finally:
        engine.dispose()


BOILER = "This report was filed with the Globex Commission."
TOPICS = ["Marie Curie worked in Paris with Pierre Curie.", "Steve Jobs founded Apple in California.",
          "Jane Miller travelled from Boston to Lisbon.", "Tom Baker lives in London near the Thames.",
          "Angela Merkel visited Warsaw with Olaf Scholz."]


def test_an_entity_on_every_file_drives_neither_suggestions_nor_local_search(
        drive: Drive, svc: DriveService, worker: Worker) -> None:
    from rag.search.local import local_search, match_entities
    from rag.types import Scope

    add(svc, {f"report{n}.txt": f"{BOILER} {BOILER}\n\n{topic}" for n, topic in enumerate(TOPICS)})
    drain(worker)
    g = snapshot(drive.db, svc.owner).to_json()
    [commission] = named(g, "the Globex Commission")
    assert commission["mentions"] == 10 and len(commission["files"]) == 5  # the most mentioned entity
    top = svc.top_entities(3)
    assert "the Globex Commission" not in top and len(top) == 3
    with drive.db.session() as s:
        scope = Scope(s, svc.owner)
        assert match_entities(scope, "What did the Globex Commission decide?") == []
        assert local_search(scope, "What did the Globex Commission decide?").passages == []
        assert [h.name for h in match_entities(scope, "Where did Marie Curie work?")] == ["Marie Curie"]


def test_common_words_a_file_capitalises_in_headings_are_not_entities(
        drive: Drive, svc: DriveService, worker: Worker) -> None:
    add(svc, {"plan.txt": "Status\nThe status of the plan is good. The Department of State reviewed the status.\n\n"
                          "Three Months Ended September 30, 2023\nAcme Corp. met its target in Ohio.\n\n"
                          "Runway Surface Condition: Dry\n| Target Met | 2023 |\nThe target was met."})
    drain(worker)
    names = {e["name"] for e in snapshot(drive.db, svc.owner).to_json()["entities"]}
    assert {"Acme Corp.", "Ohio"} <= names
    assert not {n for n in names if n in {"Status", "Runway Surface Condition", "Target Met"} or "Months" in n
                or "September" in n}


# One plan calls its agency "the Agency"; the drive's other files write "agency" as the word it is.
PLAN = ("The Agency will hire staff in 2025. The Agency reports to Congress every year. Margaret Okafor leads the "
        "Agency. Margaret Okafor met the Agency board in Lagos.")
WORDS = {"memo.txt": "Each agency must file a report. The agency head signs it.",
         "note.txt": "A federal agency reviewed the grant. The agency staff approved it."}


def test_a_name_the_drive_writes_as_a_common_word_ranks_below_real_names(
        drive: Drive, svc: DriveService, worker: Worker) -> None:
    ids = add(svc, {"plan.txt": PLAN, **WORDS})
    drain(worker)

    def page_and_suggestions() -> tuple[list[str], list[str]]:
        with drive.db.session() as s:
            suggested = top_entity_names(s, svc.owner, 10)
        return [e.name for e in graph_page.select(drive.db, svc.owner, GraphFilters(), 10).nodes], suggested

    ranked, suggested = page_and_suggestions()
    assert ranked[-1] == "Agency" and "Margaret Okafor" in ranked  # four mentions, and still last
    assert "Agency" not in suggested and "Margaret Okafor" in suggested
    for name in WORDS:  # once no other file writes the word, the plan's name counts as a name again
        svc.delete(ids[name])
    drain(worker)
    ranked, suggested = page_and_suggestions()
    assert ranked[0] == "Agency" and "Agency" in suggested
    assert [e.common for e in snapshot(drive.db, svc.owner).entities if e.name == "Agency"] == [False]


def _report(pilot: str, town: str) -> str:
    return (f"National Transportation Safety Board\nAviation Accident Final Report\n\nLocation: {town}, OK\n\n"
            f"The pilot, {pilot}, landed at {town} after the engine lost power. The National Transportation Safety "
            f"Board determined the cause. {pilot} was not hurt.")


def test_a_heading_of_many_files_ranks_below_the_names_in_their_text(
        drive: Drive, svc: DriveService, worker: Worker) -> None:
    ids = add(svc, {"a.txt": _report("Maria Lopez", "Madill"), "b.txt": _report("John Baker", "Ardmore"),
                    "c.txt": _report("Ann Cole", "Tulsa")})
    drain(worker)

    def demoted() -> dict[str, bool]:  # by name without a leading "The", as the display name may have it
        return {e.name.removeprefix("The "): e.common for e in snapshot(drive.db, svc.owner).entities}

    flags = demoted()
    assert flags["Aviation Accident Final Report"] is True  # a heading line in each file, nowhere else
    assert flags["National Transportation Safety Board"] is False  # also in the reports' sentences
    assert flags["Maria Lopez"] is False
    ranked = [e.name for e in graph_page.select(drive.db, svc.owner, GraphFilters(), 20).nodes]
    assert ranked.index("Aviation Accident Final Report") > ranked.index("Maria Lopez")
    with drive.db.session() as s:
        assert "Aviation Accident Final Report" not in top_entity_names(s, svc.owner, 10)
    svc.delete(ids["c.txt"])  # in two files a line alone may be a name in a list: it counts as a name again
    drain(worker)
    assert demoted()["Aviation Accident Final Report"] is False


def test_a_name_in_a_footer_that_files_print_word_for_word_ranks_below_the_names_in_their_text(
        drive: Drive, svc: DriveService, worker: Worker) -> None:
    def memo(person: str, year: int) -> str:
        return (f"{person} moved to Portland in {year}. In Portland, {person} opened a bakery that sells rye bread.\n\n"
                f"Typeset in {year} with the Initech Publishing Services toolkit for Portland clients.")

    add(svc, {"a.txt": memo("Maria Lopez", 2019), "b.txt": memo("John Baker", 2020), "c.txt": memo("Ann Cole", 2021)})
    drain(worker)
    flags = {e.name.removeprefix("the "): e.common for e in snapshot(drive.db, svc.owner).entities}
    assert flags.get("Initech Publishing Services") is True  # only ever in the footer the three files share
    assert flags.get("Portland") is False  # in the footer too, but mostly in each file's own sentences
    assert flags.get("Maria Lopez") is False
    ranked = [e.name.removeprefix("the ") for e in graph_page.select(drive.db, svc.owner, GraphFilters(), 20).nodes]
    assert ranked.index("Initech Publishing Services") > ranked.index("Maria Lopez")  # in three files, she in one


def test_a_common_word_alias_inside_a_longer_name_of_the_question_does_not_bring_its_entity(
        drive: Drive, svc: DriveService, worker: Worker) -> None:
    from rag.search.local import match_entities
    from rag.types import Scope

    add(svc, {"dot.txt": "The U.S. Department of Transportation sets safety rules for roads. The Department funds "
                         "highways in every state. The Department also inspects bridges.",
              "ed.txt": "The Department of Education funds schools. Miguel Cardona leads the Department of Education.",
              "memo.txt": "Each department files a report.", "note.txt": "The department head signed it."})
    drain(worker)
    with drive.db.session() as s:
        scope = Scope(s, svc.owner)
        found = [h.name for h in match_entities(scope, "What does the Department of Education fund?")]
        assert any("Education" in n for n in found) and not any("Transportation" in n for n in found)
        # Alone, the alias still names its entity: "the Department" of the transportation file.
        assert any("Transportation" in h.name for h in match_entities(scope, "What does the Department inspect?"))


def test_a_first_name_alone_that_several_people_share_ranks_below_their_names(
        drive: Drive, svc: DriveService, worker: Worker) -> None:
    add(svc, {"a.txt": "John Smith sold the farm in Ohio.", "b.txt": "John Baker flew to Denver in May.",
              "c.txt": "John Cole wrote a book about Texas.", "d.txt": "John called the office. John left early.",
              "e.txt": "Madonna sang in Paris. Madonna toured Europe."})
    drain(worker)
    flags = {e.name: e.common for e in snapshot(drive.db, svc.owner).entities if e.type == "PERSON"}
    assert flags.get("John") is True  # which John? the file could not tell, nor can the graph page
    assert flags.get("John Smith") is False and flags.get("Madonna") is False


def test_a_name_in_the_rows_of_tables_is_a_value_not_a_heading(
        drive: Drive, svc: DriveService, worker: Worker) -> None:
    def orders(quarter: str, other: str) -> str:
        return (f"Orders in the {quarter} quarter\n\n| Customer | City | Amount |\n| --- | --- | --- |\n"
                f"| Globex Corporation | Denver | 1200 |\n| Initech | {other} | 800 |\n")

    add(svc, {"q1.md": orders("first", "Austin"), "q2.md": orders("second", "Boston"),
              "q3.md": orders("third", "Chicago")})
    drain(worker)
    flags = {e.name: e.common for e in snapshot(drive.db, svc.owner).entities}
    assert flags.get("Denver") is False  # a value in each table's rows, in three files: still a place
