"""The one way to queue a Celery task: after the transaction commits, failing fast.

With REDIS_URL the task is published when the transaction commits; the broker's connect and
publish retries are bounded in settings (a few seconds), and when publishing fails anyway the
caller's `on_failure` records it on the job's row (the job ends failed, saying the task queue
is unavailable) and the request carries on: no 5xx, nothing left pending forever. Without
REDIS_URL Celery runs the task eagerly in this process (CELERY_TASK_ALWAYS_EAGER).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

QUEUE_UNAVAILABLE = "the task queue is unavailable"


def enqueue_on_commit(task, *args, on_failure: Callable[[Exception], None]) -> None:
    """Queue `task(*args)` once the current transaction commits (at once outside one)."""

    def publish() -> None:
        if not settings.REDIS_URL:
            task.delay(*args)  # eager: the task's own errors are its own, not the queue's
            return
        try:
            task.delay(*args)
        except Exception as error:  # kombu OperationalError, redis errors, OSError, timeouts
            logger.error(
                "Could not queue %s%r: %s: %s", task.name, args, type(error).__name__, error
            )
            on_failure(error)

    transaction.on_commit(publish)
