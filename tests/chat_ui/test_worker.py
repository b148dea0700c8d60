"""With REDIS_URL, asking queues the answer on commit; a real Celery worker over Redis runs
it, and the page's polling shows it done (286 stops the polling)."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from celery import Celery
from django.urls import reverse

from chat import conversation, sessions
from chat.models import ChatMessage, QueryRun
from schemas_app import services as schema_services
from tests.servers import CeleryWorker, needs_shared_system_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_answers_and_the_page_polls_until_done(
    alice, alice_client, make_connection, chinook_sqlite, redis_url, settings, monkeypatch, tmp_path
):
    needs_shared_system_database()
    connection = make_connection(chinook_sqlite.params, name="chinook")
    assert schema_services.extract_now(connection, with_profile=True).status == "succeeded"
    session = sessions.create_session(alice, connections=[connection])

    # This process's Celery app was configured at import (eager, in-memory broker): queue
    # through a separate producer on Redis instead, onto a queue only our worker reads.
    worker = CeleryWorker(redis_url, tmp_path)
    # Not the current app: later tests in this process must keep running tasks eagerly.
    producer = Celery(broker=redis_url, set_as_current=False)
    sent = []

    def delay(*args):
        sent.append(args)
        producer.send_task("chat.tasks.answer_message_task", args=list(args), queue=worker.queue)

    monkeypatch.setattr("chat.tasks.answer_message_task", SimpleNamespace(delay=delay))
    settings.REDIS_URL = redis_url

    polls = []
    with worker:
        # run_now is what the API passes; with a broker it must not answer in this process.
        reply = conversation.ask(alice, session, "How many tracks are there?", run_now=True)
        assert sent == [(reply.pk, False)], "the answer was not queued on commit"
        reply.refresh_from_db()
        assert reply.status in ("pending", "running")

        url = reverse("chat_message", args=[reply.pk])
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            response = alice_client.get(url, HTTP_HX_REQUEST="true")
            polls.append(response.status_code)
            if response.status_code == 286:
                break
            assert response.status_code == 200
            assert 'hx-trigger="every 700ms"' in response.content.decode()
            time.sleep(0.3)
    output = worker.output

    reply.refresh_from_db()
    assert polls[-1] == 286, (polls, reply.status, output[-2000:])
    assert reply.status == ChatMessage.Status.DONE, (reply.text, output[-2000:])
    body = response.content.decode()
    assert "3503" in body.replace(",", "") and "SELECT" in body
    assert "every 700ms" not in body  # the finished message no longer polls
    run = QueryRun.objects.get(message=reply, final=True)
    assert run.status == "ok" and run.row_count == 1
