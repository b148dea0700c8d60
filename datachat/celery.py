"""Celery app. Without REDIS_URL the settings make every task run eagerly in-process."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")

app = Celery("datachat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _end_answers_of_dead_runners(**kwargs) -> None:
    """A worker restarted mid-answer left its message running: end it now, not on a poll."""
    from chat.liveness import sweep_at_start

    sweep_at_start()
