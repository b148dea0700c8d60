"""Validation refuses only what the database would; corrections keep every failed attempt and
an empty result gets one more look. litellm runs for real against the fake server."""

import pytest

from chat.answering.pipeline import EMPTY_CAVEAT, answer_question
from chat.answering.validation import schema_problem
from connections.dialects.schema import Column, SchemaDocument, Table
from schemas_app.services import latest_snapshot, snapshot_document

pytestmark = pytest.mark.django_db


def chinook_document(connection):
    return snapshot_document(latest_snapshot(connection).pk)


@pytest.mark.parametrize(
    "sql, rows",
    [
        ('SELECT COUNT(*) FROM Customer WHERE Country = "Brazil"', [(5,)]),
        ('SELECT COUNT(*) FROM "Customer" WHERE "Country" = "Brazil"', [(5,)]),
        ("SELECT COUNT(*) FROM Customer WHERE Country = 'Brazil'", [(5,)]),
        ('SELECT COUNT(*) FROM Customer WHERE Country LIKE "bra%"', [(5,)]),
        ('SELECT COUNT(*) FROM Customer c WHERE c.Country IN ("Brazil")', [(5,)]),
    ],
)
def test_sqlite_double_quoted_strings_are_delivered(chinook, fake_llm, executed, sql, rows):
    fake_llm.reply({"sql": sql, "explanation": "Customers in Brazil."})
    answer = answer_question(chinook, "How many customers are in Brazil?")
    assert answer.error == "" and answer.rows == rows
    assert [a.status for a in answer.attempts] == ["ok"] and len(fake_llm.requests) == 1


def test_double_quoted_name_of_a_real_column_stays_a_column(chinook):
    document = chinook_document(chinook)
    # "Country" names a column of Customer: a column, not the string 'Country'.
    assert (
        schema_problem(
            'SELECT "Country", "n" FROM (SELECT Country, 1 AS n FROM Customer)',
            document=document,
            kind="sqlite",
        )
        == ""
    )
    # A quoted alias defined in the query resolves too.
    assert (
        schema_problem(
            'SELECT Country, COUNT(*) AS "n" FROM Customer GROUP BY Country ORDER BY "n"',
            document=document,
            kind="sqlite",
        )
        == ""
    )


def test_postgresql_double_quotes_are_identifiers():
    document = SchemaDocument(
        dialect="postgresql",
        tables=[Table(schema="public", name="customer", columns=[Column("state", "text")])],
    )
    problem = schema_problem(
        'SELECT count(*) FROM customer WHERE state = "NY"', document=document, kind="postgresql"
    )
    assert "NY" in problem or "ny" in problem


def test_unresolved_names_come_with_the_nearest_real_ones(chinook):
    document = chinook_document(chinook)
    column = schema_problem("SELECT Nme FROM Track", document=document, kind="sqlite")
    assert "Nearest columns of the query's tables: Track.Name" in column
    table = schema_problem("SELECT COUNT(*) FROM Tracks", document=document, kind="sqlite")
    assert "Nearest tables: Track" in table
    elsewhere = schema_problem("SELECT Title FROM Track", document=document, kind="sqlite")
    assert "Album.Title" in elsewhere


def test_every_failed_attempt_goes_back_with_the_next_round(chinook, fake_llm):
    first = "SELECT COUNT(*) FROM Customer WHERE Nation = 'Brazil'"
    second = "SELECT COUNT(*) FROM Customers WHERE Country = 'Brazil'"
    fake_llm.reply({"sql": first, "explanation": "?"})
    fake_llm.reply({"sql": second, "explanation": "?"})
    fake_llm.reply(
        {"sql": "SELECT COUNT(*) FROM Customer WHERE Country = 'Brazil'", "explanation": "Five."}
    )
    answer = answer_question(chinook, "How many customers are in Brazil?")
    assert [a.status for a in answer.attempts] == ["invalid", "invalid", "ok"]
    assert answer.rows == [(5,)]
    last = fake_llm.prompt(2)
    assert first in last and second in last
    assert "nation" in last.lower() and "Nearest tables: Customer" in last


def test_an_empty_result_gets_one_more_look(chinook, fake_llm):
    wrong = "SELECT COUNT(*) FROM Customer WHERE Country = 'Brasil' GROUP BY Country"
    fake_llm.reply({"sql": wrong, "explanation": "?"})
    fake_llm.reply(
        {"sql": "SELECT COUNT(*) FROM Customer WHERE Country = 'Brazil'", "explanation": "Five."}
    )
    answer = answer_question(chinook, "How many customers are in Brasil?")
    assert answer.rows == [(5,)] and [a.status for a in answer.attempts] == ["ok", "ok"]
    assert "returned no rows" in fake_llm.prompt(1) and wrong in fake_llm.prompt(1)


def test_an_empty_result_the_model_stands_by_has_no_caveat(chinook, fake_llm):
    none = "SELECT FirstName FROM Customer WHERE Country = 'Japan'"
    fake_llm.reply({"sql": none, "explanation": "Customers in Japan."})
    fake_llm.reply({"sql": none + ";", "explanation": "Customers in Japan."})
    answer = answer_question(chinook, "Customers in Japan")
    assert answer.rows == [] and answer.error == "" and EMPTY_CAVEAT not in answer.text
    assert len(fake_llm.requests) == 2 and len(answer.attempts) == 1


def test_an_empty_result_twice_is_answered_with_a_caveat(chinook, fake_llm):
    fake_llm.reply({"sql": "SELECT FirstName FROM Customer WHERE Country = 'Japan'"})
    fake_llm.reply({"sql": "SELECT FirstName FROM Customer WHERE Country = 'JP'"})
    answer = answer_question(chinook, "Customers in Japan")
    assert answer.rows == [] and answer.error == "" and answer.text.endswith(EMPTY_CAVEAT)
    assert answer.sql == "SELECT FirstName FROM Customer WHERE Country = 'Japan'"
    assert [a.status for a in answer.attempts] == ["ok", "ok"]


def test_an_empty_result_and_a_dead_model_still_answers(chinook, fake_llm):
    fake_llm.reply({"sql": "SELECT FirstName FROM Customer WHERE Country = 'Japan'"})
    fake_llm.fail(500)
    answer = answer_question(chinook, "Customers in Japan")
    assert answer.rows == [] and answer.error == "" and answer.text.endswith(EMPTY_CAVEAT)


def test_self_consistency_keeps_the_result_most_candidates_share(chinook, fake_llm, settings):
    settings.LLM_CANDIDATES = 3
    # The first query (temperature 0) counts Brazil's invoices, two sampled candidates
    # count its customers, written differently: their shared result wins.
    fake_llm.reply({"sql": "SELECT COUNT(*) FROM Invoice WHERE BillingCountry = 'Brazil'"})
    fake_llm.reply({"sql": "SELECT COUNT(*) FROM Customer WHERE Country = 'Brazil'"})
    fake_llm.reply({"sql": 'SELECT COUNT(CustomerId) AS n FROM Customer WHERE Country = "Brazil"'})
    answer = answer_question(chinook, "How many customers are in Brazil?")
    assert answer.rows == [(5,)] and answer.error == ""
    assert "Customer" in answer.sql and "vote" in answer.timings_ms
    temperatures = sorted(r["temperature"] for r in fake_llm.requests)
    assert temperatures == [0, 0.7, 0.7]
    assert len(answer.usage["calls"]) == 3


def test_self_consistency_is_off_by_default(chinook, fake_llm):
    fake_llm.reply({"sql": "SELECT COUNT(*) FROM Customer WHERE Country = 'Brazil'"})
    answer = answer_question(chinook, "How many customers are in Brazil?")
    assert answer.rows == [(5,)] and len(fake_llm.requests) == 1
    assert "vote" not in answer.timings_ms


def test_the_second_look_stays_within_the_correction_rounds(chinook, fake_llm, settings):
    settings.LLM_MAX_CORRECTIONS = 1
    fake_llm.reply({"sql": "SELECT FirstName FROM Customer WHERE Nation = 'Japan'"})
    fake_llm.reply({"sql": "SELECT FirstName FROM Customer WHERE Country = 'Japan'"})
    answer = answer_question(chinook, "Customers in Japan")
    assert [a.status for a in answer.attempts] == ["invalid", "ok"] and answer.rows == []
    assert len(fake_llm.requests) == 2  # no third call: the rounds are used up


def test_seeded_dialect_examples_show_until_a_verified_one_exists(chinook):
    from chat.answering.context import build_context

    document = chinook_document(chinook)
    text = build_context(
        "Invoices per month", document=document, profiles={}, dialect="sqlite"
    ).text
    assert "Examples of this dialect" in text and "strftime('%Y-%m'" in text


def test_mysql_double_quotes_are_strings_without_ansi_quotes():
    document = SchemaDocument(
        dialect="mysql",
        tables=[Table(schema="shop", name="customer", columns=[Column("state", "varchar(2)")])],
    )
    sql = 'SELECT COUNT(*) FROM customer WHERE state = "NY" OR state LIKE "%Y"'
    assert schema_problem(sql, document=document, kind="mysql") == ""
    assert "nme" in schema_problem("SELECT nme FROM customer", document=document, kind="mysql")
