"""A federated join of two 1-million-row tables: pushed-down filters against fetching both whole.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/datachat_fed \\
        .venv/bin/python benchmarks/bench_federation.py [--rows 1000000] [--repeat 1]

`fed_bench_customers` (PostgreSQL) and `fed_bench_orders` (MariaDB), each in a database
`datachat_bench_fed`, are loaded by the servers themselves (generate_series; MariaDB's
sequence engine) and kept while they have the right row count. Both are registered in the
system database as "bench_shop" and "bench_crm" (their schemas extracted once). Each mode runs
in a fresh subprocess, so its peak RSS (ru_maxrss: Python, the drivers and DuckDB, which
allocates outside Python) is its own:

- pushdown: run_federated as shipped, each side fetching only its columns and filtered rows;
- whole: the same query with pushdown off, each side fetching every column of every row.

Servers: TEST_PG_ADMIN_URL and TEST_MYSQL_ADMIN_URL (loopback defaults).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")
# The baseline fetches a million rows per side: caps above that, and time to do it.
os.environ.setdefault("FEDERATION_MAX_ROWS_PER_SIDE", "1100000")
os.environ.setdefault("FEDERATION_MAX_BYTES_PER_SIDE", str(8 * 2**30))
os.environ.setdefault("FEDERATION_MEMORY_LIMIT", "2GB")
os.environ.setdefault("QUERY_TIMEOUT_SECONDS", "300")

import django  # noqa: E402

django.setup()

from connections.connection_url import parse_connection_url  # noqa: E402
from connections.dialects import ConnectionParams  # noqa: E402

DATABASE = "datachat_bench_fed"
URLS = {
    "postgresql": os.environ.get(
        "TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    ),
    "mysql": os.environ.get("TEST_MYSQL_ADMIN_URL", "mysql://root@127.0.0.1:3306/"),
}
# German customers (1 in 10) with paid orders (1 in 4) from the second half of 2024 (1 in 2).
SQL = """
SELECT c.country, count(*) AS orders, sum(o.amount) AS revenue, count(DISTINCT c.id) AS buyers
FROM bench_shop.fed_bench_customers c
JOIN bench_crm.fed_bench_orders o ON o.customer_id = c.id
WHERE c.country = 'DE' AND o.status = 'paid' AND o.created >= DATE '2024-07-01'
GROUP BY c.country
"""
PG_LOAD = """
CREATE TABLE fed_bench_customers (
    id int PRIMARY KEY, email text NOT NULL, name text NOT NULL, country char(2) NOT NULL,
    signup date NOT NULL, score int NOT NULL);
INSERT INTO fed_bench_customers
SELECT i, 'user' || i || '@example.com', 'Customer number ' || i,
       (ARRAY['DE','FR','US','GB','IT','ES','NL','PL','SE','JP'])[1 + i % 10],
       DATE '2020-01-01' + (i % 1500), (i::bigint * 7919) % 1000
FROM generate_series(1, {rows}) AS i;
ANALYZE fed_bench_customers;
"""
MYSQL_LOAD = """
CREATE TABLE fed_bench_orders (
    id int PRIMARY KEY, customer_id int NOT NULL, amount decimal(10,2) NOT NULL,
    status varchar(16) NOT NULL, created date NOT NULL, note varchar(100) NOT NULL);
INSERT INTO fed_bench_orders
SELECT seq, 1 + CRC32(CONCAT('c', seq)) % {rows}, (seq % 10000) / 100,
       ELT(1 + seq % 4, 'paid', 'refunded', 'pending', 'cancelled'),
       DATE '2024-01-01' + INTERVAL (seq % 366) DAY, CONCAT('order note ', seq)
FROM seq_1_to_{rows};
"""


def params(kind: str, database: str | None) -> ConnectionParams:
    fields = parse_connection_url(URLS[kind])
    fields.update(database=database or "", allow_privileged=True)
    fields["options"] = tuple(sorted((fields.get("options") or {}).items()))
    return ConnectionParams(**fields)


def ensure_tables(rows: int) -> None:
    """Load both tables unless they already hold `rows` rows (kept across runs)."""
    import MySQLdb  # noqa: F401  (the benchmark sets up its servers with the drivers)
    import psycopg

    pg = parse_connection_url(URLS["postgresql"])
    admin = {"host": pg["host"], "port": pg["port"], "user": pg["username"], "autocommit": True}
    with psycopg.connect(dbname="postgres", **admin) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    with psycopg.connect(dbname=DATABASE, **admin) as conn:
        if _count(conn.cursor(), "fed_bench_customers") != rows:
            started = time.monotonic()
            conn.execute("DROP TABLE IF EXISTS fed_bench_customers")
            for statement in PG_LOAD.format(rows=rows).split(";"):
                if statement.strip():
                    conn.execute(statement)
            print(f"loaded PostgreSQL fed_bench_customers in {time.monotonic() - started:.1f}s")
    my = parse_connection_url(URLS["mysql"])
    conn = MySQLdb.connect(
        host=my["host"], port=my["port"] or 3306, user=my["username"], password=my["password"]
    )
    cur = conn.cursor()
    cur.execute(f"CREATE DATABASE IF NOT EXISTS `{DATABASE}`")
    cur.execute(f"USE `{DATABASE}`")
    if _count(cur, "fed_bench_orders") != rows or _count(cur, "fed_bench_orders_v2") != 0:
        started = time.monotonic()
        cur.execute("DROP TABLE IF EXISTS fed_bench_orders")
        # An empty marker table: orders made by this recipe (customer ids from CRC32, so
        # they are independent of the status; v1 made them correlate and the join empty).
        cur.execute("CREATE TABLE IF NOT EXISTS fed_bench_orders_v2 (id int)")
        for statement in MYSQL_LOAD.format(rows=rows).split(";"):
            if statement.strip():
                cur.execute(statement)
        conn.commit()
        print(f"loaded MariaDB fed_bench_orders in {time.monotonic() - started:.1f}s")
    conn.close()


def _count(cursor, table: str) -> int | None:
    try:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]
    except Exception:  # noqa: BLE001  (no table yet)
        if hasattr(cursor.connection, "rollback"):
            cursor.connection.rollback()
        return None


def registered():
    """The two bench connections in the system database, schemas extracted once."""
    from connections.models import Connection
    from schemas_app import services as schemas

    found = []
    for name, kind in (("bench_shop", "postgresql"), ("bench_crm", "mysql")):
        p = params(kind, DATABASE)
        connection, _ = Connection.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "host": p.host,
                "port": p.port,
                "database": DATABASE,
                "username": p.username,
                "password": p.password,
                "allow_privileged": True,
            },
        )
        if schemas.latest_snapshot(connection) is None:
            schemas.extract_now(connection)
        found.append(connection)
    return found


def measure(mode: str) -> dict:
    from federation.services import run_federated

    connections = registered()
    started = time.monotonic()
    result = run_federated(connections, SQL, pushdown=mode == "pushdown")
    return {
        "mode": mode,
        "seconds": round(time.monotonic() - started, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rows_fetched": {s.label: len(s.rows) for s in result.sides},
        "side_seconds": {s.label: round(s.duration_ms / 1000, 2) for s in result.sides},
        "pushed": {s.label: s.sql for s in result.sides},
        "result": [[str(v) for v in row] for row in result.rows],
        "incomplete": result.incomplete,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--mode", choices=["pushdown", "whole"])
    args = parser.parse_args()
    if args.mode:  # the child: one measurement, printed as JSON
        print(json.dumps(measure(args.mode)))
        return
    ensure_tables(args.rows)
    registered()
    for mode in ("pushdown", "whole"):
        runs = []
        for _ in range(args.repeat):
            child = subprocess.run(
                [sys.executable, __file__, "--mode", mode],
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
        last = runs[-1]
        print(
            f"{mode:9} wall {statistics.median(r['seconds'] for r in runs):6.2f}s  "
            f"peak RSS {statistics.median(r['peak_rss_mb'] for r in runs):7.1f} MB  "
            f"rows fetched {last['rows_fetched']}  result {last['result']}"
        )
        for label, sql in last["pushed"].items():
            print(f"    {label} ({last['side_seconds'][label]}s): {sql}")


if __name__ == "__main__":
    main()
