"""Issue 14: a comparison over several databases merges results of the same shape whatever
the databases called their columns, and keeps other shapes apart. Chinook on SQLite and on
PostgreSQL (snake_case there), the built-in engine; on PostgreSQL a verified example answers
with its own aliases (`place`, `sum_value`), as another engine or a colleague's query would."""

import pytest
from django.urls import reverse

from chat import conversation, sessions
from schemas_app import datapoints
from schemas_app import services as schema_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_chinooks(make_connection, chinook_sqlite, chinook_pg):
    lite = make_connection(chinook_sqlite.params, name="chinook-lite")
    pg = make_connection(chinook_pg.params, name="chinook-pg")
    for connection in (lite, pg):
        assert schema_services.extract_now(connection, with_profile=True).status == "succeeded"
    return lite, pg


def test_same_shapes_merge_whatever_the_aliases_and_other_shapes_stay_apart(
    alice, alice_client, two_chinooks
):
    lite, pg = two_chinooks
    datapoints.save_example(
        pg,
        "Total revenue per country",
        "SELECT billing_country AS place, SUM(total) AS sum_value FROM invoice "
        "GROUP BY billing_country",
    )
    session = sessions.create_session(alice, connections=[lite, pg])
    reply = conversation.ask(alice, session, "Total revenue per country")
    reply.refresh_from_db()
    by_name = {d["name"]: d for d in reply.result["databases"]}
    assert by_name["chinook-pg"]["columns"] == ["place", "sum_value"]
    assert by_name["chinook-lite"]["columns"] != ["place", "sum_value"]  # the aliases differ
    merged = reply.result["merged"]
    assert merged is not None, reply.result
    assert merged["columns"][0] == "database" and len(merged["columns"]) == 3
    # Headed by the first database's labels, one row per country and database.
    assert merged["column_labels"] == ["Database", *by_name["chinook-lite"]["column_labels"]]
    assert merged["row_count"] == 48
    usa = {row[0]: float(row[2]) for row in merged["rows"] if row[1] == "USA"}
    assert usa == {"chinook-lite": 523.06, "chinook-pg": 523.06}

    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert "Comparison across databases" in page
    assert "Columns matched by position: chinook-pg calls them Place, Total." in page
    # The full comparison pages and downloads from the runs, merged by the same rule.
    csv_text = b"".join(
        alice_client.get(reverse("chat_merged_csv", args=[reply.pk])).streaming_content
    ).decode()
    assert len(csv_text.strip().splitlines()) == 49

    # Three columns on one database and two on the other: no merged table, each its own.
    datapoints.save_example(
        pg,
        "How many customers per country?",
        "SELECT country, COUNT(*) AS n, MIN(city) AS first_city FROM customer GROUP BY country",
    )
    reply = conversation.ask(alice, session, "How many customers per country?")
    reply.refresh_from_db()
    assert [len(d["columns"]) for d in reply.result["databases"]] == [2, 3]
    assert reply.result["merged"] is None
    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    last = page[page.rindex('class="msg assistant"') :]
    assert "Comparison across databases" not in last
    assert last.count('<details class="result-block per-database" open>') == 2
    assert last.count('<table class="data">') == 2
