"""A real Celery worker, over Redis, runs extractions queued by a separate producer."""

import time

import pytest
from celery import Celery

from connections.dialects import ConnectionParams
from schemas_app.models import SchemaSnapshot
from tests.servers import CeleryWorker, needs_shared_system_database


def _run_in_worker(snapshot, redis_url, tmp_path) -> str:
    """Queue the extraction through Redis to a real worker; wait until it is finished."""
    with CeleryWorker(redis_url, tmp_path, SCHEMA_RETRY_BACKOFF_SECONDS="0.2") as worker:
        # Not the current app: later tests in this process must keep running tasks eagerly.
        producer = Celery(broker=redis_url, set_as_current=False)
        producer.send_task(
            "schemas_app.tasks.extract_schema_task", args=[snapshot.pk], queue=worker.queue
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            snapshot.refresh_from_db()
            if snapshot.status in ("succeeded", "failed"):
                break
            time.sleep(0.5)
    return worker.output


@pytest.mark.django_db(transaction=True)
def test_worker_extracts_over_redis(make_connection, chinook_sqlite, redis_url, tmp_path):
    needs_shared_system_database()
    connection = make_connection(chinook_sqlite.params, name="chinook")
    snapshot = SchemaSnapshot.objects.create(connection=connection)
    output = _run_in_worker(snapshot, redis_url, tmp_path)
    assert snapshot.status == "succeeded", (snapshot.status, snapshot.error, output[-2000:])
    assert snapshot.table_count == 11


@pytest.mark.django_db(transaction=True)
def test_transient_errors_retry_with_backoff_then_fail(make_connection, redis_url, tmp_path):
    needs_shared_system_database()
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
    needs_shared_system_database()
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
