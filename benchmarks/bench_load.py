"""Load: many people asking at once, through gunicorn with threads, on a PostgreSQL Chinook.

1. A PostgreSQL system database of its own (`datachat_bench_load_system`, recreated) and a
   Chinook loaded once into `datachat_bench_load_chinook` (kept and reused), on the test
   server (TEST_PG_ADMIN_URL, the loopback default as for the tests). Chinook is registered
   with the server's admin account (allow_privileged, as the other benchmarks), extracted
   and profiled, and one API token is issued per client.
2. gunicorn serves datachat.wsgi with DEBUG=false, `--workers W --threads T` (2 x 25 by
   default: 50 threads for 50 clients), no broker: the API answers in the request, which is
   the whole answer's work per request. The result cache is off (CHAT_RESULT_CACHE_TTL=0) so
   every answer writes its SQL and runs it on Chinook.
3. C clients (50) each open a chat session and ask questions from a fixed list, one after
   another, for S seconds (60) through `POST /api/v1/chat`.
4. A sampler reads pg_stat_activity every 0.25 s: connections per database (the system
   database and Chinook), before, at peak and 5 s after the run.

Prints throughput, latency p50/p95/max, errors (HTTP >= 400, transport errors, and answers
that did not end `done`) and the connection figures. Target: 0 errors; connections after the
run no higher than the pools' bounds, not growing with the number of requests.

    .venv/bin/python benchmarks/bench_load.py                       # 50 clients, 60 s
    .venv/bin/python benchmarks/bench_load.py --clients 20 --seconds 20 --workers 2 --threads 10
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG = urlsplit(ADMIN_URL)
SYSTEM_DB = "datachat_bench_load_system"
CHINOOK_DB = "datachat_bench_load_chinook"
CHINOOK_SQL = ROOT / "tests" / "datasets" / "chinook" / "Chinook_PostgreSql.sql"
CREDENTIALS_KEY = "yQ1n3k9o0Qd6b7QX2o8mJ1vYfYH6bN0w4bq5m3kqfXg="  # a throw-away bench key

QUESTIONS = [
    "How many tracks are there?",
    "How many customers are there?",
    "How many albums are there?",
    "How many invoices are there?",
    "How many artists are there?",
    "How many employees are there?",
    "How many playlists are there?",
    "How many genres are there?",
]


def pg_url(database: str) -> str:
    auth = PG.username or "postgres"
    if PG.password:
        auth += f":{PG.password}"
    return f"postgres://{auth}@{PG.hostname or '127.0.0.1'}:{PG.port or 5432}/{database}"


def admin_connect(database: str = "postgres"):
    import psycopg

    return psycopg.connect(
        host=PG.hostname or "127.0.0.1",
        port=PG.port or 5432,
        user=PG.username or "postgres",
        password=PG.password or None,
        dbname=database,
        autocommit=True,
        connect_timeout=5,
    )


def prepare_databases() -> None:
    with admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SYSTEM_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SYSTEM_DB}"')
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [CHINOOK_DB]
        ).fetchone()
    if exists:
        with admin_connect(CHINOOK_DB) as conn:
            tracks = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'track'"
            ).fetchone()[0]
        if tracks:
            return
        with admin_connect() as conn:
            conn.execute(f'DROP DATABASE "{CHINOOK_DB}" WITH (FORCE)')
    with admin_connect() as conn:
        conn.execute(f'CREATE DATABASE "{CHINOOK_DB}"')
    lines = CHINOOK_SQL.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[27].startswith("\\c chinook"), "Chinook_PostgreSql.sql layout changed"
    subprocess.run(
        [
            "psql", "-q", "-X", "-v", "ON_ERROR_STOP=1",
            "-h", PG.hostname or "127.0.0.1", "-p", str(PG.port or 5432),
            "-U", PG.username or "postgres", "-d", CHINOOK_DB,
        ],
        input="".join(lines[28:]).encode(),
        env={**os.environ, **({"PGPASSWORD": PG.password} if PG.password else {})},
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip


def server_env(data_dir: str) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "LLM_MODEL")},
        "DJANGO_SETTINGS_MODULE": "datachat.settings",
        "DATABASE_URL": pg_url(SYSTEM_DB),
        "DATACHAT_DATA_DIR": data_dir,
        "DATABASE_CREDENTIALS_KEY": CREDENTIALS_KEY,
        "SECRET_KEY": "bench-load-" + "x" * 40,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CHAT_RESULT_CACHE_TTL": "0",
        "LOG_LEVEL": "WARNING",
    }


SETUP = """
import json, django
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from api.models import ApiToken
from connections.models import Connection
from schemas_app import services
call_command("migrate", verbosity=0)
admin = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench-pass-123")
connection = Connection.objects.create(
    name="chinook", kind="postgresql", host=%(host)r, port=%(port)d, database=%(db)r,
    username=%(user)r, password=%(password)r, allow_privileged=True, created_by=admin,
)
snapshot = services.extract_now(connection, with_profile=True)
assert snapshot.status == "succeeded", snapshot.error
tokens = []
for number in range(%(clients)d):
    user = get_user_model().objects.create_user(f"client{number}", password="client-pass-123")
    tokens.append(ApiToken.issue(user, "bench")[1])
print(json.dumps({"connection": str(connection.pk), "tokens": tokens}))
"""


def setup_system(env: dict, clients: int) -> dict:
    import json

    script = SETUP % {
        "host": PG.hostname or "127.0.0.1",
        "port": PG.port or 5432,
        "db": CHINOOK_DB,
        "user": PG.username or "postgres",
        "password": PG.password or "",
        "clients": clients,
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"setup failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ConnectionSampler(threading.Thread):
    """Connections per database from pg_stat_activity, every `interval` seconds."""

    def __init__(self, databases: list[str], interval: float = 0.25):
        super().__init__(daemon=True)
        self.databases, self.interval = databases, interval
        self.peak: Counter = Counter()
        self.stop_event = threading.Event()

    def count(self) -> Counter:
        with admin_connect() as conn:
            rows = conn.execute(
                "SELECT datname, count(*) FROM pg_stat_activity WHERE datname = ANY(%s) "
                "AND pid <> pg_backend_pid() GROUP BY datname",
                [self.databases],
            ).fetchall()
        return Counter(dict(rows))

    def run(self) -> None:
        while not self.stop_event.wait(self.interval):
            for name, value in self.count().items():
                self.peak[name] = max(self.peak[name], value)


def client_loop(base: str, token: str, connection_id: str, stop_at: float, number: int, out):
    import httpx

    session_id = None
    asked = 0
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as http:
        while time.monotonic() < stop_at:
            question = QUESTIONS[(number + asked) % len(QUESTIONS)]
            asked += 1
            body = {"message": question}
            if session_id is None:
                body["target_database"] = connection_id
            else:
                body["session_id"] = session_id
            started = time.monotonic()
            try:
                response = http.post("/api/v1/chat", json=body)
            except httpx.HTTPError as error:
                out.append((time.monotonic() - started, f"transport {type(error).__name__}"))
                continue
            elapsed = time.monotonic() - started
            if response.status_code >= 400:
                out.append((elapsed, f"HTTP {response.status_code}"))
                continue
            data = response.json()
            session_id = data["session_id"]
            status = data["message"]["status"]
            out.append((elapsed, "" if status == "done" else f"answer {status}"))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=25)
    args = parser.parse_args()

    print(f"Preparing {SYSTEM_DB} and {CHINOOK_DB} ...", flush=True)
    prepare_databases()
    data_dir = tempfile.mkdtemp(prefix="datachat-bench-load-")
    env = server_env(data_dir)
    world = setup_system(env, args.clients)
    port = free_port()
    log = Path(data_dir) / "gunicorn.log"
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "datachat.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
            "--threads", str(args.threads), "--timeout", "120", "--no-control-socket",
        ],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    sampler = ConnectionSampler([SYSTEM_DB, CHINOOK_DB])
    try:
        import httpx

        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        before = sampler.count()
        print(
            f"gunicorn {args.workers} workers x {args.threads} threads; {args.clients} clients "
            f"for {args.seconds:g} s; connections before: {dict(before)}",
            flush=True,
        )
        sampler.start()
        results: list[tuple[float, str]] = []
        stop_at = time.monotonic() + args.seconds
        started = time.monotonic()
        threads = [
            threading.Thread(
                target=client_loop,
                args=(base, world["tokens"][n], world["connection"], stop_at, n, results),
            )
            for n in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
        sampler.stop_event.set()
        sampler.join()
        time.sleep(5)
        after = sampler.count()
    finally:
        server.terminate()
        server.wait(timeout=30)

    latencies = [elapsed for elapsed, _ in results]
    errors = Counter(error for _, error in results if error)
    by_kind = defaultdict(int)
    for _, error in results:
        by_kind["ok" if not error else "error"] += 1
    print()
    print(f"requests          {len(results)} in {wall:.1f} s")
    print(f"throughput        {len(results) / wall:.1f} answers/s")
    if latencies:
        print(
            f"latency           p50 {percentile(latencies, 0.5) * 1000:.0f} ms · "
            f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms · "
            f"max {max(latencies) * 1000:.0f} ms · mean {statistics.mean(latencies) * 1000:.0f} ms"
        )
    print(f"errors            {sum(errors.values())} {dict(errors) if errors else ''}")
    for name in (SYSTEM_DB, CHINOOK_DB):
        print(
            f"connections       {name}: before {before.get(name, 0)}, "
            f"peak {sampler.peak.get(name, 0)}, 5 s after {after.get(name, 0)}"
        )
    server_errors = [line for line in log.read_text().splitlines() if "Traceback" in line]
    print(f"server tracebacks {len(server_errors)}  (log: {log})")


if __name__ == "__main__":
    main()
