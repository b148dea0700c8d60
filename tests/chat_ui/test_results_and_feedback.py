"""Result pages and CSV (per database and merged), their errors, feedback and saving as an
example (cached answers too), renaming over HTMX, the question limit, dashboard figures."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
from django.core.cache import cache
from django.urls import reverse

from chat import conversation, feedback, history, sessions
from chat.answering import pipeline
from chat.models import ChatMessage, QueryRun
from schemas_app import services as schema_services
from schemas_app.models import DataPoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def backup(make_connection, chinook_sqlite, tmp_path):
    path = tmp_path / "backup.sqlite3"
    shutil.copy(chinook_sqlite.params.database, path)
    connection = make_connection(replace(chinook_sqlite.params, database=str(path)), name="backup")
    assert schema_services.extract_now(connection, with_profile=True).status == "succeeded"
    return connection


def csv_lines(response) -> list[str]:
    return b"".join(response.streaming_content).decode().strip().splitlines()


def test_the_merged_table_holds_every_row_with_paging_and_csv(
    alice, alice_client, chinook, backup, settings
):
    settings.CHAT_PREVIEW_ROWS = 10  # each database's preview is cut; the comparison is not
    settings.CHAT_PAGE_SIZE = 10
    session = sessions.create_session(alice, connections=[chinook, backup])
    reply = conversation.ask(alice, session, "How many tracks per genre?")
    merged = reply.result["merged"]
    assert merged["columns"][0] == "database" and merged["row_count"] == 50, reply.result
    assert len(merged["rows"]) == 10 and not merged["truncated"]

    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert "Comparison across databases" in page and "50 rows" in page
    assert reverse("chat_merged_rows", args=[reply.pk]) + "?page=2" in page

    cache.clear()  # after the TTL the runs are read again
    last = alice_client.get(reverse("chat_merged_rows", args=[reply.pk]) + "?page=5")
    body = last.content.decode()
    assert last.status_code == 200 and "page 5 of 5" in body and body.count("<tr>") == 11
    assert "backup" in body and "chinook" not in body.split("<tbody>")[1]
    lines = csv_lines(alice_client.get(reverse("chat_merged_csv", args=[reply.pk])))
    assert lines[0].startswith("Database,") and len(lines) == 51  # labels, as shown
    assert sum(line.startswith("chinook,") for line in lines) == 25


def test_csv_of_a_result_that_cannot_be_read_again_is_an_error_not_a_cut_file(
    alice, alice_client, backup
):
    session = sessions.create_session(alice, connections=[backup])
    reply = conversation.ask(alice, session, "How many tracks per genre?")
    run_id = reply.result["databases"][0]["run_id"]
    cache.clear()
    from pathlib import Path

    Path(backup.database).unlink()  # re-running the query now fails
    response = alice_client.get(reverse("chat_run_csv", args=[run_id]))
    assert response.status_code == 502 and not response.streaming
    assert "could not be read again" in response.content.decode()
    rows = alice_client.get(reverse("chat_run_rows", args=[run_id]) + "?page=2")
    assert rows.status_code == 502 and "could not be read again" in rows.content.decode()

    backup.delete()  # and with the database gone from the registry
    response = alice_client.get(reverse("chat_run_csv", args=[run_id]))
    assert response.status_code == 410 and "removed from the registry" in response.content.decode()


def test_a_cached_answer_can_be_saved_as_an_example(alice, alice_client, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    conversation.ask(alice, session, "How many tracks are there?")
    cached = conversation.ask(alice, session, "How many tracks are there?")
    assert cached.result["cached"] is True
    # The cached answer has its own run (marked cached), readable by its owner.
    run = QueryRun.objects.get(message=cached)
    assert run.cached and run.pk == cached.result["databases"][0]["run_id"]
    assert alice_client.get(reverse("chat_run_csv", args=[run.pk])).status_code == 200

    url = reverse("chat_message_feedback", args=[cached.pk])
    refused = alice_client.post(url, {"value": "save_example"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and "marked correct" in refused.content.decode()
    alice_client.post(url, {"value": "correct"}, HTTP_HX_REQUEST="true")
    saved = alice_client.post(url, {"value": "save_example"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "Saved as an example" in saved.content.decode()
    example = DataPoint.objects.get(connection=chinook, kind="example")
    assert example.content["question"] == "How many tracks are there?"
    assert "COUNT" in example.content["sql"].upper()


def test_feedback_service_refuses_bad_input(alice, chinook, backup):
    session = sessions.create_session(alice, connections=[chinook])
    reply = conversation.ask(alice, session, "How many tracks are there?")
    with pytest.raises(feedback.FeedbackError, match="'correct' or 'wrong'"):
        feedback.set_feedback(reply, alice, "meh")
    feedback.set_feedback(reply, alice, "correct")
    with pytest.raises(feedback.FeedbackError, match="no successful query on backup"):
        feedback.save_as_example(reply, alice, backup)
    assert len(feedback.save_as_example(reply, alice, chinook)) == 1


def test_run_again_errors_are_shown(alice, alice_client, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    reply = conversation.ask(alice, session, "How many tracks are there?")
    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert f'id="action-error-{reply.pk}"' in page
    assert f'data-error-target="#action-error-{reply.pk}"' in page  # static/js/htmx-errors.js
    session.databases.all().delete()
    response = alice_client.post(
        reverse("chat_message_again", args=[reply.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400 and "Add a database" in response.content.decode()


def test_rename_over_htmx_swaps_the_form_and_the_sidebar(alice, alice_client, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    url = reverse("chat_rename", args=[session.pk])
    response = alice_client.post(url, {"name": "Music <b>shop</b>"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and 'id="rename-form"' in body and "Renamed." in body
    assert f'id="session-link-{session.pk}" hx-swap-oob="true"' in body
    assert "Music &lt;b&gt;shop&lt;/b&gt;" in body and "<b>shop" not in body
    session.refresh_from_db()
    assert session.name == "Music <b>shop</b>"
    blank = alice_client.post(url, {"name": "  "}, HTTP_HX_REQUEST="true")
    assert blank.status_code == 400 and blank.content.decode() == "A session needs a name."
    session.refresh_from_db()
    assert session.name == "Music <b>shop</b>"
    # Without JavaScript the form still posts and the page comes back.
    assert alice_client.post(url, {"name": "Tunes"})["Location"] == reverse(
        "chat_session", args=[session.pk]
    )


def test_the_question_box_allows_what_the_server_accepts(alice, alice_client, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    # The limit is checked by chat.js, which says so; a maxlength cut a long paste silently.
    assert f'data-maxlength="{pipeline.MAX_QUESTION_CHARS}"' in page
    assert ' maxlength="4000"' not in page and 'maxlength="20000"' not in page
    assert 'id="question-counter"' in page and "Enter sends" in page


def _run(owner, connection, status="ok", duration=1.0, **fields):
    return QueryRun.objects.create(
        owner=owner,
        connection=connection,
        connection_name=connection.name,
        question="q",
        sql=fields.pop("sql", "SELECT 1"),  # without SQL it was answered from the schema
        status=status,
        duration_ms=duration,
        **fields,
    )


def test_dashboard_figures_count_questions_per_database(
    alice, alice_client, chinook, backup, monkeypatch
):
    for ms in range(1, 21):
        _run(alice, chinook, duration=float(ms))
    for _ in range(4):
        _run(alice, chinook, status="error", duration=5000.0)
    # Not questions: correction rounds, refusals (another database's question), cached copies.
    _run(alice, chinook, status="error", final=False)
    _run(alice, chinook, status="invalid", final=False)
    _run(alice, chinook, status="refused")
    _run(alice, chinook, cached=True, duration=0.0)

    figures = history.figures_by_database(alice, [chinook, backup])
    assert figures[chinook.pk] == {
        "runs": 24,
        "error_rate": 4 / 24,
        "median_ms": 10.5,
        "p95_ms": 19.0,
        # Refusals are counted apart, not hidden (issue 14: "0% errors" while half refused).
        "questions": 25,
        "failed": 4,
        "refused": 1,
        "refused_rate": 1 / 25,
    }
    assert backup.pk not in figures

    # Each database over its own window: a busy one does not push a quiet one out.
    _run(alice, backup, duration=7.0)
    for _ in range(10):
        _run(alice, chinook, duration=100.0)
    monkeypatch.setattr(history, "FIGURES_WINDOW", 5)
    figures = history.figures_by_database(alice, [chinook, backup])
    assert figures[backup.pk]["runs"] == 1 and figures[backup.pk]["median_ms"] == 7.0
    assert figures[chinook.pk] == {
        "runs": 5,
        "error_rate": 0.0,
        "median_ms": 100.0,
        "p95_ms": 100.0,
        "questions": 5,
        "failed": 0,
        "refused": 0,
        "refused_rate": 0.0,
    }

    page = alice_client.get(reverse("dashboard")).content.decode()
    assert ">Questions</th>" in page and ">Failed</th>" in page and ">Refused</th>" in page


def test_another_users_runs_are_not_theirs_to_read(alice, bob, chinook):
    from django.http import Http404

    from chat import results

    session = sessions.create_session(alice, connections=[chinook])
    reply = conversation.ask(alice, session, "How many tracks are there?")
    run_id = reply.result["databases"][0]["run_id"]
    assert results.visible_run(alice, run_id).pk == run_id
    with pytest.raises(Http404):
        results.visible_run(bob, run_id)
    assert ChatMessage.objects.filter(session__owner=bob).count() == 0
