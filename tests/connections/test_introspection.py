"""Set-based introspection against real servers: Chinook, pagila, a ClickHouse schema of our own,
and generated schemas of 10 and 500 tables to show round trips do not grow with table count.

Each session creates uniquely named databases (suffix = pid) and drops them at the end. Servers
come from TEST_PG_ADMIN_URL, TEST_MYSQL_ADMIN_URL and TEST_CLICKHOUSE_URL.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

import MySQLdb
import psycopg
import pytest
from clickhouse_driver import Client
from psycopg.conninfo import make_conninfo

from connections.dialects.introspection import clickhouse, mysql, postgresql
from connections.dialects.introspection import sqlite as sqlite_introspection
from connections.dialects.schema import SchemaDocument, Table

DATASETS = Path(__file__).resolve().parents[1] / "datasets"
SUFFIX = os.getpid()
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN_URL = os.environ.get("TEST_MYSQL_ADMIN_URL", "mysql://root@127.0.0.1:3306/")
CLICKHOUSE_URL = os.environ.get(
    "TEST_CLICKHOUSE_URL", "clickhouse://default@127.0.0.1:9000/default"
)


class Counting:
    """Wraps any of the four driver connections and counts the statements sent through it."""

    def __init__(self, conn):
        self._conn = conn
        self.queries = 0

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def cursor(self, *args, **kwargs):
        return _CountingCursor(self, self._conn.cursor(*args, **kwargs))

    def execute(self, *args, **kwargs):  # clickhouse_driver.Client has no cursors
        self.queries += 1
        return self._conn.execute(*args, **kwargs)


class _CountingCursor:
    def __init__(self, owner, cursor):
        self._owner = owner
        self._cursor = cursor

    def __getattr__(self, name):
        return getattr(self._cursor, name)

    def execute(self, *args, **kwargs):
        self._owner.queries += 1
        return self._cursor.execute(*args, **kwargs)


# --- servers -------------------------------------------------------------------------------


def pg_url(dbname: str) -> str:
    return make_conninfo(PG_ADMIN_URL, dbname=dbname)


def psql(dbname: str, *args: str, script: str | None = None) -> None:
    subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg_url(dbname), *args],
        input=script,
        text=True,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def pg_database():
    """Factory of scratch PostgreSQL databases, all dropped when the module ends."""
    created: list[str] = []

    def create(label: str) -> str:
        name = f"dc_intro_{label}_{SUFFIX}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return name

    yield create
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        for name in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def mysql_params() -> dict:
    url = urlsplit(MYSQL_ADMIN_URL)
    return {
        "host": url.hostname or "127.0.0.1",
        "port": url.port or 3306,
        "user": unquote(url.username or "root"),
        "password": unquote(url.password or ""),
    }


def mysql_cli(script: str) -> None:
    p = mysql_params()
    client = shutil.which("mariadb") or "mysql"
    args = [client, "--default-character-set=utf8mb4", f"-h{p['host']}", f"-P{p['port']}"]
    args += [f"-u{p['user']}"] + ([f"-p{p['password']}"] if p["password"] else [])
    subprocess.run(args, input=script, text=True, check=True, capture_output=True)


def mysql_connect():
    p = mysql_params()
    return MySQLdb.connect(
        host=p["host"], port=p["port"], user=p["user"], passwd=p["password"], charset="utf8mb4"
    )


@pytest.fixture(scope="module")
def mysql_database():
    created: list[str] = []

    def create(label: str) -> str:
        name = f"dc_intro_{label}_{SUFFIX}"
        mysql_cli(f"DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}`;")
        created.append(name)
        return name

    yield create
    if created:
        mysql_cli("".join(f"DROP DATABASE IF EXISTS `{name}`;" for name in created))


def clickhouse_client(database: str = "") -> Client:
    url = urlsplit(CLICKHOUSE_URL)
    return Client(
        host=url.hostname or "127.0.0.1",
        port=url.port or 9000,
        user=unquote(url.username or "default"),
        password=unquote(url.password or ""),
        database=database or url.path.lstrip("/") or "default",
    )


@pytest.fixture(scope="module")
def clickhouse_database():
    client = clickhouse_client()
    created: list[str] = []

    def create(label: str) -> str:
        name = f"dc_intro_{label}_{SUFFIX}"
        client.execute(f"DROP DATABASE IF EXISTS {name}")
        client.execute(f"CREATE DATABASE {name}")
        created.append(name)
        return name

    yield create
    for name in created:
        client.execute(f"DROP DATABASE IF EXISTS {name}")
    client.disconnect()


# --- Chinook -------------------------------------------------------------------------------

CHINOOK_TABLES = {
    "album", "artist", "customer", "employee", "genre", "invoice", "invoice_line",
    "media_type", "playlist", "playlist_track", "track",
}  # fmt: skip


def camel(snake: str) -> str:
    """Chinook's MySQL and SQLite scripts spell invoice_line_id as InvoiceLineId."""
    return "".join(part.capitalize() for part in snake.split("_"))


def check_chinook(doc: SchemaDocument, schema: str, name) -> dict[str, Table]:
    """Assertions that hold on every engine; `name` maps snake_case to the script's spelling."""
    tables = {t.name: t for t in doc.tables if t.schema == schema}
    assert set(tables) == {name(t) for t in CHINOOK_TABLES}
    t = {snake: tables[name(snake)] for snake in CHINOOK_TABLES}
    assert all(table.kind == "table" for table in t.values())

    counts = {"album": 3, "customer": 13, "employee": 15, "track": 9, "invoice_line": 5}
    assert {k: len(t[k].columns) for k in counts} == counts
    assert [c.position for c in t["track"].columns] == list(range(1, 10))
    assert t["track"].column(name("name")).nullable is False
    assert t["track"].column(name("composer")).nullable is True

    assert t["playlist_track"].primary_key == [name("playlist_id"), name("track_id")]
    assert all(c.primary_key for c in t["playlist_track"].columns)
    assert t["track"].primary_key == [name("track_id")]
    assert [c.name for c in t["track"].columns if c.primary_key] == [name("track_id")]

    def fks(table: str) -> set:
        return {
            (tuple(fk.columns), fk.referred_schema, fk.referred_table, tuple(fk.referred_columns))
            for fk in t[table].foreign_keys
        }

    assert fks("invoice_line") == {
        ((name("invoice_id"),), schema, name("invoice"), (name("invoice_id"),)),
        ((name("track_id"),), schema, name("track"), (name("track_id"),)),
    }
    assert fks("track") == {
        ((name("album_id"),), schema, name("album"), (name("album_id"),)),
        ((name("genre_id"),), schema, name("genre"), (name("genre_id"),)),
        ((name("media_type_id"),), schema, name("media_type"), (name("media_type_id"),)),
    }
    assert fks("employee") == {
        ((name("reports_to"),), schema, name("employee"), (name("employee_id"),))
    }
    assert {tuple(ix.columns) for ix in t["track"].indexes} >= {
        (name("album_id"),),
        (name("genre_id"),),
        (name("media_type_id"),),
    }
    assert not any(ix.unique for ix in t["track"].indexes)
    return t


def test_chinook_postgresql(pg_database):
    db = pg_database("chinook")
    script = (DATASETS / "chinook" / "Chinook_PostgreSql.sql").read_text(encoding="utf-8-sig")
    lines = script.splitlines(keepends=True)
    # The script's first 28 lines drop, create and \c into a database called chinook.
    assert lines[27].startswith("\\c chinook")
    psql(db, script="".join(lines[28:]))
    psql(db, "-c", "ANALYZE")

    with psycopg.connect(pg_url(db)) as conn:
        doc = postgresql.introspect(conn)
    assert doc.dialect == "postgresql" and doc.server_version
    t = check_chinook(doc, "public", lambda s: s)
    assert t["invoice"].column("total").type == "numeric(10,2)"
    assert t["track"].column("name").type == "character varying(200)"
    assert t["track"].column("composer").default is None
    assert {ix.name for ix in t["track"].indexes} == {
        "track_album_id_idx",
        "track_genre_id_idx",
        "track_media_type_id_idx",
    }
    # After ANALYZE reltuples is exact on tables this small.
    assert t["track"].row_count == 3503
    assert t["invoice_line"].row_count == 2240
    assert t["track"].size_bytes > 100_000


def test_chinook_mysql(mysql_database):
    db = mysql_database("chinook")
    script = (DATASETS / "chinook" / "Chinook_MySql.sql").read_text(encoding="utf-8-sig")
    # InnoDB refreshes its statistics in the background; ANALYZE makes the estimates settle.
    analyze = "ANALYZE TABLE " + ", ".join(f"`{camel(name)}`" for name in CHINOOK_TABLES)
    mysql_cli(script.replace("`Chinook`", f"`{db}`") + f"\n{analyze};")

    conn = mysql_connect()
    try:
        doc = mysql.introspect(conn, schemas=[db])
    finally:
        conn.close()
    assert doc.dialect == "mysql" and doc.server_version
    t = check_chinook(doc, db, camel)
    assert t["invoice"].column("Total").type == "decimal(10,2)"
    assert t["track"].column("Name").type == "varchar(200)"
    assert "IFK_TrackAlbumId" in {ix.name for ix in t["track"].indexes}
    # InnoDB's TABLE_ROWS is a sampled estimate: only roughly right.
    assert 3503 * 0.5 <= t["track"].row_count <= 3503 * 1.5
    assert t["track"].size_bytes > 0


def test_chinook_sqlite(tmp_path):
    conn = sqlite3.connect(tmp_path / "chinook.db")
    script = (DATASETS / "chinook" / "Chinook_Sqlite.sql").read_text(encoding="utf-8-sig")
    conn.executescript(script)

    doc = sqlite_introspection.introspect(conn)
    t = check_chinook(doc, "main", camel)
    assert t["invoice"].column("Total").type == "NUMERIC(10,2)"
    assert t["track"].row_count is None  # no statistics until ANALYZE

    conn.execute("ANALYZE")
    conn.execute("CREATE TABLE gone (a INTEGER)")
    conn.execute("CREATE VIEW broken AS SELECT a FROM gone")
    conn.execute("DROP TABLE gone")
    doc = sqlite_introspection.introspect(conn)
    t = {table.name: table for table in doc.tables}
    assert t["Track"].row_count == 3503
    assert t["PlaylistTrack"].row_count == 8715
    # A view whose table was dropped is listed without columns instead of failing everything.
    assert t["broken"].kind == "view" and t["broken"].columns == []
    assert len(t["Album"].columns) == 3
    conn.close()


# --- pagila --------------------------------------------------------------------------------


def test_pagila_postgresql(pg_database):
    db = pg_database("pagila")
    pagila = DATASETS / "pagila"
    psql(db, "-f", str(pagila / "pagila-schema.sql"), "-f", str(pagila / "pagila-data.sql"))
    # A second schema with the non-ASCII domain in use, comments and a composite FK.
    psql(
        db,
        script="""
        CREATE SCHEMA extra;
        CREATE TABLE extra.store_film (
            store_id integer NOT NULL, film_id integer NOT NULL, big public."bıgınt",
            PRIMARY KEY (store_id, film_id));
        CREATE TABLE extra.note (
            id serial PRIMARY KEY, store_id integer, film_id integer, body text,
            FOREIGN KEY (film_id, store_id) REFERENCES extra.store_film (film_id, store_id)
                ON DELETE CASCADE,
            UNIQUE (store_id, body));
        ALTER TABLE extra.store_film ADD UNIQUE (film_id, store_id);
        COMMENT ON TABLE extra.note IS 'Notes per film and store';
        COMMENT ON COLUMN extra.note.body IS 'Free text';
        ANALYZE;
        """,
    )

    with psycopg.connect(pg_url(db)) as conn:
        doc = postgresql.introspect(conn)
    t = {table.qualified_name: table for table in doc.tables}

    payment = t["public.payment"]
    assert payment.partitions == [f"payment_p2022_0{i}" for i in range(1, 8)]
    assert not any(name.startswith("public.payment_p") for name in t)
    assert payment.primary_key == ["payment_date", "payment_id"]
    assert len(payment.columns) == 6
    # The dump puts FKs on each partition; they surface once on the parent.
    assert sorted(fk.referred_table for fk in payment.foreign_keys) == [
        "customer",
        "rental",
        "staff",
    ]
    assert 16049 * 0.9 <= payment.row_count <= 16049 * 1.1
    assert payment.size_bytes > 0

    assert t["public.rental_by_category"].kind == "materialized_view"
    assert t["public.rental_by_category"].row_count is None  # WITH NO DATA, never refreshed
    assert [c.name for c in t["public.rental_by_category"].columns] == ["category", "total_sales"]
    views = {"actor_info", "customer_list", "film_list", "nicer_but_slower_film_list"}
    views |= {"sales_by_film_category", "sales_by_store", "staff_list"}
    assert {table.name for table in doc.tables if table.kind == "view"} == views
    assert t["public.film_list"].row_count is None

    film = t["public.film"]
    assert film.column("rating").type == "mpaa_rating"
    assert film.column("rating").default == "'G'::mpaa_rating"
    assert film.column("special_features").type == "text[]"
    assert film.column("release_year").type == "year"
    assert film.column("film_id").default.startswith("nextval(")
    assert film.column("title").nullable is False
    assert 1000 * 0.9 <= film.row_count <= 1000 * 1.1
    rental = t["public.rental"]
    assert {"idx_unq_rental_rental_date_inventory_id_customer_id"} <= {
        ix.name for ix in rental.indexes if ix.unique
    }

    assert t["extra.store_film"].column("big").type == '"bıgınt"'
    note = t["extra.note"]
    assert note.comment == "Notes per film and store"
    assert note.column("body").comment == "Free text"
    assert [(fk.columns, fk.referred_table, fk.referred_columns) for fk in note.foreign_keys] == [
        (["film_id", "store_id"], "store_film", ["film_id", "store_id"])
    ]
    assert note.unique_constraints == [["store_id", "body"]]


# --- ClickHouse ----------------------------------------------------------------------------


def test_clickhouse_keys_and_counts(clickhouse_database):
    db = clickhouse_database("ch")
    client = clickhouse_client(db)
    for statement in [
        f"""CREATE TABLE {db}.events (
            id UInt64, d Date, kind String DEFAULT 'click' COMMENT 'what happened',
            amount Nullable(Float64), month UInt32 MATERIALIZED toYYYYMM(d))
        ENGINE = MergeTree() PARTITION BY toYYYYMM(d) ORDER BY (id, d)""",
        f"CREATE TABLE {db}.empty_tree (id UInt32) ENGINE = MergeTree() ORDER BY id",
        f"CREATE TABLE {db}.scratch (x UInt8) ENGINE = Memory",
        f"CREATE VIEW {db}.clicks AS SELECT id, d FROM {db}.events WHERE kind = 'click'",
        f"""CREATE MATERIALIZED VIEW {db}.kinds ENGINE = SummingMergeTree() ORDER BY kind
        AS SELECT kind, count() AS n FROM {db}.events GROUP BY kind""",
    ]:
        client.execute(statement)
    # clickhouse_driver sends rows as a native block; inline VALUES would make it wait for data.
    client.execute(
        f"INSERT INTO {db}.events (id, d, kind, amount) VALUES",
        [
            (1, date(2024, 1, 5), "click", 1.5),
            (2, date(2024, 2, 1), "view", None),
            (3, date(2024, 2, 3), "click", 2.0),
        ],
    )

    doc = clickhouse.introspect(client, schemas=[db])
    client.disconnect()
    assert doc.dialect == "clickhouse" and doc.server_version
    t = {table.name: table for table in doc.tables}
    assert set(t) == {"events", "empty_tree", "scratch", "clicks", "kinds"}  # no .inner.kinds

    events = t["events"]
    assert (events.kind, events.engine) == ("table", "MergeTree")
    assert events.partition_key == "toYYYYMM(d)"
    assert events.sorting_key == "id, d"
    assert events.primary_key_expr == "id, d"
    assert events.row_count == 3 and events.size_bytes > 0
    assert [c.name for c in events.columns] == ["id", "d", "kind", "amount", "month"]
    assert [c.position for c in events.columns] == [1, 2, 3, 4, 5]
    assert [c.name for c in events.columns if c.primary_key] == ["id", "d"]
    kind = events.column("kind")
    assert (kind.type, kind.default, kind.comment) == ("String", "'click'", "what happened")
    assert events.column("amount").nullable and not events.column("id").nullable
    assert events.column("amount").type == "Nullable(Float64)"
    assert events.column("month").default == "MATERIALIZED toYYYYMM(d)"

    assert t["clicks"].kind == "view" and t["clicks"].row_count is None
    assert t["kinds"].kind == "materialized_view" and t["kinds"].row_count == 2
    assert t["empty_tree"].row_count == 0
    assert t["scratch"].engine == "Memory"


# --- round trips ---------------------------------------------------------------------------


def generated_ddl(n: int, prefix: str = "") -> list[str]:
    """n tables chained by a composite FK, with a unique constraint and a 2-column index."""
    statements = []
    for i in range(n):
        fk = (
            f", FOREIGN KEY (parent_code, parent_id) REFERENCES {prefix}t{i - 1:04d} (code, id)"
            if i
            else ""
        )
        statements.append(
            f"CREATE TABLE {prefix}t{i:04d} (id integer NOT NULL PRIMARY KEY,"
            " code varchar(20) NOT NULL, parent_id integer, parent_code varchar(20),"
            " name varchar(100), amount numeric(10,2) DEFAULT 0, created date,"
            f" UNIQUE (code, id){fk})"
        )
        statements.append(f"CREATE INDEX t{i:04d}_name_idx ON {prefix}t{i:04d} (name, created)")
    return statements


def build_postgresql(pg_database, n: int):
    db = pg_database(f"gen{n}")
    psql(db, script=";\n".join(generated_ddl(n)) + ";\nANALYZE;")
    conn = psycopg.connect(pg_url(db))
    return conn, lambda c: postgresql.introspect(c), "public"


def build_mysql(mysql_database, n: int):
    db = mysql_database(f"gen{n}")
    mysql_cli(f"USE `{db}`;\n" + ";\n".join(generated_ddl(n)) + ";")
    return mysql_connect(), lambda c: mysql.introspect(c, schemas=[db]), db


def build_sqlite(tmp_path, n: int):
    conn = sqlite3.connect(tmp_path / f"gen{n}.db")
    conn.executescript(";\n".join(generated_ddl(n)) + ";")
    return conn, lambda c: sqlite_introspection.introspect(c), "main"


def build_clickhouse(clickhouse_database, n: int):
    db = clickhouse_database(f"gen{n}")
    client = clickhouse_client(db)
    # ClickHouse takes one statement per request, so setup costs n round trips.
    for i in range(n):
        client.execute(
            f"CREATE TABLE {db}.t{i:04d} (id UInt32, d Date, name String DEFAULT '',"
            " amount Float64) ENGINE = MergeTree() PARTITION BY toYYYYMM(d) ORDER BY (id, d)"
        )
    client.execute(f"INSERT INTO {db}.t0001 VALUES", [(1, date(2024, 1, 1), "a", 1.0)])
    return client, lambda c: clickhouse.introspect(c, schemas=[db]), db


@pytest.mark.parametrize("engine", ["postgresql", "mysql", "sqlite", "clickhouse"])
def test_round_trips_do_not_grow_with_tables(
    engine, tmp_path, capsys, pg_database, mysql_database, clickhouse_database
):
    builder, factory = {
        "postgresql": (build_postgresql, pg_database),
        "mysql": (build_mysql, mysql_database),
        "sqlite": (build_sqlite, tmp_path),
        "clickhouse": (build_clickhouse, clickhouse_database),
    }[engine]
    queries = {}
    for n in (10, 500):
        conn, introspect, schema = builder(factory, n)
        counted = Counting(conn)
        started = time.perf_counter()
        doc = introspect(counted)
        elapsed = time.perf_counter() - started
        queries[n] = counted.queries
        (conn.disconnect if engine == "clickhouse" else conn.close)()
        with capsys.disabled():
            print(
                f"\n{engine}: {n} tables introspected in {elapsed:.3f} s, {counted.queries} queries"
            )

        tables = [t for t in doc.tables if t.schema == schema]
        assert len(tables) == n
        last = next(t for t in tables if t.name == f"t{n - 1:04d}")
        if engine == "clickhouse":
            assert last.sorting_key == "id, d" and len(last.columns) == 4
            continue
        assert last.primary_key == ["id"] and len(last.columns) == 7
        assert [
            (fk.columns, fk.referred_table, fk.referred_columns) for fk in last.foreign_keys
        ] == [(["parent_code", "parent_id"], f"t{n - 2:04d}", ["code", "id"])]
        assert ["code", "id"] in last.unique_constraints
        assert ["name", "created"] in [ix.columns for ix in last.indexes]

    assert queries[10] == queries[500] > 0
