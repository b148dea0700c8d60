"""Engine v2 constructs added in session 10 ("either ... or", anti-joins through a verb, ...),
checked on the rows they return (the school database of test_engine_v2_reading)."""

from __future__ import annotations

import pytest

from .test_engine_v2_reading import ask, check, school, sqlite_schema  # noqa: F401

CLUB = """
CREATE TABLE member (member_id INTEGER PRIMARY KEY, name TEXT, age INTEGER);
CREATE TABLE performance (performance_id INTEGER PRIMARY KEY, title TEXT, venue TEXT);
CREATE TABLE member_attendance (member_id INTEGER REFERENCES member(member_id),
    performance_id INTEGER REFERENCES performance(performance_id));
CREATE TABLE round (round_id INTEGER PRIMARY KEY, member_id INTEGER REFERENCES member(member_id),
    score INTEGER, judge_id INTEGER);
CREATE TABLE grapes (grape TEXT PRIMARY KEY, colour TEXT);
CREATE TABLE wine (wine_id INTEGER PRIMARY KEY, grape TEXT REFERENCES grapes(grape), price REAL);
INSERT INTO grapes VALUES ('Merlot', 'red'), ('Riesling', 'white'), ('Syrah', 'red');
INSERT INTO wine VALUES (1, 'Merlot', 10), (2, 'Merlot', 30), (3, 'Riesling', 12);
INSERT INTO member VALUES (1, 'Ann', 30), (2, 'Bob', 41), (3, 'Cid', 25), (4, 'Dee', 52);
INSERT INTO performance VALUES (10, 'Hamlet', 'Globe'), (11, 'Faust', 'Odeon');
INSERT INTO member_attendance VALUES (1, 10), (1, 11), (3, 10);
INSERT INTO round VALUES (100, 2, 7, 1), (101, 2, 9, 2), (102, 4, 3, 1);
"""


@pytest.fixture(scope="module")
def club(tmp_path_factory, django_db_setup, django_db_blocker):
    return sqlite_schema(tmp_path_factory, django_db_blocker, "club", CLUB)


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "How many students are in either Paris or Oslo?",
            "SELECT COUNT(*) FROM Student WHERE city IN ('Paris', 'Oslo')",
        ),
        (
            "Show the names of students whose city is either Rome or Oslo.",
            "SELECT name FROM Student WHERE city IN ('Rome', 'Oslo')",
        ),
        (
            "Which students are either from Paris or older than 22? Give their names.",
            "SELECT name FROM Student WHERE city = 'Paris' OR age > 22",
        ),
    ],
)
def test_either_or(school, question, gold):  # noqa: F811
    check(school, question, gold)


@pytest.mark.parametrize(
    "question",
    [
        "How many students are in either Paris?",  # no "or" to go with it
        "Show the names of students either older than 20.",
    ],
)
def test_either_without_or_is_refused(school, question):  # noqa: F811
    generated = ask(school, question)
    assert generated.refused, generated.sql


NOT_ATTENDED = (
    "SELECT name FROM member WHERE member_id NOT IN (SELECT member_id FROM member_attendance)"
)


@pytest.mark.parametrize(
    "question, gold",
    [
        # a verb of any shape before a preposition ("participate in")
        (
            "List the names of members who did not participate in any round.",
            "SELECT name FROM member WHERE member_id NOT IN (SELECT member_id FROM round)",
        ),
        # a verb naming a link through a table in between, the only way the two are linked
        ("List the names of members who did not attend any performance.", NOT_ATTENDED),
        ("List the names of members who were not involved in any performance.", NOT_ATTENDED),
        (
            "How many members did not attend any performance?",
            "SELECT COUNT(*) FROM member WHERE member_id NOT IN "
            "(SELECT member_id FROM member_attendance)",
        ),
    ],
)
def test_anti_join_through_a_verb(club, question, gold):
    check(club, question, gold)


def test_anti_join_through_a_verb_with_two_links_is_refused(school):  # noqa: F811
    # students reach courses through enrolment and through attendance: which one is not said
    generated = ask(school, "List the names of students who did not participate in any course.")
    assert generated.refused, generated.sql


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "Which students have an age above the average age? Give their names.",
            "SELECT name FROM Student WHERE age > (SELECT AVG(age) FROM Student)",
        ),
        (
            "List the names of students whose age is below the average age of all students.",
            "SELECT name FROM Student WHERE age < (SELECT AVG(age) FROM Student)",
        ),
        (
            "Find the titles of courses whose credits are more than the average credits "
            "across courses.",
            "SELECT title FROM courses WHERE credits > (SELECT AVG(credits) FROM courses)",
        ),
    ],
)
def test_the_average_said_again(school, question, gold):  # noqa: F811
    check(school, question, gold)


def test_a_condition_after_the_average_is_refused(school):  # noqa: F811
    # the average over Physics students, or Physics students above the overall average?
    generated = ask(
        school,
        "List the names of students whose age is below the average age of students in Paris.",
    )
    assert generated.refused, generated.sql


@pytest.mark.parametrize(
    "question, gold",
    [
        # a column of a table that refers to the subject: listed for each of its rows
        (
            "What are the venues of performances attended by the member named Ann?",
            None,
        ),
        (
            "What are the scores of the member Bob?",
            "SELECT r.score FROM member m JOIN round r ON r.member_id = m.member_id "
            "WHERE m.name = 'Bob'",
        ),
        (
            "What is the maximum score of members older than 40?",
            "SELECT MAX(r.score) FROM member m JOIN round r ON r.member_id = m.member_id "
            "WHERE m.age > 40",
        ),
    ],
)
def test_a_column_of_a_child_table(club, question, gold):
    if gold is None:  # two tables away (through attendance): not a child's column
        assert ask(club, question).refused
    else:
        check(club, question, gold)


def test_a_child_tables_id_is_not_the_subjects(club):
    # an id of the rows that refer to the subject is not read as one of the subject's
    generated = ask(club, "What are the judge ids of members older than 40?")
    assert generated.refused, generated.sql


def test_a_column_after_have_is_no_second_output(school):  # noqa: F811
    # "Which titles have credits ...": "credits" is no second column to list
    generated = ask(school, "Which titles have credits from the Physics department?")
    assert generated.refused, generated.sql


BOTH_AGES = (
    "SELECT city FROM Student WHERE age > 24 INTERSECT SELECT city FROM Student WHERE age < 20"
)


@pytest.mark.parametrize(
    "question, gold",
    [
        ("Which cities have both students older than 24 and students younger than 20?", BOTH_AGES),
        ("Show the cities that have both students with age above 24 and below 20.", BOTH_AGES),
        (
            "Which cities have both students of age 20 and students of age 31?",
            "SELECT city FROM Student WHERE age = 20 INTERSECT SELECT city FROM Student "
            "WHERE age = 31",
        ),
    ],
)
def test_both_two_conditions_no_row_meets(school, question, gold):  # noqa: F811
    check(school, question, gold)


def test_both_with_one_condition_is_refused(school):  # noqa: F811
    generated = ask(school, "Which cities have both students older than 24?")
    assert generated.refused, generated.sql


@pytest.mark.parametrize(
    "question, gold",
    [
        # the group's table has nothing but its key to show: the subject's column holding it
        (
            "How many wines are there for each grape?",
            "SELECT grape, COUNT(*) FROM wine GROUP BY grape",
        ),
        (
            "Show the average price of wines for different grapes.",
            "SELECT grape, AVG(price) FROM wine GROUP BY grape",
        ),
    ],
)
def test_a_group_shown_by_the_key_the_subject_holds(club, question, gold):
    check(club, question, gold)


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "Which cities are shared by more than one student?",
            "SELECT city FROM Student GROUP BY city HAVING COUNT(*) > 1",
        ),
        (
            "Find the city shared by the most students.",
            "SELECT city FROM Student GROUP BY city ORDER BY COUNT(*) DESC LIMIT 1",
        ),
        (
            "How many wines are made by each grape?",
            "SELECT grape, COUNT(*) FROM wine GROUP BY grape",
        ),
    ],
)
def test_a_verb_and_by_before_a_count_or_group(school, club, question, gold):  # noqa: F811
    check(club if "wine" in question else school, question, gold)


@pytest.mark.parametrize(
    "question",
    [
        # the group is another table's column: the verb may name one link among several
        "How many students are advised by each department name?",
    ],
)
def test_a_verb_and_by_elsewhere_stays_unplaced(school, question):  # noqa: F811
    generated = ask(school, question)
    assert generated.refused, generated.sql


HAS_ROUNDS = "SELECT name FROM member WHERE member_id IN (SELECT member_id FROM round)"


@pytest.mark.parametrize(
    "question, gold",
    [
        ("List the names of members who have a round.", HAS_ROUNDS),
        ("List the names of members with any round.", HAS_ROUNDS),
        ("List the names of members who have rounds.", HAS_ROUNDS),
        (
            "What is the average age of members who had some rounds?",
            "SELECT AVG(age) FROM member WHERE member_id IN (SELECT member_id FROM round)",
        ),
    ],
)
def test_rows_that_have_related_rows(club, question, gold):
    check(club, question, gold)


def test_related_rows_followed_by_a_condition_are_refused(club):
    # "with a score above 5": the rounds' score or the members'? not read as a bare EXISTS
    generated = ask(club, "List the names of members who have a round with the score 7.")
    assert generated.refused or "score" in generated.sql, generated.sql
