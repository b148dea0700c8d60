"""Questions on the Redshift and BigQuery kinds: the SQL is written in the kind's own sqlglot
dialect (taken from the dialect class) by both engines. Redshift runs end to end on the local
PostgreSQL standing in; BigQuery's SQL is checked without a server (see
tests/connections/test_engine_bigquery.py for its engine)."""

from __future__ import annotations

import dataclasses

import pytest
import sqlglot

from chat.answering.builtin import generate
from chat.answering.context import DIALECT_NOTES
from chat.answering.llm import DIALECT_NAMES
from chat.answering.pipeline import answer_question
from connections.dialects import SQLGLOT_DIALECTS
from connections.dialects.schema import SchemaDocument
from connections.guard import guard_sql
from schemas_app.services import extract_now, latest_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinook_redshift(make_connection, chinook_pg):
    params = dataclasses.replace(
        chinook_pg.params, kind="redshift", options=(("sslmode", "disable"),)
    )
    connection = make_connection(params, name="chinook-redshift")
    assert extract_now(connection).status == "succeeded"
    yield connection
    connection.engine().close()


def test_the_kinds_name_their_sqlglot_dialects():
    assert SQLGLOT_DIALECTS["redshift"] == "redshift"
    assert SQLGLOT_DIALECTS["bigquery"] == "bigquery"
    assert DIALECT_NAMES["redshift"] == "Amazon Redshift" and "DATEADD" in DIALECT_NOTES["redshift"]
    assert "GoogleSQL" in DIALECT_NAMES["bigquery"] and "backticks" in DIALECT_NOTES["bigquery"]


def test_redshift_profiles_read_a_bounded_subquery(make_connection, chinook_pg):
    params = dataclasses.replace(
        chinook_pg.params, kind="redshift", options=(("sslmode", "disable"),)
    )
    connection = make_connection(params, name="profiled-redshift")
    try:
        assert extract_now(connection, with_profile=True).status == "succeeded"
        snapshot = latest_snapshot(connection)
        snapshot.refresh_from_db()
        assert snapshot.profile_status == "done", snapshot.profile_error
        genre = snapshot.profiles["public.genre"]["name"]
        assert genre["distinct"] == 25 and genre["type"] == "character varying(120)"
        # A big table is read through a bounded subquery: Redshift has no TABLESAMPLE.
        track = SchemaDocument.from_dict(snapshot.document).table("public.track")
        track.row_count = 10_000_000
        source = connection.engine().profile_source(track, 1000).sql(dialect="redshift")
        assert "LIMIT 1000" in source and "TABLESAMPLE" not in source.upper()
    finally:
        connection.engine().close()


def test_builtin_engine_answers_on_redshift(chinook_redshift, settings):
    settings.LLM_MODEL = ""
    answer = answer_question(chinook_redshift, "How many customers are there?")
    assert answer.engine == "builtin" and answer.error == ""
    assert answer.rows == [(59,)] and [a.status for a in answer.attempts] == ["ok"]


def test_llm_path_answers_on_redshift_with_its_notes(chinook_redshift, fake_llm):
    fake_llm.reply(
        {"sql": "SELECT COUNT(*) FROM customer WHERE country = 'Brazil'", "explanation": "5."}
    )
    answer = answer_question(chinook_redshift, "How many customers are in Brazil?")
    assert answer.rows == [(5,)] and [a.status for a in answer.attempts] == ["ok"]
    prompt = fake_llm.prompt()
    assert "Amazon Redshift" in prompt and "GETDATE()" in prompt


def test_llm_sql_with_a_refused_redshift_function_is_corrected(chinook_redshift, fake_llm):
    fake_llm.reply({"sql": "SELECT pg_terminate_backend(1)", "explanation": "?"})
    fake_llm.reply({"sql": "SELECT COUNT(*) FROM artist", "explanation": "275."})
    answer = answer_question(chinook_redshift, "How many artists are there?")
    assert [a.status for a in answer.attempts] == ["invalid", "ok"]
    assert "pg_terminate_backend" in answer.attempts[0].error and answer.rows == [(275,)]


def test_builtin_engine_writes_bigquery_sql(chinook_redshift):
    # Chinook's schema as if it were a BigQuery dataset: the engine writes GoogleSQL for it.
    snapshot = latest_snapshot(chinook_redshift)
    document = SchemaDocument.from_dict(snapshot.document)
    document.dialect = "bigquery"
    generated = generate(
        "How many tracks are there per genre?", document=document, profiles={}, dialect="bigquery"
    )
    assert generated.sql, generated.reason
    assert "`" in generated.sql and '"' not in generated.sql  # BigQuery quotes with backticks
    tree = sqlglot.parse_one(generated.sql, read="bigquery")
    assert tree.sql(dialect="bigquery")
    assert guard_sql(generated.sql, "bigquery", limit=10).endswith("LIMIT 10")
