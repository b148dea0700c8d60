"""One JSON line per answer on the `datachat.answers` logger, for log shippers."""

from __future__ import annotations

import json
import logging

import pytest

from chat import conversation, sessions
from schemas_app import services as schema_services

pytestmark = pytest.mark.django_db


def test_every_answer_logs_one_json_line(alice, make_connection, chinook_sqlite, caplog):
    connection = make_connection(chinook_sqlite.params, name="chinook")
    assert schema_services.extract_now(connection).status == "succeeded"
    session = sessions.create_session(alice, connections=[connection])
    with caplog.at_level(logging.INFO, logger="datachat.answers"):
        reply = conversation.ask(alice, session, "How many tracks are there?")
    lines = [r.getMessage() for r in caplog.records if r.name == "datachat.answers"]
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["event"] == "answer" and record["message_id"] == reply.pk
    assert record["session_id"] == session.pk and record["databases"] == ["chinook"]
    assert record["status"] == "done" and record["engine"] == ["builtin"]
    assert record["timings_ms"]["total"] > 0 and record["timings_ms"]["queued"] >= 0
    assert "chinook" in record["timings_ms"]["databases"]
    assert record["runner"]


def test_the_beat_sweep_ends_dead_runners_without_a_poll(alice, settings):
    from datetime import timedelta

    from django.utils import timezone

    from chat.models import ChatMessage
    from chat.tasks import sweep_unfinished_answers

    settings.CHAT_HEARTBEAT_TIMEOUT_SECONDS = 30
    session = sessions.create_session(alice, connections=[])
    dead = ChatMessage.objects.create(
        session=session,
        role="assistant",
        question="q",
        status="running",
        claimed_by="elsewhere:1",
        heartbeat_at=timezone.now() - timedelta(seconds=31),
    )
    alive = ChatMessage.objects.create(
        session=session,
        role="assistant",
        question="q",
        status="running",
        claimed_by="elsewhere:2",
        heartbeat_at=timezone.now(),
    )
    assert sweep_unfinished_answers.delay().get() >= 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == "failed" and "interrupted" in dead.text
    assert alive.status == "running"
