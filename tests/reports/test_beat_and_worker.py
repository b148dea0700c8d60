"""A real `celery beat` and `celery worker` pair over Redis: beat's tick finds due reports and
the worker runs them on Chinook, retries one whose database is gone and marks it failed, and
mails both results to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from reports import service
from reports.models import Report, ReportRun
from tests.servers import CeleryBeat, CeleryWorker, needs_shared_system_database

# A Redis database of its own, so other tests' queues and keys never meet these.
REDIS_URL = os.environ.get("TEST_REPORTS_REDIS_URL", "redis://127.0.0.1:6379/9")
WAIT_SECONDS = 90


def _wait_for(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.5)
    return None


def _finished(report: Report) -> ReportRun | None:
    return report.runs.filter(status__in=ReportRun.FINISHED).order_by("pk").first()


@pytest.mark.django_db(transaction=True)
def test_beat_and_worker_run_due_reports_retry_failures_and_mail_the_owner(
    alice, chinook, make_connection, chinook_sqlite, tmp_path, smtp_server
):
    needs_shared_system_database()
    inbox, smtp_port = smtp_server
    good = service.save_report(
        alice,
        None,
        name="Customers",
        question="How many customers are there?",
        schedule="* * * * *",
        database_ids=[chinook.pk],
        email_owner=True,
    )
    # Beat was down for the last three slots: they run once, at the first tick, saying so.
    Report.objects.filter(pk=good.pk).update(
        last_scheduled_at=timezone.now() - timedelta(minutes=3, seconds=5)
    )
    from dataclasses import replace

    from schemas_app.services import extract_now

    gone_file = tmp_path / "gone.sqlite3"
    gone_file.write_bytes(Path(chinook_sqlite.params.database).read_bytes())
    gone = make_connection(replace(chinook_sqlite.params, database=str(gone_file)), name="gone")
    extract_now(gone)
    gone_file.unlink()  # its schema is known; the database itself is unreachable
    bad = service.save_report(
        alice,
        None,
        name="Gone",
        question="How many customers are there?",
        schedule="* * * * *",
        database_ids=[gone.pk],
        email_owner=True,
    )
    Report.objects.filter(pk=bad.pk).update(last_scheduled_at=timezone.now() - timedelta(minutes=1))

    settings_env = {
        "REPORTS_TICK_SECONDS": "2",
        "REPORTS_MAX_RETRIES": "2",
        "REPORTS_RETRY_BACKOFF_SECONDS": "1",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
    }
    worker = CeleryWorker(REDIS_URL, tmp_path, **settings_env)
    # Beat and the worker (its retries, the runs the tick queues) publish to the worker's
    # own queue: settings read CELERY_QUEUE.
    worker._env["CELERY_QUEUE"] = worker.queue
    with worker, CeleryBeat(worker, tmp_path) as beat:
        done = _wait_for(lambda: _finished(good) and _finished(bad), WAIT_SECONDS)
    assert done, (beat.output[-2000:], worker.output[-3000:])

    ran = _finished(good)
    assert ran.status == "ok", (ran.error, worker.output[-3000:])
    assert ran.trigger == "schedule"
    assert ran.result["databases"][0]["rows"] == [[59]]
    assert ran.change == {"kind": "first"}
    assert re.match(r"Missed schedule: [34] scheduled runs since", ran.note), ran.note
    assert good.runs.filter(note__startswith="Missed").count() == 1  # once, not once each

    failed = _finished(bad)
    assert failed.status == "failed"
    assert failed.attempts == 3  # the first try and REPORTS_MAX_RETRIES retries
    assert "gone" in failed.error and "not found" in failed.error
    assert worker.output.count("Retry in") >= 2, worker.output[-3000:]

    subjects = {m["Subject"] for _, m in inbox.wait(2, seconds=10)}
    assert {"[DataChat] Customers: OK", "[DataChat] Gone: Failed"} <= subjects
