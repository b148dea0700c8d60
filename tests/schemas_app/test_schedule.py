"""Periodic refresh: Celery beat's refresh_due_schemas queues what is due, and only that."""

from datetime import timedelta

import pytest
from django.utils import timezone

from schemas_app.models import ExtractionSchedule, SchemaSnapshot
from schemas_app.tasks import refresh_due_schemas

pytestmark = pytest.mark.django_db


def test_due_connections_are_extracted_and_fresh_ones_skipped(
    make_connection, chinook_sqlite, django_capture_on_commit_callbacks
):
    due = make_connection(chinook_sqlite.params, name="due")
    fresh = make_connection(chinook_sqlite.params, name="fresh")
    never = make_connection(chinook_sqlite.params, name="no-schedule")
    ExtractionSchedule.objects.create(connection=due, interval_minutes=60)
    ExtractionSchedule.objects.create(connection=fresh, interval_minutes=60)
    old = SchemaSnapshot.objects.create(connection=due, status="succeeded")
    SchemaSnapshot.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    SchemaSnapshot.objects.create(connection=fresh, status="succeeded")

    with django_capture_on_commit_callbacks(execute=True):
        queued = refresh_due_schemas()

    assert queued == 1
    assert due.snapshots.filter(status="succeeded").count() == 2  # ran eagerly
    assert fresh.snapshots.count() == 1
    assert not never.snapshots.exists()


def test_interval_zero_and_inactive_are_skipped(make_connection, chinook_sqlite):
    off = make_connection(chinook_sqlite.params, name="off")
    inactive = make_connection(chinook_sqlite.params, name="inactive", is_active=False)
    ExtractionSchedule.objects.create(connection=off, interval_minutes=0)
    ExtractionSchedule.objects.create(connection=inactive, interval_minutes=5)
    assert refresh_due_schemas() == 0
    assert not SchemaSnapshot.objects.exists()
