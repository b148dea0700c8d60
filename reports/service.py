"""Saving reports (pages, API, chat) and starting their runs (run now, beat)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from connections.models import Connection, ConnectionGroup
from connections.services import visible_connections
from datachat.queueing import QUEUE_UNAVAILABLE, enqueue_on_commit
from datachat.textinput import refuse_control_characters

from . import schedule
from .models import Report, ReportRun

logger = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 2000
MAX_CHARS = {"name": 200, "question": MAX_QUESTION_CHARS, "schedule": 100}


class ReportError(ValueError):
    """Bad input for a report; the message names the field."""


def visible_reports(user):
    """Staff see every report, others their own."""
    reports = Report.objects.select_related("owner", "group")
    return reports if user.is_staff else reports.filter(owner=user)


def get_report(user, report_id) -> Report:
    try:
        return visible_reports(user).get(pk=int(report_id))
    except (Report.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404("No such report.") from exc


def _databases(user, ids) -> list[Connection]:
    ids = list(dict.fromkeys(str(i) for i in ids))
    try:
        found = {str(c.pk): c for c in visible_connections(user).filter(pk__in=ids)}
    except ValidationError:
        raise ReportError("database_ids: not all are database ids.") from None
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise ReportError(f"database_ids: no database with id {', '.join(unknown)}.")
    return [found[i] for i in ids]


def _group(group_id) -> ConnectionGroup | None:
    if group_id in (None, ""):
        return None
    try:
        return ConnectionGroup.objects.get(pk=int(group_id))
    except (ConnectionGroup.DoesNotExist, ValueError, TypeError, OverflowError):
        raise ReportError(f"group_id: no group with id {group_id}.") from None


def save_report(user, report: Report | None, **fields) -> Report:
    """Create (report None) or change a report; every check runs before anything is saved.
    Fields: name, question, schedule, is_active, email_owner, database_ids, group_id."""
    report = report or Report(owner=user)
    for field in ("name", "question", "schedule"):
        if field in fields:
            value = (fields[field] or "").strip()
            if not value:
                raise ReportError(f"{field}: must not be empty.")
            if len(value) > MAX_CHARS[field]:
                raise ReportError(f"{field}: at most {MAX_CHARS[field]} characters.")
            try:
                refuse_control_characters(field, value, multiline=field == "question")
            except ValueError as error:
                raise ReportError(str(error)) from None
            setattr(report, field, value)
    try:
        schedule.parse(report.schedule)
    except schedule.ScheduleError as error:
        raise ReportError(str(error)) from None
    for flag in ("is_active", "email_owner"):
        if flag in fields and fields[flag] is not None:
            setattr(report, flag, bool(fields[flag]))
    databases = None
    if fields.get("database_ids") is not None:
        databases = _databases(user, fields["database_ids"])
    if "group_id" in fields:
        report.group = _group(fields["group_id"])
    has_databases = (
        bool(databases) if databases is not None else bool(report.pk and report.databases.exists())
    )
    if report.group and has_databases:
        raise ReportError("Choose databases or a group, not both.")
    if not report.group and not has_databases:
        raise ReportError("database_ids: choose at least one database (or a group).")
    with transaction.atomic():
        if report.pk is None:
            # A new report's first slot is the first one after it was saved.
            report.last_scheduled_at = timezone.now()
        report.save()
        if databases is not None:
            report.databases.set(databases)
    return report


def check_owner(user, report: Report) -> None:
    if not (user.is_staff or report.owner_id == user.pk):
        raise PermissionDenied("Only the report's owner or staff can change it.")


def start_run(report: Report, *, trigger: str, scheduled_for=None, note: str = "") -> ReportRun:
    """Store a pending run and queue its task once the transaction commits."""
    from .tasks import run_report_task

    run = ReportRun.objects.create(
        report=report, trigger=trigger, scheduled_for=scheduled_for, note=note
    )

    def queue_failed(error: Exception) -> None:
        from .runner import fail

        fail(run.pk, f"Could not start the run: {QUEUE_UNAVAILABLE}.")

    enqueue_on_commit(run_report_task, run.pk, on_failure=queue_failed)
    return run


def enqueue_due(now=None) -> int:
    """Beat's tick: one run per active report with a passed slot (several passed slots: one
    run that says so). Two beats at once cannot both take a slot (compare-and-set)."""
    now = now or timezone.now()
    started = 0
    for report in Report.objects.filter(is_active=True):
        since = report.last_scheduled_at or report.created_at
        try:
            due = schedule.due(report.schedule, since, now, settings.REPORTS_TICK_SECONDS)
        except schedule.ScheduleError as error:  # saved before validation existed, or admin
            logger.error("Report %s has a bad schedule: %s", report.pk, error)
            continue
        if due is None:
            continue
        with transaction.atomic():
            taken = Report.objects.filter(
                pk=report.pk, last_scheduled_at=report.last_scheduled_at
            ).update(last_scheduled_at=due.slot)
            if taken:
                start_run(
                    report,
                    trigger="schedule",
                    scheduled_for=due.slot,
                    note=schedule.missed_note(due),
                )
                started += 1
    return started
