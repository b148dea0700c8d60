"""Our execute() against the raw driver on a 5-million-row table, per engine.

    .venv/bin/python benchmarks/bench_execute.py [--engines postgresql,mysql,clickhouse]
                                                 [--repeat 5] [--rows 5000000]

Each engine gets a table `bench_rows` in database `datachat_bench` (created once, reused
while it has the right row count). Then `SELECT * FROM bench_rows` is read up to 10,000 rows
by (a) the raw driver's own streaming loop (server-side cursor / SSCursor / execute_iter) and
(b) `dialect_class(kind)(params).execute(..., max_rows=10000)`. Every measurement runs in a
fresh subprocess, so one run's memory never shows up in another's peak; the median of
--repeat runs is printed. Servers come from the test environment variables:
TEST_PG_ADMIN_URL, TEST_MYSQL_ADMIN_URL, TEST_CLICKHOUSE_URL (loopback defaults).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")

import django  # noqa: E402

django.setup()

from connections.connection_url import parse_connection_url  # noqa: E402
from connections.dialects import ConnectionParams, dialect_class  # noqa: E402

DATABASE = "datachat_bench"
SQL = "SELECT * FROM bench_rows"
MAX_ROWS = 10_000
BATCH = 2_000  # the fetchmany size of the raw loops, as our engines use
WARM_CALLS = 3
URLS = {
    "postgresql": os.environ.get(
        "TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    ),
    "mysql": os.environ.get("TEST_MYSQL_ADMIN_URL", "mysql://root@127.0.0.1:3306/"),
    "clickhouse": os.environ.get(
        "TEST_CLICKHOUSE_URL", "clickhouse://default@127.0.0.1:9000/default"
    ),
}


def server(kind: str, database: str | None = DATABASE) -> dict:
    params = parse_connection_url(URLS[kind])
    if database is not None:
        params["database"] = database
    return params


# --- Raw driver connections -----------------------------------------------------------------
def pg_connect(p: dict, **extra):
    import psycopg

    return psycopg.connect(
        host=p["host"],
        port=p["port"] or 5432,
        user=p["username"] or None,
        password=p["password"] or None,
        dbname=p["database"],
        **extra,
    )


def mysql_connect(p: dict, **extra):
    import MySQLdb

    return MySQLdb.connect(
        host=p["host"],
        port=p["port"] or 3306,
        user=p["username"] or "root",
        passwd=p["password"],
        charset="utf8mb4",
        **extra,
    )


def clickhouse_client(p: dict):
    from clickhouse_driver import Client

    return Client(
        host=p["host"],
        port=p["port"] or 9000,
        user=p["username"] or "default",
        password=p["password"],
        database=p["database"] or "default",
    )


# --- The table, built by each server from a number sequence (fast, no client round trips) ---
def ensure_table(kind: str, rows: int) -> None:
    started = time.perf_counter()
    if kind == "postgresql":
        built = ensure_pg(rows)
    elif kind == "mysql":
        built = ensure_mysql(rows)
    else:
        built = ensure_clickhouse(rows)
    what = "built" if built else "reused"
    print(
        f"{kind}: bench_rows {what} ({rows:,} rows, {time.perf_counter() - started:.1f} s)",
        flush=True,
    )


def ensure_pg(rows: int) -> bool:
    with pg_connect(server("postgresql", "postgres"), autocommit=True) as admin:
        if not admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
        ).fetchone():
            admin.execute(f"CREATE DATABASE {DATABASE}")
    with pg_connect(server("postgresql")) as conn:
        if conn.execute("SELECT to_regclass('bench_rows')").fetchone()[0]:
            if conn.execute("SELECT COUNT(*) FROM bench_rows").fetchone()[0] == rows:
                return False
        conn.execute("DROP TABLE IF EXISTS bench_rows")
        conn.execute("""CREATE TABLE bench_rows (id BIGINT PRIMARY KEY, n INTEGER,
                        amount NUMERIC(10,2), day DATE, label VARCHAR(40))""")
        conn.execute(f"""INSERT INTO bench_rows
            SELECT g, g * 7919 % 100000, g * 31 % 1000000 / 100.0, DATE '2020-01-01' + (g % 2000)::int,
                   'row ' || g
            FROM generate_series(1::bigint, {rows}) g""")
        conn.commit()
    return True


def ensure_mysql(rows: int) -> bool:
    conn = mysql_connect(server("mysql", None))
    cur = conn.cursor()
    cur.execute(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
    cur.execute(f"USE {DATABASE}")
    cur.execute(
        "SELECT COUNT(*) FROM information_schema.tables "
        "WHERE table_schema = %s AND table_name = 'bench_rows'",
        (DATABASE,),
    )
    if cur.fetchone()[0]:
        cur.execute("SELECT COUNT(*) FROM bench_rows")
        if cur.fetchone()[0] == rows:
            conn.close()
            return False
    cur.execute("DROP TABLE IF EXISTS bench_rows")
    cur.execute("""CREATE TABLE bench_rows (id BIGINT PRIMARY KEY, n INT, amount DECIMAL(10,2),
                   day DATE, label VARCHAR(40)) ENGINE=InnoDB""")
    # 10^7 numbers from seven crossed digit sets: works on MySQL and MariaDB alike.
    digits = (
        "(SELECT 0 d UNION ALL " + " UNION ALL ".join(f"SELECT {i}" for i in range(1, 10)) + ")"
    )
    number = " + ".join(f"d{i}.d * {10**i}" for i in range(7)) + " + 1"
    sources = ", ".join(f"{digits} d{i}" for i in range(7))
    cur.execute(f"""INSERT INTO bench_rows
        SELECT g, g * 7919 % 100000, g * 31 % 1000000 / 100, DATE '2020-01-01' + INTERVAL g % 2000 DAY,
               CONCAT('row ', g)
        FROM (SELECT {number} AS g FROM {sources}) numbers WHERE g <= {rows}""")
    conn.commit()
    conn.close()
    return True


def ensure_clickhouse(rows: int) -> bool:
    clickhouse_client(server("clickhouse", "default")).execute(
        f"CREATE DATABASE IF NOT EXISTS {DATABASE}"
    )
    client = clickhouse_client(server("clickhouse"))
    exists = client.execute(f"EXISTS TABLE {DATABASE}.bench_rows")[0][0]
    if exists and client.execute("SELECT COUNT(*) FROM bench_rows")[0][0] == rows:
        return False
    client.execute("DROP TABLE IF EXISTS bench_rows")
    client.execute("""CREATE TABLE bench_rows (id UInt64, n Int32, amount Decimal(10,2), day Date,
                      label String) ENGINE = MergeTree ORDER BY id""")
    client.execute(f"""INSERT INTO bench_rows
        SELECT number + 1, toInt32((number + 1) * 7919 % 100000),
               toDecimal64((number + 1) * 31 % 1000000, 2) / 100,
               toDate('2020-01-01') + (number + 1) % 2000, concat('row ', toString(number + 1))
        FROM numbers({rows})""")
    return True


# --- One measurement (runs in a child process) ----------------------------------------------
def raw_reader(kind: str, p: dict):
    """The driver's own streaming loop, stopping at MAX_ROWS, at its best: PostgreSQL keeps
    its connection between calls; MySQL and ClickHouse must drop theirs, as dropping is the
    only way to stop an unbuffered result without reading the rest of it."""
    pg_conn = None

    def read() -> int:
        nonlocal pg_conn
        rows: list[tuple] = []
        if kind == "postgresql":
            pg_conn = pg_conn or pg_connect(p)
            with pg_conn.cursor(name="bench") as cur:  # server-side cursor: FETCH per batch
                cur.execute(SQL)
                while len(rows) < MAX_ROWS and (batch := cur.fetchmany(BATCH)):
                    rows.extend(batch)
            pg_conn.rollback()
        elif kind == "mysql":
            import MySQLdb.cursors

            conn = mysql_connect(p, db=p["database"])
            cur = conn.cursor(MySQLdb.cursors.SSCursor)
            cur.execute(SQL)
            while len(rows) < MAX_ROWS and (batch := cur.fetchmany(BATCH)):
                rows.extend(batch)
            conn.close()  # not cur.close(): that would read the other 4.99M rows first
        else:
            client = clickhouse_client(p)
            for row in client.execute_iter(SQL):
                rows.append(row)
                if len(rows) >= MAX_ROWS:
                    break
            client.disconnect()  # abandons the rest of the stream
        return len(rows[:MAX_ROWS])

    return read


def ours_read(engine) -> int:
    return engine.execute(SQL, max_rows=MAX_ROWS, timeout=60).row_count


def peak_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(kind: str, mode: str) -> None:
    """Time a cold call (connect included) and warm calls; report peak RSS growth as JSON."""
    p = server(kind)
    engine = None
    if mode == "ours":
        engine = dialect_class(kind)(
            ConnectionParams(
                kind=kind,
                host=p["host"],
                port=p["port"],
                database=DATABASE,
                username=p["username"],
                password=p["password"],
                allow_privileged=True,  # the test servers' admin accounts, as in the tests
            )
        )

        def read():
            return ours_read(engine)
    else:
        # Import the driver before the baseline, as the dialect module above imports its own.
        __import__(
            {
                "postgresql": "psycopg",
                "mysql": "MySQLdb.cursors",
                "clickhouse": "clickhouse_driver",
            }[kind]
        )

        read = raw_reader(kind, p)

    # Reset the peak-RSS mark (Linux clear_refs "5") so imports' peak is not in the baseline.
    Path("/proc/self/clear_refs").write_text("5")
    baseline = peak_rss_kb()
    started = time.perf_counter()
    assert read() == MAX_ROWS
    cold = time.perf_counter() - started
    warm = []
    for _ in range(WARM_CALLS):
        started = time.perf_counter()
        assert read() == MAX_ROWS
        warm.append(time.perf_counter() - started)
    growth_mb = (peak_rss_kb() - baseline) / 1024
    if engine is not None:
        engine.close()
    print(json.dumps({"cold": cold, "warm": statistics.median(warm), "rss_mb": growth_mb}))


def measure(kind: str, mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, mode],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="postgresql,mysql,clickhouse")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    kinds = args.engines.split(",")
    for kind in kinds:
        ensure_table(kind, args.rows)
    results = {}
    for kind in kinds:
        runs = {"raw": [], "ours": []}
        for _ in range(args.repeat):  # alternate, so drift on the machine hits both alike
            for mode in runs:
                runs[mode].append(measure(kind, mode))
        results[kind] = {
            mode: {key: statistics.median(r[key] for r in rs) for key in rs[0]}
            for mode, rs in runs.items()
        }
        print(f"{kind}: done", flush=True)

    print(
        f"\nSELECT * FROM bench_rows ({args.rows:,} rows), max_rows={MAX_ROWS:,}, "
        f"median of {args.repeat} fresh processes; times in ms.\n"
        f"cold = first call, connecting included; warm = median of {WARM_CALLS} later calls "
        "(ours from its pool; raw PostgreSQL reuses its connection, raw MySQL and ClickHouse "
        "reconnect, as they must drop the link to stop a stream)"
    )
    header = (
        f"{'engine':<11} {'raw cold':>9} {'ours cold':>9} {'ratio':>6} {'raw warm':>9} "
        f"{'ours warm':>9} {'ratio':>6} {'RSS MB raw':>10} {'ours':>6}"
    )
    print(header)
    print("-" * len(header))
    for kind, r in results.items():
        raw, ours = r["raw"], r["ours"]
        print(
            f"{kind:<11} {raw['cold'] * 1000:9.1f} {ours['cold'] * 1000:9.1f} "
            f"{ours['cold'] / raw['cold']:6.2f} {raw['warm'] * 1000:9.1f} "
            f"{ours['warm'] * 1000:9.1f} {ours['warm'] / raw['warm']:6.2f} "
            f"{raw['rss_mb']:10.1f} {ours['rss_mb']:6.1f}"
        )
    print("targets: ours within 1.3x of raw time, under 60 MB peak RSS growth")


if __name__ == "__main__":
    main()
