"""Schema browser on a 2,000-table snapshot: time of each page/partial, cold and warm.

Runs against a throw-away SQLite system database in a temporary data folder, so it never
touches your real one. Prints p50/p95 over repeated requests.

    .venv/bin/python benchmarks/bench_browser.py
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["DATACHAT_DATA_DIR"] = tempfile.mkdtemp(prefix="datachat-bench-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from connections.dialects.schema import Column, ForeignKey, SchemaDocument, Table  # noqa: E402
from connections.models import Connection  # noqa: E402
from schemas_app import services  # noqa: E402
from schemas_app.models import SchemaSnapshot  # noqa: E402

TABLES, COLUMNS, REPEAT = 2000, 20, 30


def generated_document() -> dict:
    tables = []
    for t in range(TABLES):
        columns = [Column("id", "integer", 1, False, primary_key=True)] + [
            Column(f"col_{t}_{c}", "varchar(100)", c + 2, comment=f"column {c} of table {t}")
            for c in range(COLUMNS - 1)
        ]
        fks = [ForeignKey([f"col_{t}_1"], "app", f"table_{t - 1}", ["id"])] if t else []
        tables.append(
            Table(
                "app" if t % 2 else "sales",
                f"table_{t}",
                columns=columns,
                primary_key=["id"],
                foreign_keys=fks,
                row_count=t * 10,
                sample_rows=[[1] + ["x"] * (COLUMNS - 1)] * 2,
            )
        )
    document = SchemaDocument("postgresql", "15", tables).to_dict()
    return document


def timed(client: Client, url: str) -> list[float]:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="bench-pass-123")
    connection = Connection.objects.create(name="big", kind="sqlite", database="/dev/null")
    document = generated_document()
    SchemaSnapshot.objects.create(
        connection=connection,
        status="succeeded",
        document=document,
        fingerprint=services.fingerprint(document),
        table_count=TABLES,
        column_count=TABLES * COLUMNS,
        duration_ms=1,
    )
    client = Client()
    client.force_login(user)
    base = f"/databases/{connection.pk}/schema/"
    # The very first request of a process also imports every view module and compiles the
    # base templates; the status partial does that without reading the snapshot's document.
    started = time.perf_counter()
    assert client.get(base + "status/").status_code == 200
    warmup = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    assert client.get(base).status_code == 200
    cold = (time.perf_counter() - started) * 1000
    print(f"snapshot: {TABLES} tables x {COLUMNS} columns")
    print(f"process warm-up (first request, status partial): {warmup:.0f} ms")
    print(f"first schema page (document read + parse, then cached): {cold:.0f} ms")
    print(f"{'request':44} {'p50 ms':>8} {'p95 ms':>8}")
    for label, url in [
        ("schema page", base),
        ("tree: tables of one schema (1,000)", base + "tables/?schema=app"),
        ("tree: columns of one table", base + "table/?part=columns&table=app.table_1"),
        ("table detail pane", base + "table/?table=app.table_1999"),
        ("search 'col_1999' (tables and columns)", base + "search/?q=col_1999"),
        ("search 'nothing-matches'", base + "search/?q=nothing-matches"),
    ]:
        times = sorted(timed(client, url))
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"{label:44} {statistics.median(times):8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
