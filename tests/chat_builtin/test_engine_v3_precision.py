"""Precision (issue 11): readings that guessed on schemas nobody looked at, checked on the rows
they return on a small schema of our own, and the reading trace benchmarks/bench_readings.py
counts precision with."""

from __future__ import annotations

import pytest

from chat.answering.builtin.engine import understand
from chat.answering.builtin.index import lexicon_for
from chat.answering.builtin.traces import readings

from .test_engine_v2_reading import ask, check, sqlite_schema

SHOP = """
CREATE TABLE ref_order_status (order_status_code TEXT PRIMARY KEY, status_description TEXT);
CREATE TABLE orders (order_id INTEGER PRIMARY KEY,
    order_status_code TEXT REFERENCES ref_order_status(order_status_code),
    customer_name TEXT, city TEXT, price REAL);
CREATE TABLE box (box_id INTEGER PRIMARY KEY, colour TEXT);
CREATE TABLE shop (shop_id INTEGER PRIMARY KEY, shop_name TEXT,
    box_id INTEGER REFERENCES box(box_id), trading_status TEXT);
CREATE TABLE vineyards (vinyard TEXT PRIMARY KEY, area TEXT, county TEXT);
INSERT INTO ref_order_status VALUES ('NEW', 'new'), ('DONE', 'done'), ('LOST', 'never used');
INSERT INTO orders VALUES (1, 'NEW', 'Pearson', 'Tokyo , Japan', 10),
    (2, 'DONE', 'Wiley', 'Oslo', 20), (3, 'NEW', 'Mayer', 'Oslo', 5);
INSERT INTO box VALUES (1, 'red'), (2, 'blue'), (3, 'green');
INSERT INTO shop VALUES (1, 'Alpha', 1, 'Open'), (2, 'Beta', 1, 'Closed'),
    (3, 'Gamma', 2, 'Open'), (4, 'Delta', 3, 'Closed');
CREATE TABLE team (team_id INTEGER PRIMARY KEY, team_name TEXT);
CREATE TABLE player (player_id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES team(team_id),
    age INTEGER);
CREATE TABLE person (person_id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE coach (coach_id INTEGER PRIMARY KEY, person_id INTEGER REFERENCES person(person_id),
    salary INTEGER);
INSERT INTO team VALUES (1, 'Lions'), (2, 'Bears');
INSERT INTO player VALUES (1, 1, 19), (2, 1, 25), (3, 2, 31);
INSERT INTO person VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cid');
INSERT INTO coach VALUES (1, 1, 100), (2, 3, 200);
CREATE TABLE customer_card (card_id INTEGER PRIMARY KEY, card_type_code TEXT);
CREATE TABLE payment (payment_id INTEGER PRIMARY KEY,
    card_id INTEGER REFERENCES customer_card(card_id), amount REAL);
INSERT INTO customer_card VALUES (1, 'Credit'), (2, 'Debit');
INSERT INTO payment VALUES (1, 1, 5), (2, 1, 7), (3, 2, 9);
INSERT INTO vineyards VALUES ('Hill', 'North', 'Napa'), ('Vale', 'South', 'Sonoma');
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory, django_db_setup, django_db_blocker):
    return sqlite_schema(tmp_path_factory, django_db_blocker, "shop", SHOP)


def test_a_quoted_value_found_only_through_a_typo_is_compared_as_typed(shop):
    # 'Pearsen' is not stored; 'Pearson' is another customer: the quotes say what to find
    check(shop, 'What are the prices of orders whose customer name is "Pearsen" or "Wiley"?',
          "SELECT price FROM orders WHERE customer_name IN ('Pearsen', 'Wiley')")  # fmt: skip
    generated = ask(shop, 'What are the prices of orders whose customer name is "Pearsen"?')
    assert generated.sql and "'Pearson'" not in generated.sql


def test_a_quoted_value_written_with_other_spacing_is_the_stored_one(shop):
    check(shop, 'How many orders have city "Tokyo,Japan"?',
          "SELECT COUNT(*) FROM orders WHERE city = 'Tokyo , Japan'")  # fmt: skip


def test_codes_listed_alone_come_from_the_table_they_are_the_key_of(shop):
    # orders repeats NEW and never holds LOST: the codes "we have" are the code table's
    check(shop, "What order status codes do we have?",
          "SELECT order_status_code FROM ref_order_status")  # fmt: skip
    # named with their table, they are that table's
    check(shop, "List the order status codes of all orders.",
          "SELECT order_status_code FROM orders")  # fmt: skip


def test_both_before_two_conditions_adds_no_column_of_the_other_table(shop):
    # (the second "shops" after "and" is a condition's, not "and their names")
    check(shop, "Find the colours of the boxes that are used by both shops with Open trading "
          "status and shops with Closed trading status.",
          "SELECT b.colour FROM box b JOIN shop s ON s.box_id = b.box_id "
          "WHERE s.trading_status = 'Open' INTERSECT SELECT b.colour FROM box b "
          "JOIN shop s ON s.box_id = b.box_id WHERE s.trading_status = 'Closed'")  # fmt: skip


def test_a_misspelt_table_after_of_says_whose_the_columns_are(shop):
    # "vinyards" is one letter from the table and names its own-named (misspelt) column
    check(shop, "List the area and county of all vinyards.",
          "SELECT area, county FROM vineyards")  # fmt: skip
    check(shop, "What are the areas and counties for all vinyards?",
          "SELECT area, county FROM vineyards")  # fmt: skip
    # a column of another name after "of" is still listed
    generated = ask(shop, "List the area and county of all vineyard names.")
    assert generated.refused or "vineyard" in generated.sql.lower()


def test_the_trace_names_the_readings_an_answer_rests_on(shop, monkeypatch):
    monkeypatch.setenv(
        "DATACHAT_GATE_UNNAMED", "0"
    )  # the defaults the trace names (unnamed.py refuses them)
    document, profiles, _ = shop
    lex = lexicon_for(document, profiles)
    found = readings(understand('How many orders have city "Tokyo,Japan"?', lex), lex)
    assert {"count-rows", "literal:fuzzy", "join:0"} <= found
    found = readings(understand("What are the colours of boxes used by Alpha?", lex), lex)
    assert "filter:other-table" in found and "join:1" in found
    assert "output:default" not in found
    found = readings(understand("List the shops.", lex), lex)
    assert "output:default" in found


def test_a_category_of_all_rows_of_a_named_table_lists_its_kinds(shop):
    # the cities orders have, each once; row by row only when "each" says so
    check(shop, "What cities do we have for orders?", "SELECT DISTINCT city FROM orders")
    check(shop, "List all the cities of orders.", "SELECT DISTINCT city FROM orders")
    check(shop, "What is the city of each order?", "SELECT city FROM orders")
    # a condition picks rows: their cities as they are
    check(shop, "What are the cities of orders with price above 1?",
          "SELECT city FROM orders WHERE price > 1")  # fmt: skip


def test_tracing_names_the_defaults_the_reader_took(shop, monkeypatch):
    monkeypatch.setenv(
        "DATACHAT_GATE_UNNAMED", "0"
    )  # the defaults the trace names (unnamed.py refuses them)
    from chat.answering.builtin.traces import tracing

    document, profiles, _ = shop
    lex = lexicon_for(document, profiles)
    with tracing() as took:
        understand("List all the cities of orders.", lex)
    assert "convention:kinds-of-all-rows" in took
    with tracing() as took:
        understand("List the shops.", lex)
    assert any(t.startswith("default:names") for t in took)


def test_a_name_asked_of_rows_without_one_is_not_another_tables_name(shop):
    # players have no name; each team's name is shared by its players: not theirs
    assert ask(shop, "What are the names of players older than 20?").refused
    assert ask(shop, "How many players have the name 'Lions'?").refused
    # said with its table, or after the key leading there, it is the team's name
    check(shop, "What are the team names of players older than 20?",
          "SELECT t.team_name FROM player p JOIN team t ON p.team_id = t.team_id "
          "WHERE p.age > 20")  # fmt: skip
    check(shop, "Show the team id and name of players older than 20.",
          "SELECT p.team_id, t.team_name FROM player p JOIN team t ON p.team_id = t.team_id "
          "WHERE p.age > 20")  # fmt: skip
    # each coach is a different person: the person's name is the coach's
    check(shop, "What are the names of coaches with salary above 150?",
          "SELECT n.name FROM coach c JOIN person n ON c.person_id = n.person_id "
          "WHERE c.salary > 150")  # fmt: skip


def test_a_name_said_of_rows_named_by_a_key_only_is_not_compared_with_the_key(shop):
    # ref_order_status has a code and a description but no name: "named 'OPEN'" (not a
    # stored code) is no condition on the code
    assert ask(shop, "What is the status description of the order status named 'OPEN'?").refused
    # a stored code is found where it is stored
    check(shop, "What is the status description of the order status named 'LOST'?",
          "SELECT status_description FROM ref_order_status WHERE order_status_code = 'LOST'")  # fmt: skip


def test_part_of_another_things_column_name_is_not_the_subjects_attribute(shop):
    # payments have no type; customer_card.card_type_code is a card's type, not a payment's
    assert ask(shop, "What are the types of payments with amount above 6?").refused
    # said with the card, it is read
    check(shop, "What are the card types of payments with amount above 6?",
          "SELECT c.card_type_code FROM payment p JOIN customer_card c ON p.card_id = c.card_id "
          "WHERE p.amount > 6")  # fmt: skip
