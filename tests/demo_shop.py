"""The demo shop (the demo package) written into real engines, once per test session.

A pytest plugin (tests/conftest.py): `seeded` gives {kind: params} for the default-scale shop in
SQLite, PostgreSQL, MariaDB and ClickHouse (unique database names, dropped at the end);
`demo_shop_sqlite` is just the SQLite file. The readers use the drivers directly on purpose:
tests that use them check the data, not our engines.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from datetime import date
from decimal import Decimal

import pytest

from connections.connection_url import parse_connection_url
from demo import seed, sqlite_target

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN_URL = os.environ.get("TEST_MYSQL_ADMIN_URL", "mysql://root@127.0.0.1:3306/")
CLICKHOUSE_URL = os.environ.get(
    "TEST_CLICKHOUSE_URL", "clickhouse://default@127.0.0.1:9000/default"
)

DB_NAME = f"datachat_demo_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"


def _with_database(admin_url: str, name: str) -> dict:
    params = parse_connection_url(admin_url)
    params["database"] = name
    return params


# --- Plain readers, one per engine ----------------------------------------------------------
def _pg_connect(params):
    import psycopg

    return psycopg.connect(
        host=params["host"],
        port=params["port"] or 5432,
        user=params["username"] or None,
        password=params["password"] or None,
        dbname=params["database"],
        autocommit=True,
    )


def _mysql_connect(params):
    import MySQLdb

    return MySQLdb.connect(
        host=params["host"],
        port=params["port"] or 3306,
        user=params["username"] or "root",
        passwd=params["password"],
        db=params["database"] or "",
        charset="utf8mb4",
    )


def _clickhouse_client(params):
    from clickhouse_driver import Client

    return Client(
        host=params["host"],
        port=params["port"] or 9000,
        user=params["username"] or "default",
        password=params["password"],
        database=params["database"] or "default",
    )


def reader(params: dict):
    """A function sql -> list of row tuples for the database in `params`."""
    kind = params["kind"]

    def run(sql: str) -> list[tuple]:
        if kind == "clickhouse":
            return _clickhouse_client(params).execute(sql)
        if kind == "sqlite":
            conn = sqlite3.connect(params["database"])
        else:
            conn = (_pg_connect if kind == "postgresql" else _mysql_connect)(params)
        try:
            cur = conn.cursor()
            cur.execute(sql)
            return [tuple(row) for row in cur.fetchall()]
        finally:
            conn.close()

    return run


def normalize(value):
    """One comparable form per value: SQLite has no decimal or date types."""
    if isinstance(value, float | Decimal):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def wait_for_clickhouse(params: dict, seconds: float = 60) -> None:
    # Another set-up step may still be starting the server; give it a minute.
    deadline = time.monotonic() + seconds
    while True:
        try:
            _clickhouse_client(params).execute("SELECT 1")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


# --- Session fixture: the shop in all four engines ------------------------------------------
@pytest.fixture(scope="session")
def seeded(tmp_path_factory):
    """{kind: params} with the default-scale demo written into each engine."""
    targets = {
        "sqlite": sqlite_target(tmp_path_factory.mktemp("demo") / "demo.sqlite3"),
        "postgresql": _with_database(PG_ADMIN_URL, DB_NAME),
        "mysql": _with_database(MYSQL_ADMIN_URL, DB_NAME),
        "clickhouse": _with_database(CLICKHOUSE_URL, DB_NAME),
    }
    wait_for_clickhouse(parse_connection_url(CLICKHOUSE_URL))
    try:
        for params in targets.values():
            seed(params)
        yield targets
    finally:
        _drop_databases()


def _drop_databases() -> None:
    pg = parse_connection_url(PG_ADMIN_URL)
    with _pg_connect(pg) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    conn = _mysql_connect(parse_connection_url(MYSQL_ADMIN_URL))
    conn.cursor().execute(f"DROP DATABASE IF EXISTS `{DB_NAME}`")
    conn.close()
    _clickhouse_client(parse_connection_url(CLICKHOUSE_URL)).execute(
        f"DROP DATABASE IF EXISTS `{DB_NAME}`"
    )


# The same questions a user would ask; each must get the same answer on every engine.


@pytest.fixture(scope="session")
def demo_shop_sqlite(tmp_path_factory) -> str:
    """The path of a SQLite file holding the default-scale demo shop."""
    path = str(tmp_path_factory.mktemp("demo_shop") / "demo.sqlite3")
    seed(sqlite_target(path))
    return path
