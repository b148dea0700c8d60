"""PostgreSQL engine against the real server (tests/servers.py): what only it has; what every
engine does is in test_engine_contract.py."""

import os

import pytest

from connections.dialects import ConnectorError
from connections.dialects.postgresql import PostgreSQL


@pytest.fixture(scope="module")
def engine(pg_params):
    engine = PostgreSQL(pg_params(), pool_max_size=5)
    yield engine
    engine.close()


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
