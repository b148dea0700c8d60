"""Health for operators: /healthz (no sign-in, no secrets) and `manage.py check_health`.

Checks the system database, the broker, at least one Celery worker answering a ping and the
cache, each with its latency. Without REDIS_URL there is no broker, worker or shared cache
(tasks run in the web process): those checks say so and are not required. The answer is 200
when everything required is up, else 503, and names what is down; never a URL or password.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection as db_connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

PING_TIMEOUT_SECONDS = 1.5


@dataclass
class Check:
    name: str
    ok: bool
    required: bool
    latency_ms: float | None
    detail: str


def _timed(name: str, required: bool, probe) -> Check:
    started = time.monotonic()
    try:
        detail = probe()
        ok = True
    except Exception as error:  # the type and a short reason only: messages may hold hosts
        ok, detail = False, f"{type(error).__name__}: {_short(error)}"
    latency = round((time.monotonic() - started) * 1000, 1)
    return Check(name, ok, required, latency, detail)


def _short(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    if "@" in text or "://" in text:  # a URL with credentials must never be shown
        return "unavailable"
    return text[:160]


def _system_database() -> str:
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return db_connection.vendor


def _redis():
    import redis

    return redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=settings.BROKER_RETRY_SECONDS,
        socket_timeout=settings.BROKER_RETRY_SECONDS,
    )


def _broker() -> str:
    client = _redis()
    try:
        client.ping()
    finally:
        client.close()
    return "redis answers"


def _workers() -> str:
    from celery import Celery

    # A bare app on REDIS_URL as configured now (the project's app binds its broker at
    # import); pings go over the pidbox every worker on that Redis listens to.
    app = Celery(
        "datachat-health",
        broker=settings.REDIS_URL,
        set_as_current=False,
        config_source={
            "broker_connection_timeout": settings.CELERY_BROKER_CONNECTION_TIMEOUT,
            "broker_transport_options": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        },
    )
    try:
        replies = app.control.ping(timeout=PING_TIMEOUT_SECONDS, limit=1)
    finally:
        app.close()
    if not replies:
        raise RuntimeError(f"no worker answered a ping within {PING_TIMEOUT_SECONDS:g} s")
    return f"{len(replies)} worker answered" if len(replies) == 1 else f"{len(replies)} answered"


def _cache() -> str:
    from django.core.cache import cache

    if settings.REDIS_URL:  # the resilient cache hides errors from pages; ask Redis itself
        _broker()
        return "redis cache answers"
    cache.set("healthz", 1, 5)
    return "local memory"


def run_checks() -> list[Check]:
    checks = [_timed("system_database", True, _system_database)]
    if settings.REDIS_URL:
        broker = _timed("broker", True, _broker)
        checks.append(broker)
        if broker.ok:
            checks.append(_timed("workers", True, _workers))
        else:
            checks.append(Check("workers", False, True, None, "not pinged: the broker is down"))
        checks.append(_timed("cache", False, _cache))
    else:
        eager = "no broker (REDIS_URL unset): tasks run in the web process"
        checks.append(Check("broker", True, False, None, eager))
        checks.append(Check("workers", True, False, None, eager))
        checks.append(_timed("cache", False, _cache))
    return checks


def report() -> dict:
    checks = run_checks()
    down = [c.name for c in checks if c.required and not c.ok]
    degraded = [c.name for c in checks if not c.required and not c.ok]
    return {
        "status": "down" if down else ("degraded" if degraded else "ok"),
        "down": down,
        "degraded": degraded,
        "checks": {c.name: {k: v for k, v in asdict(c).items() if k != "name"} for c in checks},
    }


@never_cache
@require_GET
def healthz(request):
    body = report()
    return JsonResponse(body, status=503 if body["down"] else 200)
