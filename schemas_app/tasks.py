"""Thin Celery tasks: claim the row, call the service, retry transient faults with backoff."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from connections.dialects import ConnectorError
from connections.models import Connection

from . import services
from .models import ExtractionSchedule


@shared_task(
    bind=True,
    max_retries=3,
    soft_time_limit=settings.SCHEMA_EXTRACTION_TIME_LIMIT,
    time_limit=settings.SCHEMA_EXTRACTION_TIME_LIMIT + 30,
)
def extract_schema_task(self, snapshot_id: int) -> None:
    if not services.claim(snapshot_id):
        return  # another worker has it, or it is finished
    eager = self.request.is_eager
    try:
        snapshot = services.run_extraction(snapshot_id, retry_transient=not eager)
        if snapshot.profile_status == "pending":
            services.request_profiling(snapshot)
    except ConnectorError as exc:
        if self.request.retries >= self.max_retries:
            services.fail(snapshot_id, exc.user_message)
            return
        backoff = settings.SCHEMA_RETRY_BACKOFF_SECONDS * 2**self.request.retries
        raise self.retry(exc=exc, countdown=backoff) from None


@shared_task(
    soft_time_limit=settings.PROFILE_BUDGET_SECONDS + 60,
    time_limit=settings.PROFILE_BUDGET_SECONDS + 90,
)
def profile_snapshot_task(snapshot_id: int) -> None:
    services.run_profiling(snapshot_id)


@shared_task
def refresh_due_schemas() -> int:
    """Celery beat entry: queue an extraction for every connection whose interval has passed."""
    queued = 0
    now = timezone.now()
    for schedule in ExtractionSchedule.objects.filter(interval_minutes__gt=0).select_related(
        "connection"
    ):
        connection: Connection = schedule.connection
        if not connection.is_active:
            continue
        last = connection.snapshots.order_by("-created_at").first()
        if last and (now - last.created_at).total_seconds() < schedule.interval_minutes * 60:
            continue
        _, created = services.request_extraction(connection, with_profile=schedule.with_profile)
        queued += created
    return queued
