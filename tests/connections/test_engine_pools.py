"""Connection pools: bounded, reused, retired on credential change, healed after a kill."""

import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from connections.dialects import engine_for_params, retire_engine
from connections.dialects.clickhouse import ClickHouse
from connections.dialects.mysql import MySQL
from connections.dialects.postgresql import PostgreSQL

PID_QUERIES = {
    "postgresql": "SELECT pg_backend_pid() FROM pg_sleep(0.05)",
    "mysql": "SELECT CONNECTION_ID() FROM (SELECT SLEEP(0.05)) AS pause",
}


def _hammer(engine, sql, calls=30):
    with ThreadPoolExecutor(max_workers=calls) as workers:
        return list(
            workers.map(lambda _: engine.execute(sql, max_rows=1, timeout=10), range(calls))
        )


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_concurrent_executes_share_a_bounded_pool(kind, pg_params, mysql_params):
    params = {"postgresql": pg_params, "mysql": mysql_params}[kind]()
    engine = {"postgresql": PostgreSQL, "mysql": MySQL}[kind](params, pool_max_size=5)
    try:
        results = _hammer(engine, PID_QUERIES[kind])
        server_sessions = {result.rows[0][0] for result in results}
        assert 1 <= len(server_sessions) <= 5
    finally:
        engine.close()


def test_clickhouse_pool_stays_bounded(clickhouse_params):
    engine = ClickHouse(clickhouse_params(), pool_max_size=5)
    try:
        results = _hammer(engine, "SELECT sleep(0.05)")
        assert len(results) == 30
        assert engine._pool.checkedin() <= 5 and engine._pool.overflow() <= 0
    finally:
        engine.close()


def test_credential_change_retires_the_old_pool(pg_params):
    owner = "pool-test-owner"
    first = engine_for_params(owner, pg_params(), pool_max_size=3)
    try:
        first.execute("SELECT 1", max_rows=1, timeout=5)
        assert engine_for_params(owner, pg_params(), pool_max_size=3) is first
        second = engine_for_params(owner, pg_params(password="rotated"), pool_max_size=3)
        assert second is not first
        assert first._pool is None  # closed by the registry
    finally:
        retire_engine(owner)


def test_killed_postgresql_connection_is_replaced(pg_params, pg_admin):
    engine = PostgreSQL(pg_params(), pool_max_size=2)
    try:
        pid = engine.execute("SELECT pg_backend_pid()", max_rows=1, timeout=5).rows[0][0]
        with pg_admin() as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
        new_pid = engine.execute("SELECT pg_backend_pid()", max_rows=1, timeout=5).rows[0][0]
        assert new_pid != pid
    finally:
        engine.close()


def test_killed_mysql_connection_is_replaced(mysql_params, mysql_admin):
    engine = MySQL(mysql_params(), pool_max_size=2)
    try:
        pid = engine.execute("SELECT CONNECTION_ID()", max_rows=1, timeout=5).rows[0][0]
        admin = mysql_admin()
        admin.cursor().execute(f"KILL {int(pid)}")
        admin.close()
        new_pid = engine.execute("SELECT CONNECTION_ID()", max_rows=1, timeout=5).rows[0][0]
        assert new_pid != pid
    finally:
        engine.close()


def test_dropped_clickhouse_socket_reconnects(clickhouse_params):
    engine = ClickHouse(clickhouse_params(), pool_max_size=1)
    try:
        engine.execute("SELECT 1", max_rows=1, timeout=5)
        client = engine._pool.connect()
        # As if the server dropped the connection while it sat idle in the pool.
        client.dbapi_connection.connection.socket.shutdown(socket.SHUT_RDWR)
        client.close()
        assert engine.execute("SELECT 2", max_rows=1, timeout=5).rows == [(2,)]
    finally:
        engine.close()


def test_registry_row_runs_through_its_engine(make_connection, sqlite_params, pg_params):
    for params in (sqlite_params(), pg_params()):
        connection = make_connection(params)
        assert connection.engine().execute("SELECT 1", max_rows=1, timeout=5).rows == [(1,)]
        assert connection.engine() is connection.engine()
