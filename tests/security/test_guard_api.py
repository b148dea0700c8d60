"""The attack corpus sent through `POST /api/v1/tools/execute` `run_sql` as a plain signed-in
user, to databases registered under PRIVILEGED accounts (PostgreSQL superuser, MariaDB root,
ClickHouse default, a writable SQLite file), each with its schema extracted as in real use.

Every attempt must come back as a 400 naming the guard's reason, and the servers must look
the same afterwards: the canary table's checksum, sequence, roles/users, advisory and named
locks, large objects, global settings, and no file written. The legitimate queries of the
corpus must run (200) on the same servers, so the allow-list does not refuse real work.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from datetime import datetime

import pytest

from connections.models import Connection
from schemas_app.services import extract_now

from .corpus import (
    ATTACKS,
    CANARY_FILE,
    CANARY_LOCK_KEY,
    CANARY_LOCK_NAME,
    CANARY_ROLE,
    CANARY_TABLE,
    LEGITIMATE,
)

T = CANARY_TABLE


def _privileged() -> dict:
    """The override that lets a privileged account be registered, where the model has it
    (creating the row directly skips the registration check, not the pool's)."""
    fields = {f.name for f in Connection._meta.get_fields()}
    return {"allow_privileged": True} if "allow_privileged" in fields else {}


def _register(make_connection, params, name):
    connection = make_connection(params, name=name, **_privileged())
    snapshot = extract_now(connection)
    assert snapshot.status == "succeeded", snapshot.error
    return connection


def _run_sql(api, connection, sql):
    return api.post(
        "/tools/execute",
        json={
            "name": "run_sql",
            "arguments": {"sql": sql},
            "target_database": str(connection.pk),
        },
    )


def _attack_all(api, connection, kind):
    for sql, words in ATTACKS[kind]:
        response = _run_sql(api, connection, sql)
        # Stop at the first attempt not refused: the ones after it may disturb the server.
        assert response.status_code == 400, (sql, response.status_code, response.text[:300])
        detail = response.json()["detail"]
        assert detail.startswith("Refused by the SQL guard: "), (sql, detail)
        assert words in detail, (sql, detail)


def _legitimate_all(api, connection, kind):
    failed = []
    for sql in LEGITIMATE[kind]:
        response = _run_sql(api, connection, sql)
        if response.status_code != 200:
            failed.append((sql, response.text[:300]))
    assert failed == []


@pytest.fixture
def no_canary_file():
    if os.path.exists(CANARY_FILE):
        os.remove(CANARY_FILE)
    yield
    assert not os.path.exists(CANARY_FILE), "an attack wrote the canary file"


# -- PostgreSQL, as the superuser ---------------------------------------------------------------


@pytest.fixture
def pg_canary(pg_admin, pg_database):
    with pg_admin(pg_database) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {T}")
        conn.execute(
            f"CREATE TABLE {T} (id serial PRIMARY KEY, name text, amount numeric(10, 2), "
            "created_at timestamp, tags jsonb)"
        )
        conn.execute(
            f"INSERT INTO {T} (name, amount, created_at, tags) VALUES "
            "('apple', 12.50, '2024-01-05', '{\"colour\": \"red\", \"size\": 1}'), "
            "('banana', 3.20, '2024-02-10', '{\"colour\": \"yellow\"}'), "
            "('cherry', 7.00, '2024-02-11', NULL)"
        )
    yield
    with pg_admin(pg_database) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {T}")


def _pg_state(pg_admin, database) -> dict:
    queries = {
        "checksum": f"SELECT md5(string_agg(c::text, '|' ORDER BY id)) FROM {T} AS c",
        "sequence": f"SELECT last_value, is_called FROM {T}_id_seq",
        "canary role": f"SELECT count(*) FROM pg_roles WHERE rolname = '{CANARY_ROLE}'",
        "advisory locks": "SELECT count(*) FROM pg_locks "
        f"WHERE locktype = 'advisory' AND objid = {CANARY_LOCK_KEY}",
        "large objects": "SELECT count(*) FROM pg_largeobject_metadata",
        "auto.conf settings": "SELECT count(*) FROM pg_file_settings "
        "WHERE sourcefile LIKE '%postgresql.auto.conf'",
        "read-only default": "SELECT setting FROM pg_settings "
        "WHERE name = 'default_transaction_read_only'",
    }
    with pg_admin(database) as conn:
        return {name: conn.execute(sql).fetchall() for name, sql in queries.items()}


def test_postgresql_superuser(
    alice_api, make_connection, pg_params, pg_admin, pg_database, pg_canary, no_canary_file
):
    connection = _register(make_connection, pg_params(), "pg-superuser")
    before = _pg_state(pg_admin, pg_database)
    assert before["canary role"] == [(0,)] and before["advisory locks"] == [(0,)]
    _attack_all(alice_api, connection, "postgresql")
    _legitimate_all(alice_api, connection, "postgresql")
    assert _pg_state(pg_admin, pg_database) == before


# -- MariaDB, as root -------------------------------------------------------------------------


@pytest.fixture
def mysql_canary(mysql_admin, mysql_database):
    conn = mysql_admin(mysql_database)
    cursor = conn.cursor()
    cursor.execute(f"DROP TABLE IF EXISTS {T}")
    cursor.execute(
        f"CREATE TABLE {T} (id INT PRIMARY KEY, name VARCHAR(50), amount DECIMAL(10, 2), "
        "created_at DATETIME)"
    )
    cursor.execute(
        f"INSERT INTO {T} VALUES (1, 'apple', 12.50, '2024-01-05'), "
        "(2, 'banana', 3.20, '2024-02-10'), (3, 'cherry', 7.00, '2024-02-11')"
    )
    conn.close()
    yield
    conn = mysql_admin(mysql_database)
    conn.cursor().execute(f"DROP TABLE IF EXISTS {T}")
    conn.close()


def _mysql_state(mysql_admin, database) -> dict:
    queries = {
        "checksum": f"CHECKSUM TABLE {T}",
        "tables": "SHOW TABLES",
        "canary user": f"SELECT COUNT(*) FROM mysql.user WHERE User = '{CANARY_ROLE}'",
        "named lock": f"SELECT IS_USED_LOCK('{CANARY_LOCK_NAME}')",
        "globals": "SELECT @@GLOBAL.max_connections, @@GLOBAL.general_log, @@GLOBAL.sql_mode, "
        "@@GLOBAL.read_only",
    }
    conn = mysql_admin(database)
    try:
        cursor = conn.cursor()
        state = {}
        for name, sql in queries.items():
            cursor.execute(sql)
            state[name] = cursor.fetchall()
        return state
    finally:
        conn.close()


def test_mariadb_root(
    alice_api,
    make_connection,
    mysql_params,
    mysql_admin,
    mysql_database,
    mysql_canary,
    no_canary_file,
):
    connection = _register(make_connection, mysql_params(), "mariadb-root")
    before = _mysql_state(mysql_admin, mysql_database)
    assert before["canary user"] == ((0,),) and before["named lock"] == ((None,),)
    _attack_all(alice_api, connection, "mysql")
    _legitimate_all(alice_api, connection, "mysql")
    assert _mysql_state(mysql_admin, mysql_database) == before


# -- ClickHouse, as default ---------------------------------------------------------------------


@pytest.fixture
def clickhouse_canary(clickhouse_admin, clickhouse_database):
    table = f"`{clickhouse_database}`.{T}"
    clickhouse_admin.execute(f"DROP TABLE IF EXISTS {table}")
    clickhouse_admin.execute(
        f"CREATE TABLE {table} (id UInt32, name String, amount Float64, created_at DateTime) "
        "ENGINE = MergeTree() ORDER BY id"
    )
    # The driver sends rows as data blocks: VALUES written into the query would wait forever.
    clickhouse_admin.execute(
        f"INSERT INTO {table} VALUES",
        [
            (1, "apple", 12.5, datetime(2024, 1, 5)),
            (2, "banana", 3.2, datetime(2024, 2, 10)),
            (3, "cherry", 7.0, datetime(2024, 2, 11)),
        ],
    )
    yield
    clickhouse_admin.execute(f"DROP TABLE IF EXISTS {table}")


def _clickhouse_state(client, database) -> dict:
    return {
        "canary": client.execute(
            f"SELECT count(), sum(id), groupArray(name) FROM `{database}`.{T}"
        ),
        "tables": client.execute(
            f"SELECT name FROM system.tables WHERE database = '{database}' ORDER BY name"
        ),
        "databases": client.execute("SELECT count() FROM system.databases"),
    }


def test_clickhouse_default(
    alice_api,
    make_connection,
    clickhouse_params,
    clickhouse_admin,
    clickhouse_database,
    clickhouse_canary,
    no_canary_file,
):
    connection = _register(make_connection, clickhouse_params(), "clickhouse-default")
    before = _clickhouse_state(clickhouse_admin, clickhouse_database)
    _attack_all(alice_api, connection, "clickhouse")
    _legitimate_all(alice_api, connection, "clickhouse")
    assert _clickhouse_state(clickhouse_admin, clickhouse_database) == before


# -- SQLite, a file the server process may write --------------------------------------------


def test_sqlite_writable_file(alice_api, make_connection, tmp_path, no_canary_file):
    from connections.dialects import ConnectionParams

    path = tmp_path / "canary.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(
            f"CREATE TABLE {T} (id INTEGER PRIMARY KEY, name TEXT, amount REAL, created_at TEXT)"
        )
        conn.executemany(
            f"INSERT INTO {T} VALUES (?, ?, ?, ?)",
            [
                (1, "apple", 12.5, "2024-01-05"),
                (2, "banana", 3.2, "2024-02-10"),
                (3, "cherry", 7.0, "2024-02-11"),
            ],
        )
    conn.close()
    connection = _register(
        make_connection, ConnectionParams(kind="sqlite", database=str(path)), "sqlite-file"
    )

    def state():
        return hashlib.sha256(path.read_bytes()).hexdigest(), sorted(os.listdir(tmp_path))

    before = state()
    _attack_all(alice_api, connection, "sqlite")
    _legitimate_all(alice_api, connection, "sqlite")
    assert state() == before
