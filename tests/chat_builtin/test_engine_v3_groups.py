"""Engine v3, counting and grouping: bounds on how many related rows ("two or more loans"),
checked on the rows they return in a small library database of our own."""

from __future__ import annotations

import pytest

from .test_engine_v2_reading import ask, check, sqlite_schema

LIBRARY = """
CREATE TABLE branch (branch_id INTEGER PRIMARY KEY, branch_name TEXT, town TEXT);
CREATE TABLE reader (reader_id INTEGER PRIMARY KEY, full_name TEXT, age INTEGER,
    branch_id INTEGER REFERENCES branch(branch_id));
CREATE TABLE loan (loan_id INTEGER PRIMARY KEY, reader_id INTEGER REFERENCES reader(reader_id),
    days INTEGER, kind TEXT);
CREATE TABLE staff (staff_id INTEGER PRIMARY KEY, staff_name TEXT, role TEXT,
    manager_id INTEGER REFERENCES staff(staff_id));
INSERT INTO staff VALUES (1, 'Una', 'head', NULL), (2, 'Vic', 'clerk', 1), (3, 'Wes', 'clerk', 1),
    (4, 'Xan', 'porter', 2);
CREATE TABLE fine (fine_id INTEGER PRIMARY KEY, READER_ID INTEGER REFERENCES reader(READER_ID),
    amount REAL);
INSERT INTO fine VALUES (1, 2, 5.0), (2, 2, 4.0), (3, 3, 7.5);
INSERT INTO branch VALUES (1, 'Central', 'Leeds'), (2, 'Harbour', 'Hull'), (3, 'Hill', 'Leeds');
INSERT INTO reader VALUES (1, 'Ann Lee', 34, 1), (2, 'Bo Chan', 19, 1), (3, 'Cy Dunn', 52, 2),
    (4, 'Di Eng', 41, 3), (5, 'Ed Fox', 27, 1);
INSERT INTO loan VALUES (10, 1, 7, 'book'), (11, 1, 14, 'dvd'), (12, 1, 3, 'book'),
    (13, 2, 21, 'dvd'), (14, 3, 7, 'book'), (15, 3, 10, 'book');
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory, django_db_setup, django_db_blocker):
    return sqlite_schema(tmp_path_factory, django_db_blocker, "library", LIBRARY)


LOANS_PER_READER = "SELECT r.full_name FROM reader r JOIN loan l ON l.reader_id = r.reader_id "


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "Which readers have two or more loans? Give their full names.",
            LOANS_PER_READER + "GROUP BY r.reader_id HAVING COUNT(*) >= 2",
        ),
        (
            "Show the full names of readers with 3 or more loans.",
            LOANS_PER_READER + "GROUP BY r.reader_id HAVING COUNT(*) >= 3",
        ),
        (
            "List the full names of readers with 2 or fewer loans.",
            LOANS_PER_READER + "GROUP BY r.reader_id HAVING COUNT(*) <= 2",
        ),
        (
            "Which towns have 2 or more branches?",
            "SELECT town FROM branch GROUP BY town HAVING COUNT(*) >= 2",
        ),
    ],
)
def test_bound_after_the_number(library, question, gold):
    check(library, question, gold)


@pytest.mark.parametrize(
    "question",
    [
        "Which readers have two or more zorblax? Give their full names.",  # nothing to count
        "Which readers have two or more? Give their full names.",  # what is counted is unsaid
    ],
)
def test_bound_after_the_number_refused(library, question):
    generated = ask(library, question)
    assert generated.refused, generated.sql


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "Which town has the most branches? List the town and the number of branches.",
            "SELECT town, COUNT(*) FROM branch GROUP BY town ORDER BY COUNT(*) DESC LIMIT 1",
        ),
        (
            "Which readers have more than 1 loans? Give their full names and the number of loans.",
            "SELECT r.full_name, COUNT(*) FROM reader r JOIN loan l ON l.reader_id = r.reader_id "
            "GROUP BY r.reader_id HAVING COUNT(*) > 1",
        ),
        (
            "Which reader has the fewest loans? Show the number of loans and the age.",
            "SELECT COUNT(*), r.age FROM reader r JOIN loan l ON l.reader_id = r.reader_id "
            "GROUP BY r.reader_id ORDER BY COUNT(*) ASC LIMIT 1",
        ),
    ],
)
def test_count_said_again_is_shown(library, question, gold):
    check(library, question, gold)


@pytest.mark.parametrize(
    "question",
    [
        # the second sentence asks for a count the first never made
        "Which town has the most branches? List the town and the number of loans.",
        "Which readers have more than 1 loans? Give their full names and the number of branches.",
    ],
)
def test_count_not_said_before_is_refused(library, question):
    generated = ask(library, question)
    assert generated.refused, generated.sql


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "Which reader has the highest total days?",
            "SELECT r.full_name FROM reader r JOIN loan l ON l.reader_id = r.reader_id "
            "GROUP BY r.reader_id ORDER BY SUM(l.days) DESC LIMIT 1",
        ),
        (
            "Give the full name of the reader with the lowest average days.",
            "SELECT r.full_name FROM reader r JOIN loan l ON l.reader_id = r.reader_id "
            "GROUP BY r.reader_id ORDER BY AVG(l.days) ASC LIMIT 1",
        ),
        (
            "Return the kind of loan with the highest total days.",
            "SELECT kind FROM loan GROUP BY kind ORDER BY SUM(days) DESC LIMIT 1",
        ),
    ],
)
def test_ranked_by_a_total_or_average(library, question, gold, monkeypatch):
    monkeypatch.setenv(
        "DATACHAT_GATE_UNNAMED", "0"
    )  # the reading behind the refusal of unnamed columns (unnamed.py)
    check(library, question, gold)


@pytest.mark.parametrize(
    "question",
    [
        "Which loan has the highest total days?",  # one row each: nothing to add up per loan
        "Which reader has the highest total zorblax?",
    ],
)
def test_ranked_by_a_total_refused(library, question):
    generated = ask(library, question)
    assert generated.refused, generated.sql


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "What is the total days of loans of the most common kind?",
            "SELECT SUM(days) FROM loan GROUP BY kind ORDER BY COUNT(*) DESC LIMIT 1",
        ),
        (
            "How many loans are there in the kind with the most loans?",
            "SELECT COUNT(*) FROM loan GROUP BY kind ORDER BY COUNT(*) DESC LIMIT 1",
        ),
        (
            "Find the average age of readers with the most popular branch.",
            "SELECT AVG(age) FROM reader GROUP BY branch_id ORDER BY COUNT(*) DESC LIMIT 1",
        ),
    ],
)
def test_aggregate_of_the_most_common_group(library, question, gold):
    check(library, question, gold)


@pytest.mark.parametrize(
    "question",
    [
        "What is the total days of loans of the most common zorblax?",
        "What is the total days of loans of the most common kind of branch?",
    ],
)
def test_aggregate_of_the_most_common_group_refused(library, question):
    generated = ask(library, question)
    assert generated.refused, generated.sql


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "What are the towns of branches with more than 1 branches?",
            "SELECT town FROM branch GROUP BY town HAVING COUNT(*) > 1",
        ),
        (
            "What is the total days of loans for the different kinds?",
            "SELECT kind, SUM(days) FROM loan GROUP BY kind",
        ),
        (
            "What is the average age of readers for each of the different branches?",
            "SELECT b.branch_name, AVG(r.age) FROM reader r JOIN branch b "
            "ON r.branch_id = b.branch_id GROUP BY b.branch_id",
        ),
    ],
)
def test_groups_said_with_the_subject_again(library, question, gold, monkeypatch):
    monkeypatch.setenv(
        "DATACHAT_GATE_UNNAMED", "0"
    )  # the reading behind the refusal of unnamed columns (unnamed.py)
    check(library, question, gold)


@pytest.mark.parametrize(
    "question",
    [
        "What are the full names of readers with more than 1 readers?",  # a name: one row each
        "What are the roles of staff with more than 1 staff?",  # staff manage staff
    ],
)
def test_groups_said_with_the_subject_again_refused(library, question):
    generated = ask(library, question)
    assert generated.refused, generated.sql


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "What is the reader id with the most loans, and how many does he have?",
            "SELECT reader_id, COUNT(*) FROM loan GROUP BY reader_id ORDER BY COUNT(*) DESC LIMIT 1",
        ),
        (
            "What are the 2 most common towns of branches?",
            "SELECT town FROM branch GROUP BY town ORDER BY COUNT(*) DESC LIMIT 2",
        ),
    ],
)
def test_how_many_after_and_and_a_limited_mode(library, question, gold):
    check(library, question, gold)


def test_how_many_after_and_without_a_count_before_is_refused(library):
    generated = ask(library, "What is the oldest reader's full name, and how many does he have?")
    assert generated.refused, generated.sql


KINDS = "SELECT kind, COUNT(*) FROM loan GROUP BY kind"


@pytest.mark.parametrize(
    "question, gold",
    [
        ("What are the different kinds of loans, and how many loans are there of each?", KINDS),
        ("What are the different kinds of loans, and how many loans have each?", KINDS),
        ("What are the kinds and number of loans with each one?", KINDS),
        (
            "How many branches does each town have? List the town and the number of branches.",
            "SELECT town, COUNT(*) FROM branch GROUP BY town",
        ),
    ],
)
def test_each_at_the_end_points_back(library, question, gold):
    check(library, question, gold)


@pytest.mark.parametrize(
    "question",
    [
        "What are the different kinds of loans, and how many readers have each?",
        "What are the different kinds of loans, and how many loans have each zorblax?",
        "What are the different kinds of loans, and each?",  # nothing counted
    ],
)
def test_each_at_the_end_refused(library, question):
    generated = ask(library, question)
    assert generated.refused, generated.sql


@pytest.mark.parametrize(
    "question, gold",
    [
        (
            "Show the towns of branches in descending order of the count.",
            "SELECT town FROM branch GROUP BY town ORDER BY COUNT(*) DESC",
        ),
        (
            "Show each kind and the number of loans with that kind, sorted by the count.",
            "SELECT kind, COUNT(*) FROM loan GROUP BY kind ORDER BY COUNT(*)",
        ),
    ],
)
def test_ordered_by_the_count(library, question, gold):
    check(library, question, gold)


def test_ordered_by_the_count_of_names_is_refused(library):
    generated = ask(library, "Show the full names of readers in descending order of the count.")
    assert generated.refused, generated.sql


@pytest.mark.parametrize(
    "question",
    ["Show the kinds of loans and the count.", "Find all kinds of loans and number of them."],
)
def test_categories_and_the_count(library, question):
    check(library, question, KINDS)


def test_names_and_the_count_is_refused(library):
    generated = ask(library, "Show the full names of readers and the count.")
    assert generated.refused, generated.sql


def test_key_spelt_in_another_case_is_the_same_key(library, monkeypatch):
    """fine.READER_ID refers to reader.reader_id: each fine has one reader, so adding up the
    fines per reader counts each fine once."""
    monkeypatch.setenv(
        "DATACHAT_GATE_UNNAMED", "0"
    )  # the reading behind the refusal of unnamed columns (unnamed.py)
    check(
        library,
        "Which reader has the highest total amount?",
        "SELECT r.full_name FROM reader r JOIN fine f ON f.READER_ID = r.reader_id "
        "GROUP BY r.reader_id ORDER BY SUM(f.amount) DESC LIMIT 1",
    )
