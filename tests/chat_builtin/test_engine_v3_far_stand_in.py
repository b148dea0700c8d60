"""Another table's column two joins away, standing in for a word that does not name that
table, is refused (stand_ins.py): on unseen spider-train databases such answers were wrong
8 times in 14. Said with its table's name, it is read as before."""

from __future__ import annotations

import pytest

from .test_engine_v2_reading import ask, check, sqlite_schema

HANGAR = """
CREATE TABLE aircraft (aircraft_id INTEGER PRIMARY KEY, aircraft_name TEXT);
CREATE TABLE airport (airport_id INTEGER PRIMARY KEY, airport_name TEXT, total_passengers INTEGER);
CREATE TABLE airport_aircraft (airport_id INTEGER REFERENCES airport,
    aircraft_id INTEGER REFERENCES aircraft);
INSERT INTO aircraft VALUES (1, 'Robin'), (2, 'Swift'), (3, 'Heron');
INSERT INTO airport VALUES (1, 'Hill', 500), (2, 'Dale', 50);
INSERT INTO airport_aircraft VALUES (1, 1), (2, 2), (1, 3);
"""


@pytest.fixture(scope="module")
def hangar(tmp_path_factory, django_db_setup, django_db_blocker):
    return sqlite_schema(tmp_path_factory, django_db_blocker, "hangar", HANGAR)


def test_a_column_two_joins_away_is_not_the_subjects(hangar):
    # an aircraft has no passengers; the airports it flies from do, through a linking table
    generated = ask(hangar, "What are the names of aircraft with total passengers more than 100?")
    assert generated.refused, generated.sql
    assert "too far" in generated.reason


def test_said_with_its_table_it_is_read(hangar):
    check(
        hangar,
        "What are the names of aircraft with airport total passengers more than 100?",
        "SELECT a.aircraft_name FROM aircraft a JOIN airport_aircraft l ON a.aircraft_id = "
        "l.aircraft_id JOIN airport p ON l.airport_id = p.airport_id WHERE p.total_passengers > 100",
    )
