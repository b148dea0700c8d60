"""PostgreSQL engine against the real server (tests/servers.py)."""

import datetime
import os
import time
from decimal import Decimal

import pytest

from connections.dialects import ConnectorError
from connections.dialects.postgresql import PostgreSQL
from tests.servers import PG_PASSWORD_USER, assert_secret_absent, missing

WRONG = "wrong-password-7f3a"


@pytest.fixture(scope="module")
def engine(pg_params):
    engine = PostgreSQL(pg_params(), pool_max_size=5)
    yield engine
    engine.close()


def test_good_connection(engine):
    result = engine.test_connection()
    assert result.ok, result.message
    assert result.server_version.startswith("PostgreSQL ")
    assert result.latency_ms > 0


def test_wrong_password_names_user_not_password(pg_params):
    user, _ = PG_PASSWORD_USER
    engine = PostgreSQL(pg_params(username=user, password=WRONG))
    result = engine.test_connection()
    if result.ok:
        missing("pg_hba trusts loopback: run scripts/ensure-test-services.sh for password auth")
    assert "authentication failed" in result.message.lower() and user in result.message
    with pytest.raises(ConnectorError) as info:
        engine.execute("SELECT 1", max_rows=1, timeout=5)
    assert not info.value.transient
    assert_secret_absent(WRONG, result.message, info.value)


def test_right_password_account_connects(pg_params):
    user, password = PG_PASSWORD_USER
    assert PostgreSQL(pg_params(username=user, password=password)).test_connection().ok


def test_typed_results(engine):
    result = engine.execute(
        "SELECT 42 AS i, 12.50::numeric(10,2) AS price, DATE '2024-02-29' AS d,"
        " TIMESTAMP '2024-02-29 13:14:15' AS ts, NULL::text AS nothing, 'Ünïcødé 北京' AS u",
        max_rows=10,
        timeout=5,
    )
    assert result.columns == ["i", "price", "d", "ts", "nothing", "u"]
    assert result.column_types == ["int4", "numeric", "date", "timestamp", "text", "text"]
    assert result.rows == [
        (
            42,
            Decimal("12.50"),
            datetime.date(2024, 2, 29),
            datetime.datetime(2024, 2, 29, 13, 14, 15),
            None,
            "Ünïcødé 北京",
        )
    ]
    assert not result.truncated and result.duration_ms > 0


def test_empty_result_keeps_columns(engine):
    result = engine.execute("SELECT 1 AS a, now() AS b WHERE false", max_rows=10, timeout=5)
    assert result.rows == [] and result.columns == ["a", "b"]
    assert result.column_types == ["int4", "timestamptz"]


def test_truncates_large_result_quickly(engine):
    started = time.monotonic()
    result = engine.execute(
        "SELECT g FROM generate_series(1, 1000000) g", max_rows=1000, timeout=30
    )
    assert result.truncated and len(result.rows) == 1000 and result.rows[-1] == (1000,)
    assert time.monotonic() - started < 5


def test_exactly_max_rows_is_not_truncated(engine):
    result = engine.execute("SELECT g FROM generate_series(1, 10) g", max_rows=10, timeout=5)
    assert len(result.rows) == 10 and not result.truncated


def test_server_side_timeout(engine):
    started = time.monotonic()
    with pytest.raises(ConnectorError, match="timed out") as info:
        engine.execute("SELECT pg_sleep(5)", max_rows=1, timeout=1)
    assert info.value.transient and time.monotonic() - started < 4
    assert engine.execute("SELECT 1", max_rows=1, timeout=5).rows == [(1,)]  # pool still healthy


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO notes VALUES (2, 'new')",
        "DELETE FROM notes",
        "UPDATE notes SET body = 'x'",
        "CREATE TABLE hijack (a int)",
        "WITH gone AS (DELETE FROM notes RETURNING *) SELECT * FROM gone",
    ],
)
def test_writes_refused_by_the_database(engine, pg_admin, pg_database, sql):
    with pg_admin(pg_database) as admin:
        admin.execute("CREATE TABLE IF NOT EXISTS notes (id int, body text)")
        admin.execute("TRUNCATE notes")
        admin.execute("INSERT INTO notes VALUES (1, 'keep')")
        with pytest.raises(ConnectorError, match="read-only"):
            engine.execute(sql, max_rows=10, timeout=5)
        assert admin.execute("SELECT * FROM notes").fetchall() == [(1, "keep")]
        assert admin.execute("SELECT to_regclass('hijack')").fetchone() == (None,)


@pytest.mark.parametrize(
    "sql",
    [
        "COMMIT; CREATE TABLE hijack (a int)",
        "ROLLBACK; CREATE TABLE hijack (a int)",
        "COMMIT; SET default_transaction_read_only = off; CREATE TABLE hijack (a int)",
        "COMMIT; BEGIN READ WRITE; CREATE TABLE hijack (a int); COMMIT",
        "SELECT 1; COMMIT; BEGIN READ WRITE; CREATE TABLE hijack (a int); COMMIT",
    ],
)
def test_stacked_statements_cannot_leave_the_read_only_transaction(
    engine, pg_admin, pg_database, sql
):
    with pytest.raises(ConnectorError):
        engine.execute(sql, max_rows=10, timeout=5)
    for follow_up in ("SET default_transaction_read_only = off", "COMMIT"):
        try:
            engine.execute(follow_up, max_rows=1, timeout=5)
        except ConnectorError:
            pass
    with pytest.raises(ConnectorError, match="read-only"):
        engine.execute("CREATE TABLE hijack (a int)", max_rows=1, timeout=5)
    with pg_admin(pg_database) as admin:
        assert admin.execute("SELECT to_regclass('hijack')").fetchone() == (None,)


@pytest.mark.parametrize(
    "sql, timeout",
    [("SELECT pg_advisory_lock({key})", 5), ("SELECT pg_advisory_lock({key}), pg_sleep(5)", 0.5)],
    ids=["returned", "timed-out"],
)
def test_a_pooled_session_comes_back_clean(pg_params, pg_admin, sql, timeout):
    """A rollback leaves session-level advisory locks and prepared statements behind; the
    connection is cleaned (DISCARD ALL) before execute() returns, whether the query ended
    well or not. One pooled connection, so every call reuses it."""
    key = 720_000 + os.getpid() % 10_000
    engine = PostgreSQL(pg_params(), pool_max_size=1)
    try:
        try:
            engine.execute(sql.format(key=key), max_rows=1, timeout=timeout)
        except ConnectorError as exc:
            assert "timed out" in exc.user_message
        with pg_admin() as admin:
            held = admin.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s", [key]
            )
            assert held.fetchone() == (0,)
        engine.execute("PREPARE leftover AS SELECT 1", max_rows=1, timeout=5)
        left = engine.execute("SELECT name FROM pg_prepared_statements", max_rows=5, timeout=5)
        assert left.rows == []
        # DISCARD ALL returns to the start-up settings, which keep the session read-only.
        read_only = engine.execute("SHOW default_transaction_read_only", max_rows=1, timeout=5)
        assert read_only.rows == [("on",)]
    finally:
        engine.close()


def test_sql_error_message(engine):
    with pytest.raises(ConnectorError, match='column "nosuch" does not exist') as info:
        engine.execute("SELECT nosuch", max_rows=1, timeout=5)
    assert not info.value.transient


def test_chinook_loaded(chinook_pg):
    engine = PostgreSQL(chinook_pg.params)
    try:
        assert engine.execute("SELECT count(*) FROM track", max_rows=1, timeout=10).rows == [
            (3503,)
        ]
    finally:
        engine.close()
