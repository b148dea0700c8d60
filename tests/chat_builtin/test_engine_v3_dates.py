"""Years and ages in conditions (engine v3, dates): a year compared with a column of years
(numbers or text) or a date, the participle before it ("opened before 1850"), "N years
old" and "under age N" — checked on the rows they return, on a small schema of our own."""

from __future__ import annotations

import pytest

from chat.answering.builtin.index import lexicon_for

from .test_engine_v2_reading import ask, check, sqlite_schema

TOWN = """
CREATE TABLE venue (venue_id INTEGER PRIMARY KEY, name TEXT, open_year INTEGER, city TEXT);
CREATE TABLE bottle (bottle_id INTEGER PRIMARY KEY, label TEXT, year INTEGER, price REAL);
CREATE TABLE worker (worker_id INTEGER PRIMARY KEY, name TEXT, age INTEGER, hire_date DATE);
CREATE TABLE branch (branch_id INTEGER PRIMARY KEY, name TEXT, open_year TEXT);
CREATE TABLE league (league_id INTEGER PRIMARY KEY, team TEXT, rank_of_the_year INTEGER);
CREATE TABLE rental (rental_id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer,
    amount REAL);
CREATE TABLE customer (customer_id INTEGER PRIMARY KEY, name TEXT, join_year INTEGER);
INSERT INTO venue VALUES (1, 'Old Hall', 1832, 'York'), (2, 'Corn Exchange', 1849, 'Leeds'),
    (3, 'Arena', 1995, 'Leeds'), (4, 'Dome', 2008, 'York');
INSERT INTO bottle VALUES (1, 'Red Hill', 1998, 20), (2, 'Stone Creek', 2008, 35),
    (3, 'Blue Lake', 2008, 12), (4, 'Sun Vale', 2012, 50), (5, 'Oak Ridge', 2005, 18);
INSERT INTO worker VALUES (1, 'Ann', 24, '2007-03-01'), (2, 'Bob', 31, '2009-06-15'),
    (3, 'Cid', 25, '2009-12-31'), (4, 'Dee', 45, '2012-01-20');
INSERT INTO branch VALUES (1, 'North', '2001'), (2, 'South', '2009'), (3, 'East', '2015');
INSERT INTO league VALUES (1, 'Lions', 1), (2, 'Bears', 3), (3, 'Hawks', 13);
INSERT INTO customer VALUES (1, 'Ivy', 2008), (2, 'Jon', 2010);
INSERT INTO rental VALUES (1, 1, 10), (2, 2, 20);
"""


@pytest.fixture(scope="module")
def town(tmp_path_factory, django_db_setup, django_db_blocker):
    return sqlite_schema(tmp_path_factory, django_db_blocker, "town", TOWN)


def test_year_columns_come_from_names_and_values(town):
    lex = lexicon_for(town[0], town[1])
    names = {column for _table, column in lex.years}
    # open_year as numbers and as text, a plain "year", a join year; ranks of the year are not
    assert {"open_year", "year", "join_year"} <= names
    assert "rank_of_the_year" not in names and "price" not in names


@pytest.mark.parametrize(
    "question, gold",
    [
        # a participle before the year: what the subject's one year column records
        ("Which venues opened before 1850?", "SELECT name FROM venue WHERE open_year < 1850"),
        (
            "How many venues were opened between 1840 and 2000?",
            "SELECT COUNT(*) FROM venue WHERE open_year BETWEEN 1840 AND 2000",
        ),  # fmt: skip
        (
            "Show the labels of bottles produced in 2008.",
            "SELECT label FROM bottle WHERE year = 2008",
        ),  # fmt: skip
        (
            "What are the prices of bottles produced before the year of 2006?",
            "SELECT price FROM bottle WHERE year < 2006",
        ),  # fmt: skip
        (
            "What are the labels of bottles that happened prior to 2006?",
            "SELECT label FROM bottle WHERE year < 2006",
        ),  # fmt: skip
        # "or after 2010" with its own number is a second condition, not a bound of 2000
        (
            "Give the distinct labels of bottles made before 2000 or after 2010.",
            "SELECT DISTINCT label FROM bottle WHERE year < 2000 OR year > 2010",
        ),  # fmt: skip
        (
            "List the labels of bottles produced before the year of 2000 or after the year of "
            "2010.",
            "SELECT label FROM bottle WHERE year < 2000 OR year > 2010",
        ),  # fmt: skip
        # the bound after the number ("or later", or_comparisons.py) takes the participle too
        (
            "How many venues were opened in year 1990 or later?",
            "SELECT COUNT(*) FROM venue WHERE open_year >= 1990",
        ),  # fmt: skip
        # years kept as text compare as text
        (
            "Show the names of branches opened before 2010.",
            "SELECT name FROM branch WHERE open_year < '2010'",
        ),  # fmt: skip
        (
            "How many branches opened in 2015?",
            "SELECT COUNT(*) FROM branch WHERE open_year = '2015'",
        ),  # fmt: skip
        # a verb that starts like a year column names it: "joined" ~ join_year
        (
            "Show the names of customers who joined after 2009.",
            "SELECT name FROM customer WHERE join_year > 2009",
        ),  # fmt: skip
        # the date column a verb names, compared as whole years
        (
            "Show the names of workers hired after 2008.",
            "SELECT name FROM worker WHERE hire_date >= '2009-01-01'",
        ),  # fmt: skip
    ],
)
def test_years_in_conditions(town, question, gold):
    check(town, question, gold)


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "What are the names of workers who are at least 25 years old?",
            "SELECT name FROM worker WHERE age >= 25",
        ),  # fmt: skip
        (
            "Show the names of workers under 30 years old.",
            "SELECT name FROM worker WHERE age < 30",
        ),  # fmt: skip
        ("Show the names of workers under age 30.", "SELECT name FROM worker WHERE age < 30"),
        ("Which workers are above the age of 40?", "SELECT name FROM worker WHERE age > 40"),
        (
            "List the names of workers aged between 25 and 40.",
            "SELECT name FROM worker WHERE age BETWEEN 25 AND 40",
        ),  # fmt: skip
    ],
)
def test_ages(town, question, gold):
    check(town, question, gold)


@pytest.mark.parametrize(
    "question",
    [
        # "rented" starts like the rental table: whose event the year is, is not said
        "Show the names of customers who rented in 2010.",
        # no age column: "years old" is not some other number
        "Show the labels of bottles at least 20 years old.",
        # a rank of the year is no year
        "Which teams ranked before 2000?",
    ],
)
def test_refused(town, question):
    generated = ask(town, question)
    assert generated.refused, generated.sql


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "When was the worker whose name is 'Bob' hired?",
            "SELECT hire_date FROM worker WHERE name = 'Bob'",
        ),
        (
            "When is the hire date of the worker whose name is 'Bob'?",
            "SELECT hire_date FROM worker WHERE name = 'Bob'",
        ),  # fmt: skip
        (
            "When did the customer whose name is 'Ivy' join?",
            "SELECT join_year FROM customer WHERE name = 'Ivy'",
        ),  # fmt: skip
    ],
)
def test_when_asks_for_the_date_the_verb_names(town, question, gold):
    check(town, question, gold)


def test_when_with_no_date_named_is_refused(town):
    assert ask(town, "When did the worker whose name is 'Bob' visit?").refused
