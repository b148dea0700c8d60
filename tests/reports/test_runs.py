"""A report run in-process (no REDIS_URL: Celery runs tasks eagerly) on Chinook: the stored
answer, the change since the previous run, retries then failed, and the owner's email."""

from __future__ import annotations

import sqlite3

import pytest

from reports import service
from reports.models import ReportRun

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "How many customers are there?"


@pytest.fixture
def report(alice, chinook):
    return service.save_report(
        alice,
        None,
        name="Customers",
        question=QUESTION,
        schedule="0 8 * * *",
        database_ids=[chinook.pk],
        email_owner=False,
    )


def test_a_run_stores_the_answer_and_then_the_change(report, chinook_copy):
    first = service.start_run(report, trigger="manual")
    first.refresh_from_db()
    assert first.status == "ok", first.error
    assert first.attempts == 1
    assert first.result["databases"][0]["rows"] == [[59]]
    assert "SELECT" in first.result["databases"][0]["sql"].upper()
    assert first.change == {"kind": "first"}
    assert "59" in first.sentence

    with sqlite3.connect(chinook_copy) as db:
        db.execute(
            "INSERT INTO Customer (CustomerId, FirstName, LastName, Email) "
            "VALUES (60, 'Ada', 'Lovelace', 'ada@example.com')"
        )
    second = service.start_run(report, trigger="manual")
    second.refresh_from_db()
    assert second.status == "ok"
    assert second.change == {
        "kind": "value",
        "previous": 59,
        "current": 60,
        "delta": 1,
        "percent": 1.69,
    }


def test_a_table_change_counts_rows_added_removed_and_changed(alice, chinook, chinook_copy):
    report = service.save_report(
        alice,
        None,
        name="Genres",
        question="list the name of genres",
        schedule="0 8 * * *",
        database_ids=[chinook.pk],
    )
    first = service.start_run(report, trigger="manual")
    first.refresh_from_db()
    assert first.status == "ok", first.error
    count = first.result["databases"][0]["row_count"]
    assert count == 25
    with sqlite3.connect(chinook_copy) as db:
        db.execute("INSERT INTO Genre (GenreId, Name) VALUES (26, 'Polka')")
        db.execute("DELETE FROM Genre WHERE GenreId = 25")
    second = service.start_run(report, trigger="manual")
    second.refresh_from_db()
    change = second.change
    assert change["kind"] == "rows"
    assert (change["added"], change["removed"], change["changed"]) == (1, 1, 0)


def test_an_unreachable_database_is_retried_then_marked_failed(report, chinook_copy, settings):
    settings.REPORTS_MAX_RETRIES = 2
    settings.REPORTS_RETRY_BACKOFF_SECONDS = 0
    chinook_copy.unlink()  # the schema snapshot stays; the database is gone
    run = service.start_run(report, trigger="manual")
    run.refresh_from_db()
    assert run.status == "failed"
    assert run.attempts == 3  # the first try and two retries
    assert "chinook" in run.error
    assert run.finished_at is not None


def test_the_owner_gets_an_email_with_the_sentence_change_and_table(report, mail_to):
    report.email_owner = True
    report.save()
    run = service.start_run(report, trigger="manual")
    run.refresh_from_db()
    assert run.emailed_at is not None, run.email_error
    [(to, message)] = mail_to.wait(1)
    assert to == ["alice@example.com"]
    assert message["Subject"] == "[DataChat] Customers: OK"
    plain, html = (
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() in ("text/plain", "text/html")
    )
    assert "59" in plain and "First run" in plain and QUESTION in plain
    assert "<table" in html and "<td>59</td>" in html


def test_a_refused_question_is_not_retried(alice, chinook, settings):
    settings.REPORTS_MAX_RETRIES = 3
    report = service.save_report(
        alice,
        None,
        name="Cleanup",
        question="delete all customers",
        schedule="0 8 * * *",
        database_ids=[chinook.pk],
    )
    run = service.start_run(report, trigger="manual")
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == ("refused", 1, "")
    assert "never change" in run.sentence
    assert ReportRun.objects.filter(report=report).count() == 1


def test_a_postgresql_report_whose_server_goes_away_fails_without_its_password(
    alice, make_connection, chinook_pg, settings, mail_to
):
    """On a real PostgreSQL: the run answers, then the server is unreachable (its port moved):
    retried, failed, and neither the run, its email nor the API shape holds the password."""
    from dataclasses import replace

    from connections.dialects import retire_engine
    from schemas_app.services import extract_now
    from tests.servers import assert_secret_absent

    secret = "report-s3cret-pw"  # the local server trusts loopback: any password connects
    connection = make_connection(replace(chinook_pg.params, password=secret), name="shop-pg")
    assert extract_now(connection).status == "succeeded"
    report = service.save_report(
        alice,
        None,
        name="PG customers",
        question=QUESTION,
        schedule="0 8 * * *",
        database_ids=[connection.pk],
        email_owner=True,
    )
    ok = service.start_run(report, trigger="manual")
    ok.refresh_from_db()
    assert ok.status == "ok" and ok.result["databases"][0]["rows"] == [[59]], ok.error

    settings.REPORTS_MAX_RETRIES = 1
    connection.port = 1
    connection.save()
    retire_engine(str(connection.pk))
    failed = service.start_run(report, trigger="manual")
    failed.refresh_from_db()
    assert failed.status == "failed" and failed.attempts == 2
    assert "shop-pg" in failed.error
    messages = mail_to.wait(2)
    assert [m["Subject"] for _, m in messages] == [
        "[DataChat] PG customers: OK",
        "[DataChat] PG customers: Failed",
    ]
    assert_secret_absent(secret, failed.error, str(failed.result), messages[1][1].as_string())
