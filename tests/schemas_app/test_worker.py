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


@pytest.mark.django_db(transaction=True)
def test_worker_extracts_over_redis(make_connection, chinook_sqlite, redis_url, tmp_path):
    if db.vendor != "postgresql":
        pytest.skip("the worker process needs a shared system database (PostgreSQL, as make test uses)")
    connection = make_connection(chinook_sqlite.params, name="chinook")
    snapshot = SchemaSnapshot.objects.create(connection=connection)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _system_database_url(),
        "REDIS_URL": redis_url,
        "DATABASE_CREDENTIALS_KEY": TEST_CREDENTIALS_KEY,
        "DATACHAT_DATA_DIR": str(tmp_path),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "datachat", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "-l", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
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
    assert snapshot.status == "succeeded", (snapshot.status, snapshot.error, output[-2000:])
    assert snapshot.table_count == 11
