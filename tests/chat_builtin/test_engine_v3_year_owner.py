"""A bare year ("in 2008") is compared with the subject's year column only when no other
table the question names keeps years too: otherwise it could be either table's year."""

from __future__ import annotations

import pytest

from .test_engine_v2_reading import ask, check, sqlite_schema

CAMPUS = """
CREATE TABLE campus (campus_id INTEGER PRIMARY KEY, name TEXT, founded_year INTEGER);
CREATE TABLE fee (fee_id INTEGER PRIMARY KEY, campus_id INTEGER REFERENCES campus,
    year INTEGER, amount REAL);
CREATE TABLE library (library_id INTEGER PRIMARY KEY, name TEXT, open_year INTEGER);
INSERT INTO campus VALUES (1, 'Hill', 1950), (2, 'Bay', 2000), (3, 'Vale', 1960);
INSERT INTO fee VALUES (1, 1, 2000, 100), (2, 2, 2001, 120), (3, 3, 2000, 90);
INSERT INTO library VALUES (1, 'Main', 1990), (2, 'Annex', 2000);
"""


@pytest.fixture(scope="module")
def campus(tmp_path_factory, django_db_setup, django_db_blocker):
    return sqlite_schema(tmp_path_factory, django_db_blocker, "campus", CAMPUS)


def test_a_year_with_one_table_named_is_that_tables_year(campus):
    check(
        campus, "Which libraries opened in 2000?", "SELECT name FROM library WHERE open_year = 2000"
    )


def test_a_year_is_refused_when_two_named_tables_keep_years(campus):
    # the fee's year, or campuses founded in 2000? Both tables keep years: refuse
    generated = ask(campus, "List the amounts of fees of campus Hill in 2000.")
    assert generated.sql is None, generated.sql
    assert "2000" in generated.reason
