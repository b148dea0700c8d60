"""A real Celery worker, over Redis, runs an extraction queued by a separate producer."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection as db

from schemas_app.models import SchemaSnapshot
from tests.conftest import TEST_CREDENTIALS_KEY

ROOT = Path(__file__).resolve().parents[2]


def _system_database_url() -> str:
    s = db.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _run_in_worker(snapshot, redis_url, tmp_path) -> str:
    """Queue the extraction through Redis to a real worker; wait until it is finished."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _system_database_url(),
        "REDIS_URL": redis_url,
        "DATABASE_CREDENTIALS_KEY": TEST_CREDENTIALS_KEY,
        "DATACHAT_DATA_DIR": str(tmp_path),
        "SCHEMA_RETRY_BACKOFF_SECONDS": "0.2",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "datachat",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        producer = Celery(broker=redis_url)
        producer.send_task("schemas_app.tasks.extract_schema_task", args=[snapshot.pk], queue=queue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            snapshot.refresh_from_db()
            if snapshot.status in ("succeeded", "failed"):
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    return output


def _needs_postgresql():
    if db.vendor != "postgresql":
        pytest.skip(
            "the worker process needs a shared system database (PostgreSQL, as make test uses)"
        )


@pytest.mark.django_db(transaction=True)
def test_worker_extracts_over_redis(make_connection, chinook_sqlite, redis_url, tmp_path):
    _needs_postgresql()
    connection = make_connection(chinook_sqlite.params, name="chinook")
    snapshot = SchemaSnapshot.objects.create(connection=connection)
    output = _run_in_worker(snapshot, redis_url, tmp_path)
    assert snapshot.status == "succeeded", (snapshot.status, snapshot.error, output[-2000:])
    assert snapshot.table_count == 11


@pytest.mark.django_db(transaction=True)
def test_transient_errors_retry_with_backoff_then_fail(make_connection, redis_url, tmp_path):
    _needs_postgresql()
    from connections.dialects import ConnectionParams

    refused = ConnectionParams(
        kind="postgresql", host="127.0.0.1", port=1, database="x", username="x"
    )
    connection = make_connection(refused, name="refused")
    snapshot = SchemaSnapshot.objects.create(connection=connection)
    output = _run_in_worker(snapshot, redis_url, tmp_path)
    assert snapshot.status == "failed", (snapshot.status, output[-2000:])
    assert "refused" in snapshot.error.lower()
    assert output.count("Retry in") == 3, output[-3000:]  # max_retries, then a clear failure


@pytest.mark.django_db(transaction=True)
def test_permanent_errors_fail_at_once(make_connection, redis_url, tmp_path, pg_server):
    _needs_postgresql()
    from connections.dialects import ConnectionParams

    wrong = ConnectionParams(
        kind="postgresql",
        host=pg_server.host,
        port=pg_server.port,
        database="postgres",
        username="datachat_pw",
        password="wrong-password",
    )
    connection = make_connection(wrong, name="wrong-password")
    snapshot = SchemaSnapshot.objects.create(connection=connection)
    output = _run_in_worker(snapshot, redis_url, tmp_path)
    assert snapshot.status == "failed" and "authentication failed" in snapshot.error.lower()
    assert "Retry in" not in output
