"""Liveness of answers with real processes: a question no worker reads says "waiting for a
worker" and then ends; a Celery worker killed (SIGKILL) mid-answer leaves a message whose
heartbeat stops, marked interrupted on the next poll within seconds, or at once when a worker
starts; "Run again" answers it."""

from __future__ import annotations

import contextlib
import os
import signal
import time

import httpx
import pytest
import redis
from celery import Celery
from django.urls import reverse

from api.models import ApiToken
from chat import conversation, sessions
from chat.models import ChatMessage
from schemas_app import services as schema_services
from tests.chat.fake_llm import FakeLLM
from tests.servers import CeleryWorker

from .conftest import WebProcess

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUESTION = "How many tracks are there?"
COUNT = {"sql": "SELECT COUNT(*) AS tracks FROM Track", "explanation": "There are 3503 tracks."}


@pytest.fixture
def chinook(shared_db, make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="chinook")
    assert schema_services.extract_now(connection).status == "succeeded"
    return connection


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_question_no_worker_reads_says_waiting_then_ends(
    shared_db, alice, chinook, redis_url, tmp_path
):
    queue = f"nobody-{time.monotonic_ns()}"
    token = ApiToken.issue(alice, "tests")[1]
    env = {
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": queue,
        "CHAT_WAITING_SECONDS": "1",
        "CHAT_QUEUE_TIMEOUT_SECONDS": "6",
    }
    try:
        with WebProcess(tmp_path, **env) as web:
            api = httpx.Client(
                base_url=f"{web.url}/api/v1",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            reply = api.post(
                "/chat", json={"message": QUESTION, "target_database": str(chinook.pk)}
            ).json()["message"]
            assert reply["status"] == "pending" and reply["phase"] == "choosing tables"
            time.sleep(1.5)
            task = api.get(f"/tasks/answer-{reply['id']}").json()
            assert task["status"] == "pending" and task["phase"] == "waiting for a worker"
            message = api.get(f"/messages/{reply['id']}").json()
            assert message["phase"] == "waiting for a worker"
            ended = wait_for(
                lambda: (t := api.get(f"/tasks/answer-{reply['id']}").json())["finished"] and t,
                15,
                "the unclaimed question to end",
            )
            assert ended["status"] == "failed"
            assert "no worker picked it up within 6 s" in ended["error"]
    finally:
        redis.Redis.from_url(redis_url).delete(queue)


def test_the_page_says_waiting_for_a_worker(alice_client, alice, chinook, settings):
    settings.CHAT_WAITING_SECONDS = 0
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"  # a worker answers: the page only polls
    session = sessions.create_session(alice, connections=[chinook])
    reply = ChatMessage.objects.create(
        session=session, role="assistant", question=QUESTION, status="pending", databases=["c"]
    )
    body = alice_client.get(reverse("chat_message", args=[reply.pk]), HTTP_HX_REQUEST="true")
    assert body.status_code == 200 and "Waiting for a worker" in body.content.decode()


def _start_answer(worker, message_id, redis_url):
    # Not the current app: shared tasks run later in this process (eagerly, as the settings
    # say) would otherwise be published to this bare app's broker and never run.
    Celery(broker=redis_url, set_as_current=False).send_task(
        "chat.tasks.answer_message_task", args=[message_id, False], queue=worker.queue
    )


def test_a_worker_killed_mid_answer_is_interrupted_and_run_again_answers(
    alice, alice_client, chinook, redis_url, settings, tmp_path
):
    llm = FakeLLM().start()
    llm_env = {
        "LLM_MODEL": "openai/fake-model",
        "LLM_API_BASE": llm.api_base,
        "LLM_API_KEY": "sk-fake",
        "LLM_TIMEOUT": "60",
        "CHAT_HEARTBEAT_SECONDS": "1",
        # Only the start-up rule (a dead pid on this host) may end answers in workers here.
        "CHAT_HEARTBEAT_TIMEOUT_SECONDS": "600",
    }
    settings.REDIS_URL = ""  # questions stay pending for the test to queue them itself
    session = sessions.create_session(alice, connections=[chinook])
    try:
        # 1. Killed, nothing restarts: the page's next poll after the heartbeat timeout ends it.
        llm.reply(COUNT, delay=120)  # the model "thinks" far longer than the test waits
        first = conversation.ask(alice, session, QUESTION, run_now=False)
        worker = CeleryWorker(redis_url, tmp_path, **llm_env).__enter__()
        _start_answer(worker, first.pk, redis_url)
        running = wait_for(
            lambda: ChatMessage.objects.filter(pk=first.pk, status="running").first(),
            30,
            "the worker to claim the answer",
        )
        assert running.claimed_by.endswith(f":{worker._process.pid}"), running.claimed_by
        # A cold process imports the LLM client first: slow on a busy machine.
        wait_for(lambda: llm.requests, 90, "the model to be asked")
        beat = running.heartbeat_at
        wait_for(
            lambda: ChatMessage.objects.get(pk=first.pk).heartbeat_at > beat, 10, "a heartbeat"
        )
        worker._process.kill()  # SIGKILL: no handler, no clean-up
        worker.__exit__(None, None, None)
        killed_at = time.monotonic()

        settings.REDIS_URL = "redis://127.0.0.1:6379/15"  # the page only polls
        settings.CHAT_HEARTBEAT_TIMEOUT_SECONDS = 3
        url = reverse("chat_message", args=[first.pk])
        response = wait_for(
            lambda: (r := alice_client.get(url, HTTP_HX_REQUEST="true")).status_code == 286 and r,
            15,
            "the page to see the answer end",
        )
        assert time.monotonic() - killed_at < 10
        assert "The answer was interrupted" in response.content.decode()
        assert "Run again" in response.content.decode()

        # 2. Killed, then a worker starts: it ends the dead worker's answer at once.
        settings.REDIS_URL = ""
        settings.CHAT_HEARTBEAT_TIMEOUT_SECONDS = 600
        llm.reply(COUNT, delay=120)
        second = conversation.ask(alice, session, "How many albums are there?", run_now=False)
        worker = CeleryWorker(redis_url, tmp_path, **llm_env).__enter__()
        _start_answer(worker, second.pk, redis_url)
        wait_for(
            lambda: ChatMessage.objects.filter(pk=second.pk, status="running").exists(),
            30,
            "the second claim",
        )
        worker._process.kill()
        worker.__exit__(None, None, None)
        with CeleryWorker(redis_url, tmp_path, **llm_env):
            ended = wait_for(
                lambda: ChatMessage.objects.filter(pk=second.pk, status="failed").first(),
                30,
                "the starting worker to sweep",
            )
        assert "interrupted" in ended.text

        # 3. Run again on the interrupted answer (answered in the request, no broker).
        llm.reply(COUNT)
        response = alice_client.post(reverse("chat_message_again", args=[first.pk]))
        assert response.status_code == 302
        latest = session.messages.filter(role="assistant").last()
        assert latest.question == QUESTION and latest.status == "done", latest.text
    finally:
        llm.stop()


def test_a_web_process_stopped_mid_answer_is_ended_when_the_next_one_starts(
    alice, chinook, tmp_path
):
    """Without a broker the web process answers in its own request; stopped (SIGTERM) while
    the model thinks, the next web process to start ends that answer at once."""
    import threading

    llm = FakeLLM().start()
    llm.reply(COUNT, delay=120)
    token = ApiToken.issue(alice, "tests")[1]
    env = {
        "LLM_MODEL": "openai/fake-model",
        "LLM_API_BASE": llm.api_base,
        "LLM_API_KEY": "sk-fake",
        "LLM_TIMEOUT": "60",
        "CHAT_HEARTBEAT_TIMEOUT_SECONDS": "600",  # only the start-up rule may end it here
    }
    try:
        web = WebProcess(tmp_path, **env).start()

        def ask():
            try:
                httpx.post(
                    f"{web.url}/api/v1/chat",
                    json={"message": QUESTION, "target_database": str(chinook.pk)},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60,
                )
            except httpx.HTTPError:
                pass  # the server goes away under this request: that is the test

        asking = threading.Thread(target=ask, daemon=True)
        asking.start()
        message = wait_for(
            lambda: ChatMessage.objects.filter(role="assistant", status="running").first(),
            30,
            "the web process to claim the answer",
        )
        # A cold process imports the LLM client first: slow on a busy machine.
        wait_for(lambda: llm.requests, 90, "the model to be asked")
        web.stop()  # SIGTERM to gunicorn
        # Its worker process may linger, waiting for the answer's threads (the model call);
        # `docker stop` / systemd SIGKILL whatever is left after their grace period.
        pid = int(message.claimed_by.rpartition(":")[2])
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        message.refresh_from_db()
        assert message.status == "running"  # nothing in the stopped process could end it
        with WebProcess(tmp_path, **env) as again:
            message.refresh_from_db()
            assert message.status == "failed" and "interrupted" in message.text, (
                message.claimed_by,
                again._log.read_text()[-3000:],
            )
    finally:
        llm.stop()
