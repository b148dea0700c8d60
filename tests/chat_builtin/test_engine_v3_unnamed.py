"""Columns nobody named are refused, not guessed (unnamed.py): a question that names no
column to show gets a refusal that says what would have been guessed, except for a column
called just Name or Title, a first and last name shown together, a period that was said,
or a column whose own words the question uses."""

from __future__ import annotations

import pytest

from .test_engine_v2_reading import ask, check, sqlite_schema

CLUB = """
CREATE TABLE club (club_id INTEGER PRIMARY KEY, club_name TEXT, city TEXT);
CREATE TABLE member (member_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
    age INTEGER, club_id INTEGER REFERENCES club);
CREATE TABLE event (event_id INTEGER PRIMARY KEY, name TEXT, fee REAL, held_on DATE,
    club_id INTEGER REFERENCES club);
INSERT INTO club VALUES (1, 'Rovers', 'York'), (2, 'Wanderers', 'Leeds');
INSERT INTO member VALUES (1, 'Ann', 'Lee', 24, 1), (2, 'Bob', 'Ray', 41, 1),
    (3, 'Cid', 'Moe', 35, 2);
INSERT INTO event VALUES (1, 'Gala', 20, '2023-05-01', 1), (2, 'Race', 5, '2024-02-03', 2),
    (3, 'Fair', 12, '2024-06-09', 2);
"""


@pytest.fixture(scope="module")
def club(tmp_path_factory, django_db_setup, django_db_blocker):
    return sqlite_schema(tmp_path_factory, django_db_blocker, "club", CLUB)


@pytest.mark.parametrize(
    "question",
    ["Which club has the most members?", "List the clubs in York."],
)
def test_a_column_nobody_named_is_refused_and_the_guess_said(club, question):
    generated = ask(club, question)
    assert generated.refused, generated.sql
    assert "club_name" in generated.reason and "name them" in generated.reason


def test_the_refusal_can_be_turned_off_to_measure_it(club, monkeypatch):
    monkeypatch.setenv("DATACHAT_GATE_UNNAMED", "0")
    check(club, "List the clubs in York.", "SELECT club_name FROM club WHERE city = 'York'")


@pytest.mark.parametrize(
    "question, gold",
    [
        # named: the column itself, or its own words
        ("What are the club names of clubs in York?", "SELECT club_name FROM club WHERE city = 'York'"),
        # a column called just Name
        ("Which event has the highest fee?", "SELECT name FROM event ORDER BY fee DESC LIMIT 1"),
        # a person's first and last name together
        ("List the members older than 30.",
         "SELECT first_name, last_name FROM member WHERE age > 30"),
    ],
)  # fmt: skip
def test_names_anyone_would_mean_are_still_shown(club, question, gold):
    check(club, question, gold)
