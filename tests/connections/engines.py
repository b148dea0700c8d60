"""What the engine contract suite (test_engine_contract.py) needs to know about each engine:
the SQL that says the same thing in its dialect, the values it answers with, and how to reach
its scratch database as an administrator (never through the engine under test).

Adding an engine = one more `EngineSpec` in ENGINES (see the contract suite's docstring).
"""

from __future__ import annotations

import datetime
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest

from connections.dialects import ConnectionParams
from tests.servers import (
    CLICKHOUSE_PASSWORD_USER,
    MYSQL_PASSWORD_USER,
    PG_PASSWORD_USER,
)

UNICODE = "Ünïcødé 北京"
# The typed row every server engine answers with (SQLite keeps dates as text: see its spec).
TYPED_ROW = (
    42,
    Decimal("12.50"),
    datetime.date(2024, 2, 29),
    datetime.datetime(2024, 2, 29, 13, 14, 15),
    None,
    UNICODE,
)
TYPED_COLUMNS = ["i", "price", "d", "ts", "nothing", "u"]


class Admin:
    """An administrator's connection to the engine's scratch database: run(sql) -> rows."""

    def __init__(self, run: Callable[[str], list[tuple]], close: Callable[[], None]):
        self.run = run
        self.close = close


@dataclass(frozen=True)
class EngineSpec:
    kind: str
    # request -> (params factory: **overrides -> ConnectionParams, Admin on the same database)
    reach: Callable[[pytest.FixtureRequest], tuple[Callable[..., ConnectionParams], Admin]]
    version_prefixes: tuple[str, ...]
    typed_sql: str
    typed_types: list[str]  # compared with the first len(typed_types) column types
    typed_row: tuple
    empty_sql: str
    empty_columns: list[str]
    # Rows numbered from `first` upwards, `{n}` of them.
    numbers_sql: str
    first: int
    quick_seconds: float  # how long reading 1000 of a million rows may take
    slow_sql: str  # runs far longer than `timeout`
    timeout: float
    timeout_bound: float  # the error must come within this many seconds
    notes_ddl: str  # CREATE TABLE IF NOT EXISTS notes (id, body)
    notes_empty: str
    tables_sql: str  # the names of the scratch database's tables, one per row
    writes: tuple[str, ...]  # each refused by the database session as read-only
    # Statements that try to turn the session's read-only mode off; each may fail or pass,
    # but afterwards `hijack` must still be refused.
    loosen: tuple[str, ...]
    hijack: str
    password_user: tuple[str, str] | None = None
    empty_types: list[str] | None = None
    chinook: str | None = None  # the Chinook fixture's name
    chinook_checks: tuple[tuple[str, list[tuple]], ...] = ()


def _pg(request):
    params = request.getfixturevalue("pg_params")
    conn = request.getfixturevalue("pg_admin")(request.getfixturevalue("pg_database"))

    def run(sql):
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else []

    return params, Admin(run, conn.close)


def _mysql(request):
    params = request.getfixturevalue("mysql_params")
    conn = request.getfixturevalue("mysql_admin")(request.getfixturevalue("mysql_database"))

    def run(sql):
        cur = conn.cursor()
        cur.execute(sql)
        return list(cur.fetchall()) if cur.description else []

    return params, Admin(run, conn.close)


def _clickhouse(request):
    from clickhouse_driver import Client

    params = request.getfixturevalue("clickhouse_params")
    server = request.getfixturevalue("clickhouse_server")
    client = Client(
        host=server.host,
        port=server.port,
        user=server.username or "default",
        password=server.password,
        database=request.getfixturevalue("clickhouse_database"),
    )
    return params, Admin(client.execute, client.disconnect)


def _sqlite(request):
    # A file of the contract's own: the session's sqlite_database keeps its one table.
    path = request.getfixturevalue("tmp_path") / "contract.sqlite3"
    sqlite3.connect(path).close()

    def run(sql):
        with sqlite3.connect(path) as conn:
            return conn.execute(sql).fetchall()

    def params(**overrides):
        return ConnectionParams(**{"kind": "sqlite", "database": str(path), **overrides})

    return params, Admin(run, lambda: None)


POSTGRESQL = EngineSpec(
    kind="postgresql",
    reach=_pg,
    version_prefixes=("PostgreSQL ",),
    typed_sql="SELECT 42 AS i, 12.50::numeric(10,2) AS price, DATE '2024-02-29' AS d,"
    " TIMESTAMP '2024-02-29 13:14:15' AS ts, NULL::text AS nothing, 'Ünïcødé 北京' AS u",
    typed_types=["int4", "numeric", "date", "timestamp", "text", "text"],
    typed_row=TYPED_ROW,
    empty_sql="SELECT 1 AS a, now() AS b WHERE false",
    empty_columns=["a", "b"],
    empty_types=["int4", "timestamptz"],
    numbers_sql="SELECT g FROM generate_series(1, {n}) g",
    first=1,
    quick_seconds=5,
    slow_sql="SELECT pg_sleep(5)",
    timeout=1,
    timeout_bound=4,
    notes_ddl="CREATE TABLE IF NOT EXISTS notes (id int, body text)",
    notes_empty="TRUNCATE notes",
    tables_sql="SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    writes=(
        "INSERT INTO notes VALUES (2, 'new')",
        "DELETE FROM notes",
        "UPDATE notes SET body = 'x'",
        "CREATE TABLE hijack (a int)",
        "WITH gone AS (DELETE FROM notes RETURNING *) SELECT * FROM gone",
    ),
    loosen=("SET default_transaction_read_only = off", "COMMIT"),
    hijack="CREATE TABLE hijack (a int)",
    password_user=PG_PASSWORD_USER,
    chinook="chinook_pg",
    chinook_checks=(
        ("SELECT count(*) FROM track", [(3503,)]),
        ("SELECT name FROM artist WHERE artist_id = 1", [("AC/DC",)]),
    ),
)

MYSQL = EngineSpec(
    kind="mysql",
    reach=_mysql,
    version_prefixes=("MariaDB ", "MySQL "),
    typed_sql="SELECT 42 AS i, CAST(12.5 AS DECIMAL(10,2)) AS price, DATE '2024-02-29' AS d,"
    " TIMESTAMP '2024-02-29 13:14:15' AS ts, NULL AS nothing, 'Ünïcødé 北京' AS u",
    typed_types=["LONG", "NEWDECIMAL", "DATE", "DATETIME"],
    typed_row=TYPED_ROW,
    empty_sql="SELECT 1 AS a, NOW() AS b FROM DUAL WHERE FALSE",
    empty_columns=["a", "b"],
    numbers_sql="SELECT seq FROM seq_1_to_{n}",
    first=1,
    quick_seconds=5,
    slow_sql="SELECT SLEEP(5)",
    timeout=1,
    timeout_bound=4,
    notes_ddl="CREATE TABLE IF NOT EXISTS notes (id int, body text)",
    notes_empty="DELETE FROM notes",
    tables_sql="SHOW TABLES",
    writes=(
        "INSERT INTO notes VALUES (2, 'new')",
        "DELETE FROM notes",
        "UPDATE notes SET body = 'x'",
        # DDL commits implicitly on MariaDB; only the session-level read-only default stops it.
        "CREATE TABLE hijack (a int)",
        "DROP TABLE notes",
    ),
    loosen=("SET SESSION TRANSACTION READ WRITE",),
    hijack="CREATE TABLE hijack (a int)",
    password_user=MYSQL_PASSWORD_USER,
    chinook="chinook_mysql",
    chinook_checks=(
        ("SELECT count(*) FROM Track", [(3503,)]),
        ("SELECT Name FROM Artist WHERE ArtistId = 1", [("AC/DC",)]),
    ),
)

CLICKHOUSE = EngineSpec(
    kind="clickhouse",
    reach=_clickhouse,
    version_prefixes=("ClickHouse ",),
    typed_sql="SELECT toInt32(42) AS i, toDecimal64(12.5, 2) AS price, toDate('2024-02-29') AS d,"
    " toDateTime('2024-02-29 13:14:15') AS ts, CAST(NULL AS Nullable(String)) AS nothing,"
    " 'Ünïcødé 北京' AS u",
    typed_types=["Int32", "Decimal(18, 2)", "Date", "DateTime", "Nullable(String)", "String"],
    typed_row=TYPED_ROW,
    empty_sql="SELECT 1 AS a WHERE 0",
    empty_columns=["a"],
    numbers_sql="SELECT number FROM system.numbers LIMIT {n}",
    first=0,
    quick_seconds=5,
    slow_sql="SELECT count() FROM system.numbers",
    timeout=1,
    timeout_bound=5,
    notes_ddl="CREATE TABLE IF NOT EXISTS notes (id Int32, body String) ENGINE = Memory",
    notes_empty="TRUNCATE TABLE notes",
    tables_sql="SHOW TABLES",
    writes=(
        "INSERT INTO notes VALUES (2, 'new')",
        "CREATE TABLE hijack (a Int8) ENGINE = Memory",
        "DROP TABLE notes",
        "SET readonly = 0",
    ),
    loosen=("SET readonly = 0",),
    hijack="CREATE TABLE hijack (a Int8) ENGINE = Memory",
    password_user=CLICKHOUSE_PASSWORD_USER,
)

COUNT_UP = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) "

SQLITE = EngineSpec(
    kind="sqlite",
    reach=_sqlite,
    version_prefixes=("SQLite 3.",),
    # SQLite has no date type: dates stay ISO text, and each column is typed by its value.
    typed_sql="SELECT 42 AS i, 12.5 AS price, '2024-02-29' AS d, '2024-02-29 13:14:15' AS ts,"
    " NULL AS \"nothing\", 'Ünïcødé 北京' AS u",
    typed_types=["INTEGER", "REAL", "TEXT", "TEXT", "NULL", "TEXT"],
    typed_row=(42, 12.5, "2024-02-29", "2024-02-29 13:14:15", None, UNICODE),
    empty_sql="SELECT 1 AS a, 2 AS b WHERE 0",
    empty_columns=["a", "b"],
    numbers_sql=COUNT_UP + "SELECT i FROM n",
    first=1,
    quick_seconds=2,
    slow_sql=COUNT_UP.format(n=1_000_000_000) + "SELECT count(*) FROM n",
    timeout=0.5,
    timeout_bound=3,
    notes_ddl="CREATE TABLE IF NOT EXISTS notes (id int, body text)",
    notes_empty="DELETE FROM notes",
    tables_sql="SELECT name FROM sqlite_master WHERE type = 'table'",
    writes=(
        "INSERT INTO notes VALUES (2, 'new')",
        "DELETE FROM notes",
        "UPDATE notes SET body = 'x'",
        "CREATE TABLE hijack (a)",
        "DROP TABLE notes",
        "PRAGMA query_only = OFF",
    ),
    loosen=("PRAGMA query_only = OFF",),
    hijack="CREATE TABLE hijack (a)",
    chinook="chinook_sqlite",
    chinook_checks=(
        ("SELECT count(*) FROM Track", [(3503,)]),
        ("SELECT Name FROM Artist WHERE ArtistId = 1", [("AC/DC",)]),
    ),
)


def _redshift(request):
    # No Redshift cluster here: the local PostgreSQL stands in, on the PostgreSQL wire that
    # Redshift speaks, with SSL off (the engine's default is sslmode=require).
    params, admin = _pg(request)

    def redshift(**overrides):
        pg = params(**overrides)
        options = {"sslmode": "disable", **dict(pg.options)}
        return replace(pg, kind="redshift", options=tuple(sorted(options.items())))

    return redshift, admin


REDSHIFT = replace(POSTGRESQL, kind="redshift", reach=_redshift, chinook=None)

ENGINES: tuple[EngineSpec, ...] = (POSTGRESQL, MYSQL, CLICKHOUSE, SQLITE, REDSHIFT)
