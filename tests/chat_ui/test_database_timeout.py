"""The per-database timeout bounds the whole answer: a slow PostgreSQL database gets its
timeout error while a fast SQLite one answers, and the answer does not wait for the slow one.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest

from chat import conversation, sessions
from chat.models import ChatMessage, QueryRun
from connections.dialects import ConnectionParams, retire_engine
from schemas_app.services import extract_now

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

SLEEP_SECONDS = 3.0
TIMEOUT_SECONDS = 1.0


@pytest.fixture
def slow_pg(pg_admin, make_connection):
    """A PostgreSQL database whose `customer` table becomes, after extraction, a view that sleeps
    SLEEP_SECONDS on every read (the snapshot still sees the plain table)."""
    name = f"datachat_slow_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    with pg_admin(name) as conn:
        conn.execute("CREATE TABLE customer (id integer PRIMARY KEY, name text)")
        conn.execute("INSERT INTO customer SELECT g, 'c' || g FROM generate_series(1, 7) g")
    params = ConnectionParams(
        kind="postgresql", host="127.0.0.1", port=5432, database=name, username="postgres"
    )
    connection = make_connection(params, name="slow-pg")
    assert extract_now(connection, with_profile=True).status == "succeeded"
    with pg_admin(name) as conn:
        conn.execute("ALTER TABLE customer RENAME TO customer_data")
        conn.execute(
            "CREATE VIEW customer AS SELECT c.id, c.name FROM customer_data c, "
            f"pg_sleep({SLEEP_SECONDS}) s"
        )
    try:
        yield connection
    finally:
        retire_engine(str(connection.pk))
        with pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_slow_database_times_out_and_the_fast_one_answers_in_time(
    alice, make_connection, chinook_sqlite, slow_pg, settings, pg_admin
):
    fast = make_connection(chinook_sqlite.params, name="chinook")
    assert extract_now(fast, with_profile=True).status == "succeeded"
    # The built-in engine's first question in a process warms its caches (~0.5 s): not
    # what this test measures.
    conversation.ask(alice, sessions.create_session(alice, connections=[fast]), "How many tracks?")
    settings.CHAT_DATABASE_TIMEOUT_SECONDS = TIMEOUT_SECONDS
    session = sessions.create_session(alice, connections=[slow_pg, fast])

    started = time.monotonic()
    reply = conversation.ask(alice, session, "How many customers are there?")
    elapsed = time.monotonic() - started

    # Before the fix leaving the executor's `with` block waited for the sleeping thread.
    assert elapsed < TIMEOUT_SECONDS + 1.0, (
        f"the answer waited {elapsed:.2f} s for the slow database"
    )
    by_name = {d["name"]: d for d in reply.result["databases"]}
    assert "did not answer within 1 s" in by_name["slow-pg"]["error"]
    assert by_name["chinook"]["rows"] == [[59]], by_name["chinook"]["text"]
    assert reply.status == ChatMessage.Status.DONE
    assert "slow-pg: slow-pg did not answer within 1 s" in reply.text

    # The server stops the straggler's query at the same deadline: it does not run on for
    # QUERY_TIMEOUT_SECONDS holding a connection.
    time.sleep(max(0.0, TIMEOUT_SECONDS + 0.8 - elapsed))
    with pg_admin() as conn:
        running = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
            "AND pid <> pg_backend_pid()",
            [slow_pg.database],
        ).fetchone()[0]
    assert running == 0, "the slow query kept running after the chat's deadline"

    # The straggler finishes later; nothing it returns replaces the stored timeout error.
    time.sleep(max(0.0, SLEEP_SECONDS + 0.5 - (time.monotonic() - started)))
    reply.refresh_from_db()
    assert (
        "did not answer within"
        in {d["name"]: d for d in reply.result["databases"]}["slow-pg"]["error"]
    )
    slow_runs = QueryRun.objects.filter(message=reply, connection=slow_pg)
    assert [(r.status, r.error) for r in slow_runs] == [
        ("error", "slow-pg did not answer within 1 s.")
    ]
