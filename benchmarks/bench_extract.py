"""Schema extraction on a generated 1,000-table x 20-column schema, per engine, against
SQLAlchemy 2.x `MetaData.reflect()` on the same PostgreSQL and MariaDB databases.

    .venv/bin/python benchmarks/bench_extract.py [--engines postgresql,mysql,clickhouse,sqlite]
                                                 [--repeat 3] [--tables 1000] [--rebuild]

Each engine gets database `datachat_bench_schema` (SQLite: a file in the temp directory),
built once and reused while it holds the expected tables. Tables t0000..t0999 have 20 columns,
a primary key, a foreign key to the previous table (not on ClickHouse), a unique constraint,
two secondary indexes and 3 rows. Measured, median of --repeat runs on one engine object:

- introspect: `engine.introspect()` (no sample rows),
- + samples: `engine.introspect()` then `schemas_app.sampling.sample_tables()` (2 rows a table),
- SQLAlchemy: `MetaData().reflect(bind=create_engine(url))` (PostgreSQL and MariaDB).

Targets: introspect under 3 s on every engine; at least 5x faster than SQLAlchemy.
Servers come from TEST_PG_ADMIN_URL, TEST_MYSQL_ADMIN_URL, TEST_CLICKHOUSE_URL (loopback
defaults, as in tests/servers.py).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")

import django  # noqa: E402

django.setup()

from connections.connection_url import parse_connection_url  # noqa: E402
from connections.dialects import ConnectionParams, dialect_class  # noqa: E402
from schemas_app.sampling import sample_tables  # noqa: E402

DATABASE = "datachat_bench_schema"
SQLITE_PATH = Path(tempfile.gettempdir()) / f"{DATABASE}.sqlite3"
URLS = {
    "postgresql": os.environ.get(
        "TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    ),
    "mysql": os.environ.get("TEST_MYSQL_ADMIN_URL", "mysql://root@127.0.0.1:3306/"),
    "clickhouse": os.environ.get(
        "TEST_CLICKHOUSE_URL", "clickhouse://default@127.0.0.1:9000/default"
    ),
}
ENGINES = ("postgresql", "mysql", "clickhouse", "sqlite")
LABELS = {
    "postgresql": "PostgreSQL",
    "mysql": "MariaDB",
    "clickhouse": "ClickHouse",
    "sqlite": "SQLite",
}


def server(kind: str) -> dict:
    return parse_connection_url(URLS[kind])


def params(kind: str) -> ConnectionParams:
    if kind == "sqlite":
        return ConnectionParams(kind="sqlite", database=str(SQLITE_PATH))
    p = server(kind)
    return ConnectionParams(
        kind=kind,
        host=p["host"],
        port=p["port"],
        database=DATABASE,
        username=p["username"],
        password=p["password"],
        allow_privileged=True,  # the test servers' admin accounts, as in the tests
    )


# --- the generated schema ----------------------------------------------------------------------

# 20 columns: id, parent_id, code, then 17 of mixed types.
EXTRA_COLUMNS = [
    ("name", "varchar(100)"),
    ("amount", "numeric(12,2)"),
    ("quantity", "integer"),
    ("created", "date"),
    ("updated", "timestamp"),
    ("active", "boolean"),
    ("note", "text"),
    ("ratio", "double precision"),
    *[(f"c{i:02d}", "varchar(40)" if i % 2 else "integer") for i in range(9, 18)],
]
CLICKHOUSE_TYPES = {
    "varchar(100)": "String",
    "varchar(40)": "String",
    "text": "String",
    "numeric(12,2)": "Decimal(12, 2)",
    "integer": "Int32",
    "date": "Date",
    "timestamp": "DateTime",
    "boolean": "UInt8",
    "double precision": "Float64",
}


def sql_ddl(n: int, kind: str) -> list[str]:
    """PostgreSQL / MariaDB / SQLite: PK, FK to the previous table, unique, two indexes."""
    mysql = kind == "mysql"
    statements = []
    for i in range(n):
        t = f"t{i:04d}"
        cols = ["id integer NOT NULL PRIMARY KEY", "parent_id integer", "code varchar(20) NOT NULL"]
        cols += [
            f"{name} {'double' if mysql and type_ == 'double precision' else type_}"
            for name, type_ in EXTRA_COLUMNS
        ]
        cols.append("UNIQUE (code)")
        if i:
            cols.append(f"FOREIGN KEY (parent_id) REFERENCES t{i - 1:04d} (id)")
        statements.append(f"CREATE TABLE {t} ({', '.join(cols)})")
        statements.append(f"CREATE INDEX {t}_name_idx ON {t} (name, created)")
        statements.append(f"CREATE INDEX {t}_parent_idx ON {t} (parent_id)")
        statements.append(
            f"INSERT INTO {t} (id, parent_id, code, name, amount, created, note) VALUES"
            f" (1, NULL, 'a', 'first', 1.50, '2024-01-01', '{'x' * 200}'),"
            " (2, 1, 'b', 'second', 2.50, '2024-01-02', 'short'),"
            " (3, 2, 'c', 'third', NULL, NULL, NULL)"
        )
    return statements


def clickhouse_ddl(n: int) -> list[str]:
    statements = []
    for i in range(n):
        cols = ["id Int32", "parent_id Nullable(Int32)", "code String"]
        cols += [f"{name} {CLICKHOUSE_TYPES[type_]}" for name, type_ in EXTRA_COLUMNS]
        statements.append(
            f"CREATE TABLE {DATABASE}.t{i:04d} ({', '.join(cols)}) ENGINE = MergeTree()"
            " PARTITION BY toYYYYMM(created) ORDER BY (id, created)"
        )
    return statements


def ensure_schema(kind: str, n: int, rebuild: bool) -> float | None:
    """Build the schema unless it is already there; returns the build time or None."""
    started = time.perf_counter()
    if kind == "postgresql":
        import psycopg

        p = server(kind)
        connect = {"host": p["host"], "port": p["port"], "user": p["username"],
                   "password": p["password"] or None, "autocommit": True}  # fmt: skip
        with psycopg.connect(dbname=p["database"] or "postgres", **connect) as admin:
            exists = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
            ).fetchone()
        if exists and not rebuild:
            with psycopg.connect(dbname=DATABASE, **connect) as conn:
                have = conn.execute(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                ).fetchone()[0]
            if have == n:
                return None
        with psycopg.connect(dbname=p["database"] or "postgres", **connect) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
        with psycopg.connect(dbname=DATABASE, **connect) as conn:
            with conn.transaction():
                conn.execute(";\n".join(sql_ddl(n, kind)).encode())
            conn.execute("ANALYZE")
    elif kind == "mysql":
        import MySQLdb

        p = server(kind)
        conn = MySQLdb.connect(host=p["host"], port=p["port"], user=p["username"],
                               password=p["password"], autocommit=True)  # fmt: skip
        cur = conn.cursor()
        cur.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (DATABASE,)
        )
        if cur.fetchone()[0] == n and not rebuild:
            conn.close()
            return None
        cur.execute(f"DROP DATABASE IF EXISTS `{DATABASE}`")
        cur.execute(f"CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4")
        cur.execute(f"USE `{DATABASE}`")
        for statement in sql_ddl(n, kind):
            cur.execute(statement)
        cur.execute(f"ANALYZE TABLE {', '.join(f't{i:04d}' for i in range(n))}")
        cur.fetchall()
        conn.close()
    elif kind == "clickhouse":
        from clickhouse_driver import Client

        p = server(kind)
        client = Client(host=p["host"], port=p["port"], user=p["username"] or "default",
                        password=p["password"] or "")  # fmt: skip
        have = client.execute(f"SELECT count() FROM system.tables WHERE database = '{DATABASE}'")[
            0
        ][0]
        if have == n and not rebuild:
            client.disconnect()
            return None
        client.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        client.execute(f"CREATE DATABASE {DATABASE}")
        for statement in clickhouse_ddl(n):  # one statement per request
            client.execute(statement)
        for i in range(n):
            client.execute(
                f"INSERT INTO {DATABASE}.t{i:04d} (id, code, name, created, note) VALUES",
                [(k, "abc"[k - 1], f"row {k}", date(2024, 1, k), "x" * 200 if k == 1 else "s")
                 for k in (1, 2, 3)],
            )  # fmt: skip
        client.disconnect()
    else:
        if SQLITE_PATH.exists() and not rebuild:
            conn = sqlite3.connect(SQLITE_PATH)
            have = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()
            conn.close()
            if have[0] == n:
                return None
        SQLITE_PATH.unlink(missing_ok=True)
        conn = sqlite3.connect(SQLITE_PATH)
        conn.executescript(";\n".join(sql_ddl(n, kind)) + ";")
        conn.close()
    return time.perf_counter() - started


# --- measuring ---------------------------------------------------------------------------------


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def sqlalchemy_url(kind: str) -> str:
    p = server(kind)
    auth = quote(p["username"] or "", safe="")
    if p["password"]:
        auth += ":" + quote(p["password"], safe="")
    driver = "postgresql+psycopg" if kind == "postgresql" else "mysql+mysqldb"
    return f"{driver}://{auth}@{p['host']}:{p['port']}/{DATABASE}"


def reflect(kind: str) -> int:
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(sqlalchemy_url(kind))
    try:
        metadata = MetaData()
        metadata.reflect(bind=engine)
        return len(metadata.tables)
    finally:
        engine.dispose()


def bench(kind: str, n: int, repeat: int, rebuild: bool) -> dict:
    built = ensure_schema(kind, n, rebuild)
    if built is not None:
        print(f"  {LABELS[kind]}: built {n} tables in {built:.1f} s", flush=True)
    engine = dialect_class(kind)(params(kind))
    try:
        started = time.perf_counter()
        document = engine.introspect()  # cold: connects, fills caches
        cold = time.perf_counter() - started
        tables = len(document.tables)
        columns = sum(len(t.columns) for t in document.tables)
        fks = sum(len(t.foreign_keys) for t in document.tables)
        indexes = sum(len(t.indexes) for t in document.tables)
        warm, _ = median_time(engine.introspect, repeat)

        def with_samples():
            doc = engine.introspect()
            sample_tables(engine, doc, rows_per_table=2, budget_seconds=120)
            return doc

        sampled_time, sampled = median_time(with_samples, repeat)
        sampled_ok = sum(1 for t in sampled.tables if len(t.sample_rows) == 2)
    finally:
        engine.close()
    row = {
        "kind": kind, "tables": tables, "columns": columns, "fks": fks, "indexes": indexes,
        "cold": cold, "warm": warm, "samples": sampled_time, "sampled_ok": sampled_ok,
    }  # fmt: skip
    if kind in ("postgresql", "mysql"):
        row["sqlalchemy"], reflected = median_time(lambda: reflect(kind), repeat)
        row["reflected"] = reflected
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the schemas")
    args = parser.parse_args()

    rows = []
    for kind in args.engines.split(","):
        print(f"== {LABELS[kind]}", flush=True)
        rows.append(bench(kind, args.tables, args.repeat, args.rebuild))

    print()
    print(
        f"{args.tables} tables x 20 columns; seconds, median of {args.repeat} (cold = first call)"
    )
    print(
        "| engine     | tables | columns | FKs | indexes | introspect cold | introspect warm "
        "| + samples (2 rows) | SQLAlchemy reflect() | speed-up | target <3 s / ≥5x |"
    )
    print("|------------|-------:|--------:|----:|--------:|----------------:|----------------:"
          "|-------------------:|---------------------:|---------:|-------------------|")  # fmt: skip
    for r in rows:
        sa = r.get("sqlalchemy")
        speedup = sa / r["warm"] if sa else None
        reflected = f"{sa:.3f} ({r['reflected']})" if sa else "-"
        met = "met" if r["cold"] < 3 and r["warm"] < 3 else "NOT met"
        if speedup is not None:
            met += " / " + ("met" if speedup >= 5 else "NOT met")
        print(
            f"| {LABELS[r['kind']]:<10} | {r['tables']:>6} | {r['columns']:>7} | {r['fks']:>3} "
            f"| {r['indexes']:>7} | {r['cold']:>15.3f} | {r['warm']:>15.3f} "
            f"| {r['samples']:>12.3f} ({r['sampled_ok']}) "
            f"| {reflected:>20} "
            f"| {f'{speedup:.1f}x' if speedup else '-':>8} | {met} |"
        )


if __name__ == "__main__":
    main()
