"""Engine v3: noun phrases linked to columns and tables by shorter names derived from the
schema's own names (aliases.py), checked on the rows they return — and the readings that
must still refuse."""

from __future__ import annotations

import pytest

from chat.answering.builtin.aliases import column_aliases, table_aliases, table_words

from .test_engine_v2_reading import ask, rows, same_rows, sqlite_schema

HIRE = """
CREATE TABLE Ref_Venue_Kinds (venue_kind_code TEXT PRIMARY KEY, venue_kind_description TEXT);
CREATE TABLE Venues (venue_id INTEGER PRIMARY KEY, venue_name TEXT,
    venue_kind_code TEXT REFERENCES Ref_Venue_Kinds(venue_kind_code),
    rent_in_euros REAL, floor_area_thousand REAL);
CREATE TABLE Venue_Reservations (reservation_id INTEGER PRIMARY KEY,
    venue_id INTEGER REFERENCES Venues(venue_id),
    reservation_start_date TEXT, reservation_end_date TEXT, reservation_status TEXT);
CREATE TABLE Board_Games (game_id INTEGER PRIMARY KEY, GTitle TEXT, GGenre TEXT);
CREATE TABLE Hall_Rental_Quotes (quote_id INTEGER PRIMARY KEY,
    venue_id INTEGER REFERENCES Venues(venue_id), quoted_amount REAL);
INSERT INTO Ref_Venue_Kinds VALUES ('HALL', 'Concert hall'), ('BARN', 'Converted barn'),
    ('ROOF', 'Roof terrace'), ('TENT', 'Marquee');
INSERT INTO Venues VALUES (1, 'Elm Hall', 'HALL', 900, 1.2), (2, 'Oak Barn', 'BARN', 400, 0.8),
    (3, 'Sky Deck', 'ROOF', 650, 0.3);
INSERT INTO Venue_Reservations VALUES (10, 1, '2024-01-05', '2024-01-06', 'Confirmed'),
    (11, 2, '2024-02-10', '2024-02-12', 'Cancelled'),
    (12, 1, '2024-03-01', '2024-03-03', 'Confirmed');
INSERT INTO Board_Games VALUES (1, 'Go', 'Abstract'), (2, 'Catan', 'Strategy'),
    (3, 'Chess', 'Abstract');
CREATE TABLE Inspections (inspection_id INTEGER PRIMARY KEY, venue_id INTEGER,
    inspector TEXT);
CREATE TABLE Venue_Staff (staff_id INTEGER PRIMARY KEY,
    venue_id INTEGER REFERENCES Venues(venue_id), staff_name TEXT);
CREATE TABLE Catering_Staff (staff_id INTEGER PRIMARY KEY, staff_name TEXT, caterer TEXT);
INSERT INTO Venue_Staff VALUES (1, 1, 'Ana'), (2, 1, 'Ben'), (3, 2, 'Cy');
INSERT INTO Catering_Staff VALUES (1, 'Dot', 'Feast'), (2, 'Eve', 'Feast');
CREATE TABLE Stewards (steward_id INTEGER PRIMARY KEY, job TEXT, phone TEXT, shift_count TEXT,
    steward_first_name TEXT, steward_last_name TEXT);
INSERT INTO Stewards VALUES (1, 'Usher', '555-0101', '4', 'Kim', 'Lee'),
    (2, 'Bartender', '555-0102', '7', 'Noa', 'Park');
CREATE TABLE Sponsor_of_Venue (sponsor_name TEXT, venue_id INTEGER REFERENCES Venues(venue_id));
INSERT INTO Sponsor_of_Venue VALUES ('Acme', 1), ('Brill', 1), ('Acme', 2);
INSERT INTO Inspections VALUES (1, 1, 'Ines'), (2, 3, 'Omar'), (3, 1, 'Omar');
INSERT INTO Hall_Rental_Quotes VALUES (1, 1, 500), (2, 2, 300), (3, 1, 700);
"""


@pytest.fixture(scope="module")
def hire(tmp_path_factory, django_db_setup, django_db_blocker):
    return sqlite_schema(tmp_path_factory, django_db_blocker, "hire", HIRE)


def check(schema, question, gold):
    generated = ask(schema, question)
    assert generated.sql, generated.reason
    ordered = "order by" in gold.lower()
    assert same_rows(rows(schema, gold), rows(schema, generated.sql), ordered), generated.sql


def test_aliases_come_from_the_names_only():
    # The leading words that repeat the table's head noun are dropped...
    assert ("start", "date") in column_aliases(("booking",), ("booking", "start", "date"))
    assert ("type",) in column_aliases(("video", "game"), ("g", "type"))  # GType
    # ...but not words of another noun of the table's name (SportName in SportsInfo).
    assert not column_aliases(("sport", "info"), ("sport", "name"))
    # A bare "id" or "name" says nothing without its table.
    assert not column_aliases(("booking",), ("booking", "id"))
    assert not column_aliases(("booking",), ("booking", "name"))
    # A unit or scale at the end of a number's name.
    assert ("sales",) in column_aliases(("company",), ("sales", "billion"))
    assert ("rent",) in column_aliases(("venue",), ("rent", "euro"))
    assert table_words(("ref", "venue", "kind")) == ("venue", "kind")
    assert table_aliases(("film", "market", "estimation")) == {("market", "estimation")}
    assert table_aliases(("venue", "reservation")) == set()


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "What are the start dates and end dates of all venue reservations?",
            "SELECT reservation_start_date, reservation_end_date FROM Venue_Reservations",
        ),
        (
            "Show the titles and genres of all board games.",
            "SELECT GTitle, GGenre FROM Board_Games",
        ),
        (
            "What is the average rent of venues?",
            "SELECT AVG(rent_in_euros) FROM Venues",
        ),
        (
            "How many venue kinds are there?",
            "SELECT COUNT(*) FROM Ref_Venue_Kinds",
        ),
        (
            "What is the description of venue kind 'BARN'?",
            "SELECT venue_kind_description FROM Ref_Venue_Kinds WHERE venue_kind_code = 'BARN'",
        ),
        (
            "What is the largest quoted amount of the rental quotes?",
            "SELECT MAX(quoted_amount) FROM Hall_Rental_Quotes",
        ),
    ],
)
def test_shorter_names_link(hire, question, gold):
    check(hire, question, gold)


@pytest.mark.parametrize(
    "question",
    [
        # "date" alone could be the start or the end of a reservation.
        "What are the dates of all venue reservations?",
        # "status" of a venue: venues have none; the reservations' status is not the venue's.
        "What is the floor of each venue?",
    ],
)
def test_still_refused(hire, question):
    generated = ask(hire, question)
    assert generated.refused, generated.sql


def test_one_slip_is_narrow():
    from chat.answering.builtin.spelling import _one_slip

    assert _one_slip("deparment", "department")  # a letter dropped
    assert _one_slip("organization", "organisation")  # changed
    assert _one_slip("custoemr", "customer")  # two neighbours swapped
    assert not _one_slip("published", "publisher")  # the ending: another word
    assert not _one_slip("reservation", "reservations")
    assert not _one_slip("department", "apartment")


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "What is the average rent of venues with kind code 'HALL'?",
            "SELECT AVG(rent_in_euros) FROM Venues WHERE venue_kind_code = 'HALL'",
        ),
        (
            "Show the statuses of all venue resevrations.",
            "SELECT DISTINCT reservation_status FROM Venue_Reservations",
        ),
    ],
)
def test_misspelled_schema_words_link(hire, question, gold):
    check(hire, question, gold)


@pytest.mark.parametrize(
    "question",
    [
        "Show the statuses of all venue bookings.",  # nothing of the schema is near
        "Show the statuses of each venue reservatiom.",  # a slip in the ending
    ],
)
def test_no_near_schema_word_is_refused(hire, question):
    assert ask(hire, question).refused


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            # Inspections.venue_id is declared as no foreign key, but has the very name of
            # the primary key of Venues.
            "Show the inspector and venue name of each inspection.",
            "SELECT i.inspector, v.venue_name FROM Inspections i "
            "JOIN Venues v ON i.venue_id = v.venue_id",
        ),
        (
            "What are the venue names of the inspections by Omar?",
            "SELECT v.venue_name FROM Inspections i JOIN Venues v ON i.venue_id = v.venue_id "
            "WHERE i.inspector = 'Omar'",
        ),
    ],
)
def test_an_undeclared_key_named_as_a_primary_key_joins(hire, question, gold):
    check(hire, question, gold)


def test_the_rest_of_the_question_says_which_table(hire):
    # "staff" is Venue_Staff or Catering_Staff; "each venue" says which.
    check(
        hire,
        "How many staff does each venue id have?",
        "SELECT venue_id, COUNT(*) FROM Venue_Staff GROUP BY venue_id",
    )
    # Nothing says which: refused, naming both.
    generated = ask(hire, "How many staff are there?")
    assert generated.refused and "Catering_Staff" in generated.reason, generated.sql


@pytest.mark.parametrize(
    "question, gold",
    [
        ("What are the phone numbers of all stewards?", "SELECT phone FROM Stewards"),
        ("Show the job titles of all stewards.", "SELECT job FROM Stewards"),
        # shift_count is a count by its name, though typed as text
        (
            "What is the average number of shifts of stewards?",
            "SELECT AVG(shift_count) FROM Stewards",
        ),
    ],
)
def test_a_noun_after_a_column_name(hire, question, gold):
    check(hire, question, gold)


def test_the_total_of_a_text_count_is_refused(hire):
    # Added up, a count typed as text would be counted instead: refused.
    assert ask(hire, "What is the total number of shifts of stewards?").refused


def test_the_noun_before_of_names_a_table(hire):
    # Sponsor_of_Venue: its rows are sponsors.
    check(
        hire,
        "How many sponsors does the venue 'Elm Hall' have?",
        "SELECT COUNT(*) FROM Sponsor_of_Venue s JOIN Venues v ON s.venue_id = v.venue_id "
        "WHERE v.venue_name = 'Elm Hall'",
    )


def test_full_name_from_prefixed_first_and_last_names(hire):
    check(
        hire,
        "What are the full names of stewards whose job is Usher?",
        "SELECT steward_first_name, steward_last_name FROM Stewards WHERE job = 'Usher'",
    )


def test_a_column_named_says_which_table(hire):
    # "staff" could be either staff table; only Catering_Staff has a caterer.
    check(
        hire,
        "Which caterer has the most staff?",
        "SELECT caterer FROM Catering_Staff GROUP BY caterer ORDER BY COUNT(*) DESC LIMIT 1",
    )
