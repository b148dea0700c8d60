"""Chat: parallel multi-database answers and the chat page with 100 messages.

1. Four databases (PostgreSQL, MariaDB, ClickHouse, SQLite), each answering with a query that
   takes about 0.5 s: `pg_sleep(0.5)`, `SLEEP(0.5)`, ClickHouse `sleep(0.5)`, and on SQLite a
   recursive CTE tuned to ~0.5 s. The whole of `chat.conversation.ask` runs (schema loading,
   the thread pool, every run stored, merging, the cache bypassed); only the generator is
   replaced at its boundary by one returning that SQL per dialect, and the SQL guard is
   skipped because it rightly refuses sleep functions. Target: the 4-database answer's wall
   time at most 1.2x the slowest single-database answer.
2. The chat page (`/chat/<id>/`) of a session with 100 messages (50 answered questions with a
   table, SQL and chart each): render time p50/p95 and the number of SQL queries.

Runs against a throw-away SQLite system database in a temporary data folder; the target
servers are the test servers (`make services`), reached with the TEST_*_URL variables.

    .venv/bin/python benchmarks/bench_chat.py
"""

import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
DATA_DIR = tempfile.mkdtemp(prefix="datachat-bench-")
os.environ["DATACHAT_DATA_DIR"] = DATA_DIR
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)  # answer in this process, as the page does without a broker
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection as system_db  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from chat import conversation, sessions  # noqa: E402
from chat.answering import builtin, pipeline  # noqa: E402
from chat.answering.types import Generated  # noqa: E402
from chat.answering.validation import Validated  # noqa: E402
from chat.models import ChatMessage  # noqa: E402
from connections.connection_url import parse_connection_url  # noqa: E402
from connections.models import Connection  # noqa: E402
from schemas_app import services  # noqa: E402
from schemas_app.models import SchemaSnapshot  # noqa: E402

SERVERS = {
    "postgresql": os.environ.get(
        "TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    ),
    "mysql": os.environ.get("TEST_MYSQL_ADMIN_URL", "mysql://root@127.0.0.1:3306/"),
    "clickhouse": os.environ.get(
        "TEST_CLICKHOUSE_URL", "clickhouse://default@127.0.0.1:9000/default"
    ),
}
SLEEP_SQL = {
    "postgresql": "SELECT 1 AS answer FROM pg_sleep(0.5)",
    "mysql": "SELECT SLEEP(0.5) + 1 AS answer",
    "clickhouse": "SELECT sleep(0.5) + 1 AS answer",
}
SQLITE_CTE = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) "
    "SELECT count(*) AS answer FROM n"
)
REPEAT = 7
PAGE_REPEAT = 20
QUESTION = "How long does the slow query take?"


def calibrated_sqlite_sql(connection: Connection, target: float = 0.5) -> str:
    """A recursive CTE that takes about `target` seconds through our SQLite engine (its
    read-only connection and progress-handler timeout included) on this machine."""
    engine = connection.engine()
    count = 100_000
    for _ in range(3):
        started = time.perf_counter()
        engine.execute(SQLITE_CTE.format(count=count), max_rows=10, timeout=30)
        took = time.perf_counter() - started
        count = int(count * target / took)
    return SQLITE_CTE.format(count=count)


def make_connections() -> list[Connection]:
    document = {"dialect": "postgresql", "version": "", "tables": []}
    made = []
    for kind, url in SERVERS.items():
        params = parse_connection_url(url)
        made.append(
            Connection.objects.create(
                name=f"slow-{kind}",
                kind=kind,
                host=params["host"],
                port=params["port"],
                database=params["database"] or "",
                username=params["username"] or "",
                password=params["password"] or "",
                allow_privileged=True,  # the test servers' admin accounts, as in the tests
            )
        )
    sqlite_path = str(Path(DATA_DIR) / "slow.sqlite3")
    sqlite3.connect(sqlite_path).execute("CREATE TABLE IF NOT EXISTS t (x)").connection.commit()
    made.append(Connection.objects.create(name="slow-sqlite", kind="sqlite", database=sqlite_path))
    SLEEP_SQL["sqlite"] = calibrated_sqlite_sql(made[-1])
    for connection in made:  # answering needs a schema; an empty one will do
        SchemaSnapshot.objects.create(
            connection=connection,
            status="succeeded",
            document={**document, "dialect": connection.kind},
            fingerprint=services.fingerprint(document),
            table_count=0,
            column_count=0,
            duration_ms=1,
        )
    return made


def patch_generator() -> None:
    def generate(question, *, dialect, **_):
        return Generated(SLEEP_SQL[dialect], answer_template="The answer is {value}.")

    builtin.generate = generate
    pipeline.validate_sql = lambda sql, **_: Validated(sql)


def timed_ask(user, session) -> tuple[float, ChatMessage]:
    started = time.perf_counter()
    reply = conversation.ask(user, session, QUESTION, bypass_cache=True)
    took = time.perf_counter() - started
    assert reply.status == "done", reply.text
    errors = [d["error"] for d in reply.result["databases"] if d["error"]]
    assert not errors, errors
    return took, reply


def bench_parallel(user) -> None:
    connections = make_connections()
    patch_generator()
    print(f"SQLite CTE: {SLEEP_SQL['sqlite']}")
    single_sessions = {c.kind: sessions.create_session(user, connections=[c]) for c in connections}
    multi_session = sessions.create_session(user, connections=connections)
    for session in [*single_sessions.values(), multi_session]:
        timed_ask(user, session)  # warm: pools, first connections
    # Rounds interleave the single answers and the 4-database one, so that load from other
    # processes (the SQLite query is CPU-bound) hits both sides of each ratio alike.
    singles: dict[str, list[float]] = {kind: [] for kind in single_sessions}
    own: dict[str, list[float]] = {kind: [] for kind in single_sessions}
    multi, ratios, per_db = [], [], {}
    for _ in range(REPEAT):
        for kind, session in single_sessions.items():
            took, reply = timed_ask(user, session)
            singles[kind].append(took)
            own[kind].append(reply.result["databases"][0]["duration_ms"] / 1000)
        took, reply = timed_ask(user, multi_session)
        multi.append(took)
        ratios.append(took / max(times[-1] for times in singles.values()))
        for d in reply.result["databases"]:
            per_db.setdefault(d["name"].removeprefix("slow-"), []).append(d["duration_ms"] / 1000)
    print(f"{'answer':28} {'median s':>9} {'min s':>7} {'db answer s':>12}")
    for kind, times in singles.items():
        print(
            f"{'1 database: ' + kind:28} {statistics.median(times):9.3f} {min(times):7.3f} "
            f"{statistics.median(own[kind]):12.3f}"
        )
    print(f"{'4 databases in parallel':28} {statistics.median(multi):9.3f} {min(multi):7.3f}")
    print(
        "  each database inside the 4-database answer (median s): "
        + ", ".join(f"{kind} {statistics.median(v):.3f}" for kind, v in per_db.items())
    )
    sequential = sum(statistics.median(times) for times in singles.values())
    print(
        f"sequential would take ~{sequential:.3f} s; 4 databases / slowest single: median "
        f"{statistics.median(ratios):.2f}x, worst {max(ratios):.2f}x over {REPEAT} rounds "
        f"(target <= 1.2x)"
    )


def bench_page(user) -> None:
    connection = Connection.objects.get(kind="sqlite")
    session = sessions.create_session(user, connections=[connection])
    rows = [[f"Genre {i}", i * 7] for i in range(25)]
    result = {
        "databases": [
            {
                "connection_id": str(connection.pk),
                "name": connection.name,
                "kind": "SQLite",
                "color": "#2563eb",
                "text": "Found 25 rows.",
                "sql": "SELECT name, count(*) FROM t GROUP BY 1",
                "columns": ["name", "tracks"],
                "rows": rows,
                "row_count": 25,
                "truncated": False,
                "duration_ms": 12.0,
                "engine": "builtin",
                "error": "",
                "refused": False,
                "run_id": None,
                "chart": {
                    "type": "bar",
                    "labels": [r[0] for r in rows],
                    "datasets": [{"label": "tracks", "data": [r[1] for r in rows]}],
                },
            }
        ],
        "concerned": [connection.name],
        "merged": None,
        "merged_chart": None,
        "cached": False,
    }
    messages = []
    for i in range(50):
        question = f"How many tracks per genre, take {i}?"
        messages.append(ChatMessage(session=session, role="user", text=question))
        messages.append(
            ChatMessage(
                session=session,
                role="assistant",
                question=question,
                text="Found 25 rows.",
                databases=[connection.name],
                status="done",
                phase="done",
                result=result,
            )
        )
    ChatMessage.objects.bulk_create(messages)
    client = Client()
    client.force_login(user)
    url = f"/chat/{session.pk}/"
    client.get(url)
    with CaptureQueriesContext(system_db) as queries:
        response = client.get(url)
    query_count = len(queries)  # read now: the next request resets the connection's log
    assert response.status_code == 200
    times = []
    for _ in range(PAGE_REPEAT):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"chat page, 100 messages: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
        f"{query_count} SQL queries, {len(response.content) / 1024:.0f} KiB of HTML"
    )


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="bench-pass-123")
    bench_parallel(user)
    bench_page(user)


if __name__ == "__main__":
    main()
