"""Verbs that only name a link between two things the question names (link_verbs.py),
checked on the rows they return: accepted when the link is one foreign-key path whose tables
do not name another relation, refused otherwise."""

from __future__ import annotations

import pytest

from .test_engine_v2_reading import ask, check, sqlite_schema

LIBRARY = """
CREATE TABLE author (author_id INTEGER PRIMARY KEY, name TEXT, country TEXT);
CREATE TABLE book (book_id INTEGER PRIMARY KEY, title TEXT, year INTEGER,
    author_id INTEGER REFERENCES author(author_id));
CREATE TABLE reader (reader_id INTEGER PRIMARY KEY, name TEXT, city TEXT);
CREATE TABLE reader_book (reader_id INTEGER REFERENCES reader(reader_id),
    book_id INTEGER REFERENCES book(book_id));
CREATE TABLE plays (play_id INTEGER PRIMARY KEY, reader_id INTEGER REFERENCES reader(reader_id),
    game TEXT);
CREATE TABLE club (club_id INTEGER PRIMARY KEY, club_name TEXT);
CREATE TABLE attends_club (reader_id INTEGER REFERENCES reader(reader_id),
    club_id INTEGER REFERENCES club(club_id));
CREATE TABLE prize (prize_id INTEGER PRIMARY KEY, prize_name TEXT,
    winner_id INTEGER REFERENCES author(author_id), judge_id INTEGER REFERENCES author(author_id));
CREATE TABLE shop (shop_id INTEGER PRIMARY KEY, name TEXT, open_year INTEGER, floor_area REAL);
INSERT INTO shop VALUES (1, 'Quire', 1998, 80), (2, 'Folio', 2004, 120), (3, 'Spine', 2011, 60);
CREATE TABLE driver (driver_id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE race (race_id INTEGER PRIMARY KEY, driver_id INTEGER REFERENCES driver(driver_id),
    place TEXT);
INSERT INTO driver VALUES (1, 'Lena'), (2, 'Marco'), (3, 'Nils');
INSERT INTO race VALUES (1, 1, 'Monaco'), (2, 2, 'Monza'), (3, 1, 'Monza'), (4, 3, 'Monaco');
INSERT INTO author VALUES (1, 'Ursula', 'USA'), (2, 'Stanislaw', 'Poland');
INSERT INTO book VALUES (10, 'Dune', 1965, 1), (11, 'Solaris', 1961, 2), (12, 'Eden', 1959, 2);
INSERT INTO reader VALUES (1, 'Ann', 'Oslo'), (2, 'Bob', 'Rome'), (3, 'Cid', 'Oslo');
INSERT INTO reader_book VALUES (1, 10), (1, 11), (2, 10), (3, 12);
INSERT INTO plays VALUES (1, 1, 'chess'), (2, 2, 'rowing'), (3, 3, 'chess');
INSERT INTO club VALUES (1, 'Night Owls'), (2, 'Early Birds');
INSERT INTO attends_club VALUES (1, 1), (2, 2), (3, 1);
INSERT INTO prize VALUES (1, 'Hugo', 1, 2);
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory, django_db_setup, django_db_blocker):
    return sqlite_schema(tmp_path_factory, django_db_blocker, "library", LIBRARY)


@pytest.mark.parametrize(
    "question, gold",
    [
        # a base form after "who" that the schema uses (plays), linking to a stored value of
        # a table with a key to reader
        (
            "What are the names of readers who play chess?",
            "SELECT r.name FROM reader r JOIN plays p ON p.reader_id = r.reader_id "
            "WHERE p.game = 'chess'",
        ),
        # a participle, through a junction table whose name names no other relation
        (
            "Show the names of readers who borrowed the book 'Dune'.",
            "SELECT r.name FROM reader r JOIN reader_book rb ON rb.reader_id = r.reader_id "
            "JOIN book b ON b.book_id = rb.book_id WHERE b.title = 'Dune'",
        ),
        # the junction names the relation and the verb is that relation
        (
            "Show the names of readers who attend the club 'Night Owls'.",
            "SELECT r.name FROM reader r JOIN attends_club a ON a.reader_id = r.reader_id "
            "JOIN club c ON c.club_id = a.club_id WHERE c.club_name = 'Night Owls'",
        ),
        # a count of the linked rows between the verb and the table it links to
        (
            "Show the names of readers who borrowed at least 2 books.",
            "SELECT r.name FROM reader r JOIN reader_book rb ON rb.reader_id = r.reader_id "
            "GROUP BY r.reader_id HAVING COUNT(*) >= 2",
        ),
        # the verb ends the clause after a name: it links that row to the subject
        (
            "What is the name of the club that Bob attends?",
            "SELECT c.club_name FROM club c JOIN attends_club a ON a.club_id = c.club_id "
            "JOIN reader r ON r.reader_id = a.reader_id WHERE r.name = 'Bob'",
        ),
    ],
)
def test_a_verb_names_the_one_link(library, question, gold):
    check(library, question, gold)


@pytest.mark.parametrize(
    "question, verb",
    [
        # a word of no verb shape that the schema does not use either
        ("What are the names of readers who zorblax chess?", "zorblax"),
        # Attends_Club says the relation is attending: "joined" may be another one
        ("Show the names of readers who joined the club 'Night Owls'.", "joined"),
        # prize refers to author twice (winner, judge): which one "received" means is not said
        ("Which authors received the prize 'Hugo'? Give their names.", "received"),
        # an outcome is a condition on the link, not the link
        ("Show the names of readers who lost the book 'Dune'.", "lost"),
        # each book has one author: a count of authors per book is always one
        ("Show the titles of books that belong to more than one author.", "belong"),
        # a measure after the verb (read as the year), not a link to anything
        ("Show the titles of books that sold more than 1960.", "sold"),
    ],
)
def test_a_verb_that_may_mean_more_than_the_link_is_refused(library, question, verb):
    generated = ask(library, question)
    assert generated.refused, generated.sql
    assert f"'{verb}'" in generated.reason


@pytest.mark.parametrize(
    "question, gold",
    [
        # the verb names the column the year after it is compared with (open_year)
        ("How many shops opened after 2000?", "SELECT COUNT(*) FROM shop WHERE open_year > 2000"),
        (
            "Which shops were opened in 2004? Give their names.",
            "SELECT name FROM shop WHERE open_year = 2004",
        ),  # fmt: skip
        # ... or the column the rows are sorted by
        (
            "List the names of shops, ordered by the year they opened.",
            "SELECT name FROM shop ORDER BY open_year",
        ),  # fmt: skip
    ],
)
def test_a_verb_names_the_column_beside_it(library, question, gold):
    check(library, question, gold)


def test_a_verb_naming_another_column_stays_unplaced(library):
    # "the year" is read as open_year, the shop's one year; "renovated" does not name it
    generated = ask(library, "List the names of shops, ordered by the year they renovated.")
    assert generated.refused, generated.sql
    assert "'renovated'" in generated.reason


@pytest.mark.parametrize(
    "question, gold",
    [
        # a table's name as the verb, before a value stored in that table
        (
            "Which drivers race in Monza? Give their names.",
            "SELECT d.name FROM driver d JOIN race r ON r.driver_id = d.driver_id "
            "WHERE r.place = 'Monza'",
        ),
        (
            "Show the names of drivers who race in both Monaco and Monza.",
            "SELECT d.name FROM driver d JOIN race r ON r.driver_id = d.driver_id "
            "WHERE r.place = 'Monaco' INTERSECT SELECT d.name FROM driver d "
            "JOIN race r ON r.driver_id = d.driver_id WHERE r.place = 'Monza'",
        ),
    ],
)
def test_a_table_named_as_the_verb(library, question, gold):
    check(library, question, gold)


def test_named_says_the_name_column_already_read(library):
    # 'Marco' is read as driver.name by the value rules; "named" says that column again
    check(
        library,
        "Show the id of the driver named Marco.",
        "SELECT driver_id FROM driver WHERE name = 'Marco'",
    )
