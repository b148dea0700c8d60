"""One chat question answered on PostgreSQL, MariaDB and ClickHouse at once (the demo shop in
each, real servers): a merged comparison with one row per database, and a database that fails
while the others answer.
"""

from __future__ import annotations

import os
import uuid

import pytest

from chat import conversation, sessions
from chat.models import ChatMessage, QueryRun
from connections.dialects import ConnectionParams, retire_engine
from schemas_app.services import extract_now

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

SERVER_KINDS = ("postgresql", "mysql", "clickhouse")
QUESTION = "How many customers are there?"


def _params(raw: dict) -> ConnectionParams:
    return ConnectionParams(
        kind=raw["kind"],
        host=raw["host"],
        port=raw["port"],
        database=raw["database"],
        username=raw["username"],
        password=raw["password"],
    )


@pytest.fixture
def shop_connections(seeded, make_connection):  # noqa: F811
    """The demo shop on the three servers, extracted with profiles, in this order."""
    connections = []
    for kind in SERVER_KINDS:
        connection = make_connection(_params(seeded[kind]), name=f"shop-{kind}")
        snapshot = extract_now(connection, with_profile=True)
        assert snapshot.status == "succeeded", (kind, snapshot.error)
        connections.append(connection)
    return connections


def _customer_count(seeded) -> int:  # noqa: F811
    from tests.demo_shop import reader

    return reader(seeded["postgresql"])("SELECT COUNT(*) FROM customers")[0][0]


def test_one_question_three_engines_one_comparison(alice, seeded, shop_connections):  # noqa: F811
    session = sessions.create_session(alice, connections=shop_connections)
    reply = conversation.ask(alice, session, QUESTION)

    assert reply.status == ChatMessage.Status.DONE, reply.text
    expected = _customer_count(seeded)
    result = reply.result
    by_name = {d["name"]: d for d in result["databases"]}
    assert list(by_name) == ["shop-postgresql", "shop-mysql", "shop-clickhouse"]
    for name, d in by_name.items():
        assert not d["error"], (name, d["error"], d["sql"])
        assert d["sql"].upper().startswith("SELECT") and "customers" in d["sql"]
        assert [list(map(int, row)) for row in d["rows"]] == [[expected]], (name, d["rows"])
        assert d["run_id"] and d["engine"] == "builtin"

    merged = result["merged"]
    assert merged is not None, result
    assert merged["columns"][0] == "database"
    assert [row[0] for row in merged["rows"]] == list(by_name)
    assert {int(row[-1]) for row in merged["rows"]} == {expected}
    # Every database's run is stored, each in its own dialect's engine.
    runs = QueryRun.objects.filter(message=reply, final=True)
    assert sorted(r.connection_name for r in runs) == sorted(by_name)
    assert {r.status for r in runs} == {"ok"}
    for name in by_name:
        assert name in reply.text and f"{expected}" in reply.text.replace(",", "")


@pytest.fixture
def doomed_pg(pg_admin, make_connection):
    """A PostgreSQL database that is extracted and then dropped: its server says no."""
    name = f"datachat_doomed_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    with pg_admin(name) as conn:
        conn.execute("CREATE TABLE customers (id integer PRIMARY KEY, name text)")
        conn.execute("INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 7) g")
    params = ConnectionParams(
        kind="postgresql",
        host="127.0.0.1",
        port=5432,
        database=name,
        username="postgres",
        password="",
    )
    connection = make_connection(params, name="shop-gone")
    assert extract_now(connection, with_profile=True).status == "succeeded"
    try:
        yield connection
    finally:
        with pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_one_failing_database_shows_its_error_while_the_others_answer(
    alice,
    seeded,  # noqa: F811
    shop_connections,
    doomed_pg,
    pg_admin,
):
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE "{doomed_pg.database}" WITH (FORCE)')
    retire_engine(str(doomed_pg.pk))  # as after a restart: the next query connects afresh

    session = sessions.create_session(alice, connections=[*shop_connections, doomed_pg])
    reply = conversation.ask(alice, session, QUESTION)

    assert reply.status == ChatMessage.Status.DONE, reply.text
    by_name = {d["name"]: d for d in reply.result["databases"]}
    gone = by_name.pop("shop-gone")
    assert gone["error"], gone
    assert "Unknown database" in gone["error"] and doomed_pg.database in gone["error"], gone[
        "error"
    ]
    expected = _customer_count(seeded)
    for name, d in by_name.items():
        assert not d["error"], (name, d["error"])
        assert int(d["rows"][0][0]) == expected
    merged = reply.result["merged"]
    assert [row[0] for row in merged["rows"]] == list(by_name)
    failed_run = QueryRun.objects.get(message=reply, connection=doomed_pg, final=True)
    assert failed_run.status == "error" and failed_run.error

    # The page shows the failing database's error next to the others' answers.
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(alice)
    page = client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert "Comparison across databases" in page
    assert "shop-gone" in page and f"Unknown database &#x27;{doomed_pg.database}&#x27;" in page
