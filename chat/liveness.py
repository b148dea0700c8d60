"""Liveness of answers: who claimed a message, a heartbeat while it runs, and the sweep that
ends the ones nobody will finish.

- A runner (a Celery worker, or the web process answering in its own request without a
  broker) claims a pending message with a conditional UPDATE that records `claimed_by`
  (host:pid) and `heartbeat_at`, then beats every CHAT_HEARTBEAT_SECONDS from a thread.
- `sweep` (run whenever a message's status is read, and when a web process or a worker
  starts) marks a running message whose heartbeat is older than CHAT_HEARTBEAT_TIMEOUT_SECONDS
  interrupted, says "waiting for a worker" on a pending one after CHAT_WAITING_SECONDS, and
  ends one that nobody claimed within CHAT_QUEUE_TIMEOUT_SECONDS.
- `sweep_at_start` also ends at once the messages claimed on this host by a process that no
  longer exists (a web process or a worker restarted mid-answer).

The question and the rest of the history always stay; "Run again" asks it anew.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connection as db_connection
from django.utils import timezone

from .models import ChatMessage

logger = logging.getLogger(__name__)

WAITING = "waiting for a worker"
RUNNER_DIED = (
    "The answer was interrupted: whatever was answering it (a worker or a web process) "
    "stopped. Your question is kept; use Run again."
)
NEVER_CLAIMED = (
    "The answer was interrupted: no worker picked it up within {limit:g} s (is a Celery "
    "worker running?). Your question is kept; use Run again."
)
TOO_LONG = (
    "The answer was interrupted (it did not finish within {limit:g} s: the worker or the "
    "request answering it stopped). Please ask again."
)

Status = ChatMessage.Status


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Heartbeat:
    """While the block runs, a thread refreshes the message's heartbeat (first beat after
    one interval: short answers never touch the database from the thread)."""

    def __init__(self, message_id: int, runner: str):
        self.message_id, self.runner = message_id, runner
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"heartbeat-{message_id}", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        interval = settings.CHAT_HEARTBEAT_SECONDS
        try:
            while not self._stop.wait(interval):
                try:
                    alive = ChatMessage.objects.filter(
                        pk=self.message_id, status=Status.RUNNING, claimed_by=self.runner
                    ).update(heartbeat_at=timezone.now())
                except Exception:  # the system database blinked: try again next beat
                    logger.warning("Heartbeat of message %s failed", self.message_id)
                    continue
                if not alive:
                    return  # finished, or swept as interrupted
        finally:
            db_connection.close()


def sweep(messages=None) -> int:
    """End or annotate the given assistant messages (all when None); returns rows changed."""
    if messages is None:
        messages = ChatMessage.objects.filter(role=ChatMessage.Role.ASSISTANT)
    now = timezone.now()
    beat_limit = now - timedelta(seconds=settings.CHAT_HEARTBEAT_TIMEOUT_SECONDS)
    queue_limit = settings.CHAT_QUEUE_TIMEOUT_SECONDS
    stale_limit = settings.CHAT_ANSWER_STALE_SECONDS
    changed = 0
    # A runner that stopped beating died (or lost the system database for good).
    changed += messages.filter(status=Status.RUNNING, heartbeat_at__lt=beat_limit).update(
        status=Status.FAILED, phase="failed", text=RUNNER_DIED
    )
    # Rows from before heartbeats (or claimed by code that does not beat).
    changed += messages.filter(
        status=Status.RUNNING, heartbeat_at__isnull=True, created_at__lt=beat_limit
    ).update(status=Status.FAILED, phase="failed", text=RUNNER_DIED)
    # Nobody claimed it: no worker is reading the queue.
    changed += messages.filter(
        status=Status.PENDING, created_at__lt=now - timedelta(seconds=queue_limit)
    ).update(status=Status.FAILED, phase="failed", text=NEVER_CLAIMED.format(limit=queue_limit))
    # Alive but past any sane limit (its time limits should have ended it first).
    changed += messages.filter(
        status=Status.RUNNING, created_at__lt=now - timedelta(seconds=stale_limit)
    ).update(status=Status.FAILED, phase="failed", text=TOO_LONG.format(limit=stale_limit))
    changed += (
        messages.filter(
            status=Status.PENDING,
            created_at__lt=now - timedelta(seconds=settings.CHAT_WAITING_SECONDS),
        )
        .exclude(phase=WAITING)
        .update(phase=WAITING)
    )
    return changed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped: its parent died first) answers kill(0) too
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def sweep_at_start() -> int:
    """At a web process's or a worker's start: what died with an earlier process on this
    host ends now, the rest by the usual rules. Never stops the start-up."""
    try:
        host = socket.gethostname()
        dead = []
        running = ChatMessage.objects.filter(
            status=Status.RUNNING, claimed_by__startswith=f"{host}:"
        ).values_list("pk", "claimed_by")
        for pk, claimed_by in running:
            pid = claimed_by.rpartition(":")[2]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                dead.append(pk)
        ended = ChatMessage.objects.filter(pk__in=dead, status=Status.RUNNING).update(
            status=Status.FAILED, phase="failed", text=RUNNER_DIED
        )
        ended += sweep()
        if ended:
            logger.info("Start-up sweep ended or updated %s unfinished answers", ended)
        return ended
    except Exception:  # no migrations yet, database down: the start must not fail on this
        logger.warning("Start-up sweep of unfinished answers skipped", exc_info=True)
        return 0
    finally:
        db_connection.close()
