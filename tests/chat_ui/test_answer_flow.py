"""How the page gets its answer: in the request without a broker, by polling only with one;
stale messages end as interrupted; the steps shown are the ones the conversation reports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from chat import conversation, sessions
from chat.models import ChatMessage, answer_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(alice, chinook):
    return sessions.create_session(alice, connections=[chinook])


def ask(client, session, question="How many tracks are there?"):
    response = client.post(
        reverse("chat_ask", args=[session.pk]), {"question": question}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200, response.content
    return response, session.messages.filter(role="assistant").last()


def test_without_a_broker_the_pending_answer_asks_for_its_run(alice_client, session, settings):
    settings.REDIS_URL = ""
    response, reply = ask(alice_client, session)
    body = response.content.decode()
    assert reverse("chat_message_run", args=[reply.pk]) in body and 'hx-trigger="load"' in body
    alice_client.post(reverse("chat_message_run", args=[reply.pk]), HTTP_HX_REQUEST="true")
    reply.refresh_from_db()
    assert reply.status == "done"


def test_with_a_broker_the_page_only_polls_and_run_does_nothing(alice_client, session, settings):
    # No worker in this test: the task is queued on commit, which this test never reaches.
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    response, reply = ask(alice_client, session)
    for body in (
        response.content.decode(),
        alice_client.get(
            reverse("chat_message", args=[reply.pk]), HTTP_HX_REQUEST="true"
        ).content.decode(),
        alice_client.get(reverse("chat_session", args=[session.pk])).content.decode(),
    ):
        assert "/run/" not in body
        assert f'hx-get="{reverse("chat_message", args=[reply.pk])}"' in body
        assert 'hx-trigger="every 700ms"' in body
    # An old page (or a crafted request) posting /run/ does not answer in the web process.
    ran = alice_client.post(reverse("chat_message_run", args=[reply.pk]), HTTP_HX_REQUEST="true")
    assert ran.status_code == 200 and "every 700ms" in ran.content.decode()
    reply.refresh_from_db()
    assert reply.status == "pending"
    # Nor does asking without JavaScript.
    alice_client.post(reverse("chat_ask", args=[session.pk]), {"question": "How many albums?"})
    assert session.messages.filter(role="assistant").last().status == "pending"


@pytest.mark.parametrize("status", ["pending", "running"])
def test_a_stale_answer_is_marked_interrupted_on_the_next_poll(
    alice_client, session, settings, status
):
    settings.CHAT_ANSWER_STALE_SECONDS = 300
    ChatMessage.objects.create(session=session, role="user", text="How many tracks?")
    reply = ChatMessage.objects.create(
        session=session, role="assistant", question="How many tracks?", status=status
    )
    url = reverse("chat_message", args=[reply.pk])
    assert alice_client.get(url, HTTP_HX_REQUEST="true").status_code == 200  # still young
    ChatMessage.objects.filter(pk=reply.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=301)
    )
    response = alice_client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 286  # polling stops
    assert "The answer was interrupted" in response.content.decode()
    reply.refresh_from_db()
    assert reply.status == "failed" and "interrupted" in reply.text
    assert session.messages.filter(role="user", text="How many tracks?").exists()
    # A worker that comes back later does not overwrite what the page already showed.
    conversation.run_answer(reply.pk)
    reply.refresh_from_db()
    assert reply.status == "failed" and "interrupted" in reply.text


def test_the_session_page_ends_stale_answers_too(alice_client, session, settings):
    settings.CHAT_ANSWER_STALE_SECONDS = 60
    reply = ChatMessage.objects.create(
        session=session, role="assistant", question="q", status="running"
    )
    ChatMessage.objects.filter(pk=reply.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=1)
    )
    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert "The answer was interrupted" in page and "every 700ms" not in page


@pytest.mark.parametrize("llm,count", [("", 1), ("", 2), ("openai/fake", 1), ("openai/fake", 2)])
def test_exactly_one_step_is_active_in_every_phase(settings, llm, count):
    settings.LLM_MODEL = llm
    plan = answer_plan(count)
    assert plan[0] == "choosing tables" and plan[-1] == "done"
    assert any("writing SQL" in step for step in plan)
    assert any(f"running on {count} database" in step for step in plan)
    for current, phase in enumerate(plan):
        message = ChatMessage(databases=["a", "b"][:count], phase=phase, status="running")
        states = [state for _, state in message.steps]
        assert states.count("active") == 1, (phase, message.steps)
        assert states == ["done"] * current + ["active"] + [""] * (len(plan) - current - 1)


def test_the_conversation_reports_each_phase_as_it_happens(alice, session, monkeypatch):
    seen = []
    real = conversation._set_phase

    def record(message_id, phase):
        seen.append(phase)
        real(message_id, phase)

    monkeypatch.setattr(conversation, "_set_phase", record)
    reply = conversation.ask(alice, session, "How many tracks are there?")
    assert reply.phase == "done" and reply.status == "done"
    assert seen == ["writing SQL and running on 1 database"]
    # The pending reply starts on the first step, and the page shows it so.
    pending = ChatMessage(databases=["chinook"], phase=answer_plan(1)[0], status="pending")
    assert pending.steps[0] == ("choosing tables", "active")
