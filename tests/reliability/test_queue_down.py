"""REDIS_URL pointing at a dead port (nothing listens): asking, extracting and profiling
answer in seconds without a 5xx, and each job ends failed saying the task queue is
unavailable. The cache on the same Redis degrades to misses. Real gunicorn, real sockets."""

from __future__ import annotations

import time

import pytest

from api.models import ApiToken
from chat import sessions
from chat.models import ChatMessage
from datachat.cache import ResilientRedisCache
from schemas_app import services as schema_services
from schemas_app.models import SchemaSnapshot

from .conftest import DEAD_REDIS, WebProcess, signed_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUEUE_DOWN = "the task queue is unavailable"


@pytest.fixture
def chinook(shared_db, make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="chinook")
    assert schema_services.extract_now(connection).status == "succeeded"
    return connection


def test_asking_with_the_broker_down_ends_failed_in_seconds(
    shared_db, alice, admin_user, chinook, tmp_path
):
    session = sessions.create_session(alice, connections=[chinook])
    token = ApiToken.issue(alice, "tests")[1]
    admin_token = ApiToken.issue(admin_user, "tests")[1]
    with WebProcess(tmp_path, REDIS_URL=DEAD_REDIS) as web:
        page = signed_in(web, "alice", "alice-pass-123")

        # The API: 200 with the message failed, saying why.
        started = time.monotonic()
        response = page.post(
            "/api/v1/chat",
            json={"message": "How many tracks are there?", "target_database": str(chinook.pk)},
            headers={"Authorization": f"Bearer {token}"},
        )
        elapsed = time.monotonic() - started
        assert response.status_code == 200, response.text
        message = response.json()["message"]
        assert message["status"] == "failed" and QUEUE_DOWN in message["text"], message
        assert elapsed < 10, elapsed

        # The page (HTMX): the question and the failed answer come back at once.
        started = time.monotonic()
        response = page.post(
            f"/chat/{session.pk}/ask/",
            data={"question": "How many albums are there?"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200, response.text[:3000]
        assert QUEUE_DOWN in response.text and "every 700ms" not in response.text
        assert time.monotonic() - started < 10
        # Without JavaScript: a redirect to the chat, which shows the failure.
        response = page.post(f"/chat/{session.pk}/ask/", data={"question": "How many artists?"})
        assert response.status_code == 302
        assert QUEUE_DOWN in page.get(f"/chat/{session.pk}/").text

        # Run again on a failed answer is asked again (and fails the same way, honestly).
        failed = ChatMessage.objects.filter(session=session, role="assistant").first()
        response = page.post(f"/messages/{failed.pk}/again/", headers={"HX-Request": "true"})
        assert response.status_code == 200 and QUEUE_DOWN in response.text

        # Extraction and profiling (staff): the job ends failed, the request answers.
        admin = {"Authorization": f"Bearer {admin_token}"}
        started = time.monotonic()
        response = page.post(f"/api/v1/databases/{chinook.pk}/extract-schema", headers=admin)
        assert response.status_code < 500, response.text
        assert time.monotonic() - started < 10
        snapshot = SchemaSnapshot.objects.order_by("-pk").first()
        assert snapshot.status == "failed" and QUEUE_DOWN in snapshot.error
        good = schema_services.latest_snapshot(chinook)
        admin_page = signed_in(web, "admin", "admin-pass-123")
        response = admin_page.post(f"/databases/{chinook.pk}/schema/profile/")
        assert response.status_code < 500, response.text[:2000]
        good.refresh_from_db()
        assert good.profile_status == "failed" and good.profile_error == QUEUE_DOWN

        # Pages that read the cache still work.
        assert page.get(f"/chat/{session.pk}/").status_code == 200
    assert " 500 " not in web.output and "Traceback" not in web.output, web.output[-3000:]
    statuses = set(
        ChatMessage.objects.filter(session__owner=alice, role="assistant").values_list(
            "status", flat=True
        )
    )
    assert statuses == {"failed"}  # nothing left pending


def test_the_cache_on_a_dead_redis_reads_as_misses_quickly():
    cache = ResilientRedisCache(
        DEAD_REDIS, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )
    started = time.monotonic()
    assert cache.get("k", "default") == "default"
    cache.set("k", "v")
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("k", 1) is False
    assert cache.delete("k") is False
    assert time.monotonic() - started < 5
