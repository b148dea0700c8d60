"""/healthz and `manage.py check_health`: the system database, the broker (a real Redis, a dead
port), a real Celery worker answering a ping, the cache; 200 or 503; nothing secret."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.servers import CeleryWorker

from .conftest import DEAD_REDIS

pytestmark = pytest.mark.django_db


def test_healthz_without_a_broker_is_ok_and_needs_no_sign_in(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["status"] == "ok" and body["down"] == []
    assert body["checks"]["system_database"]["ok"]
    assert body["checks"]["system_database"]["latency_ms"] >= 0
    assert not body["checks"]["workers"]["required"]


def test_healthz_answers_plain_http_when_https_is_enforced(client, settings):
    """A load balancer probes over plain HTTP: /healthz is exempt from SECURE_SSL_REDIRECT,
    every other page still redirects to HTTPS."""
    import re

    from django.conf import settings as live

    assert any(re.match(pattern, "healthz") for pattern in live.SECURE_REDIRECT_EXEMPT)
    settings.REDIS_URL = ""
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    login = client.get("/login/")
    assert login.status_code == 301 and login["Location"].startswith("https://")
    assert client.get("/healthzz").status_code == 301  # the exemption is that path only


def test_healthz_names_a_dead_broker_and_says_503(client, settings):
    settings.REDIS_URL = DEAD_REDIS
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert set(body["down"]) == {"broker", "workers"}
    assert body["checks"]["system_database"]["ok"]
    assert "redis://" not in response.content.decode()
    assert settings.SECRET_KEY not in response.content.decode()


@pytest.mark.slow
def test_healthz_with_redis_up_needs_a_worker_answering(
    client, settings, redis_url, tmp_path, transactional_db
):
    settings.REDIS_URL = redis_url
    # (other test runs may have workers on this Redis; the one started here answers anyway)
    with CeleryWorker(redis_url, tmp_path):
        deadline = __import__("time").monotonic() + 30
        while True:
            response = client.get("/healthz")
            if response.status_code == 200 or __import__("time").monotonic() > deadline:
                break
    body = response.json()
    assert response.status_code == 200, body
    assert body["checks"]["broker"]["ok"] and body["checks"]["workers"]["ok"]
    assert body["checks"]["workers"]["latency_ms"] < 1500


def test_check_health_exits_non_zero_when_something_required_is_down(settings, capsys):
    settings.REDIS_URL = ""
    call_command("check_health")
    assert "status: ok" in capsys.readouterr().out
    settings.REDIS_URL = DEAD_REDIS
    with pytest.raises(SystemExit) as exited:
        call_command("check_health", "--json")
    assert exited.value.code == 1
    assert '"down"' in capsys.readouterr().out
