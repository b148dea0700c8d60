"""The exposure levels one piece at a time, on Chinook's real snapshot: what restrict() keeps,
how history and database errors are cut, the global default and the admin field."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from chat.answering import exposure
from chat.answering.context import build_context
from chat.answering.types import Turn
from connections import exposure as levels
from schemas_app.services import extract_now, latest_snapshot, snapshot_document, snapshot_profiles

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshot(make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="chinook")
    extract_now(connection, with_profile=True)
    pk = latest_snapshot(connection).pk
    return connection, snapshot_document(pk), snapshot_profiles(pk)


def test_each_level_keeps_only_its_part(snapshot):
    connection, document, profiles = snapshot
    genre = next(t for t in document.tables if t.name == "Genre")
    # There is data to cut.
    assert genre.sample_rows and profiles["main.Genre"]["Name"]["top_values"]

    doc, prof = exposure.restrict(document, profiles, "schema")
    assert prof == {} and all(not t.sample_rows and t.row_count is None for t in doc.tables)
    assert [c.name for c in doc.tables[0].columns] == [c.name for c in document.tables[0].columns]

    doc, prof = exposure.restrict(document, profiles, "profiles")
    assert all(not t.sample_rows for t in doc.tables)
    assert set(prof["main.Genre"]["Name"]) <= {"rows_profiled", "null_fraction", "distinct"}
    assert prof["main.Genre"]["Name"]["distinct"] == 25
    text = build_context("genres", document=doc, profiles=prof, dialect="sqlite").text
    assert "25 distinct" in text and "Rock" not in text

    assert exposure.restrict(document, profiles, "values") == (document, profiles)
    # The cached snapshot objects are not touched, and a second call gives the same objects
    # (the context's index is cached by their identity).
    assert genre.sample_rows and profiles["main.Genre"]["Name"].get("top_values")
    assert exposure.restrict(document, profiles, "profiles")[0] is doc


def test_sensitive_columns_are_masked_at_values(snapshot):
    connection, document, profiles = snapshot
    secret = exposure.sensitive_columns(connection)
    assert ("main.Customer", "Email") in secret  # detected at extraction (schemas_app.sensitive)
    doc, prof = exposure.restrict(document, profiles, "values", secret)
    customer = next(t for t in doc.tables if t.name == "Customer")
    email = [c.name for c in customer.columns].index("Email")
    assert customer.sample_rows[0][email] == "l***@embraer.com.br"
    text = build_context("customers e-mail", document=doc, profiles=prof, dialect="sqlite").text
    assert "luisg@embraer.com.br" not in text and "l***@embraer.com.br" in text


def test_history_below_values_loses_answers_and_literals_nobody_wrote():
    turns = [Turn("tracks of rock", "SELECT * FROM Track WHERE Genre = 'Rock'", "Found 1,297.")]
    turns.append(Turn("and jazz?", "SELECT Name FROM Artist WHERE Name = 'AC/DC'", "AC/DC"))
    cut = exposure.restrict_history(turns, "profiles", "and blues?")
    assert [t.answer for t in cut] == ["", ""]
    assert cut[0].sql.endswith("'Rock'")  # the user wrote "rock"
    assert cut[1].sql.endswith("Name = '…'")
    assert exposure.restrict_history(turns, "values") == tuple(turns)


def test_database_errors_lose_quoted_values_below_values():
    sql = 'SELECT CAST(name AS integer) FROM "artist"'
    error = 'invalid input syntax for type integer: "AC/DC" (column "artist")'
    assert exposure.scrub_error(error, sql, "schema") == (
        "invalid input syntax for type integer: '…' (column \"artist\")"
    )
    assert exposure.scrub_error(error, sql, "values") == error


def test_effective_level_and_the_default(settings, snapshot):
    connection = snapshot[0]
    settings.DATA_EXPOSURE_DEFAULT = "schema"
    assert levels.effective(connection) == "schema"
    connection.data_exposure = "values"
    assert levels.effective(connection) == "values"
    assert exposure.strictest(["values", "profiles", ""]) == "schema"  # "" is the default


def test_a_bad_default_stops_the_server(monkeypatch):
    import importlib

    from datachat import settings as module

    monkeypatch.setenv("DATA_EXPOSURE_DEFAULT", "everything")
    with pytest.raises(ImproperlyConfigured, match="use schema, profiles or values"):
        importlib.reload(module)
    monkeypatch.delenv("DATA_EXPOSURE_DEFAULT")
    importlib.reload(module)


def test_the_admin_form_sets_the_level(admin_client, snapshot):
    connection = snapshot[0]
    page = admin_client.get(f"/admin/connections/connection/{connection.pk}/change/")
    assert page.status_code == 200 and 'name="data_exposure"' in page.content.decode()
    assert "Data sent to a model" in page.content.decode()
