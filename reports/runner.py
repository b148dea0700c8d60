"""One run of a report: claim it, answer its question on its databases with the chat's own
pipeline, store the capped result and the change since the previous OK run, email the owner.

A database error (unreachable, timeout, a failing query) raises `RunFailed` so the Celery
task retries with backoff; on the last attempt the run is marked failed instead. A refusal
(the question is not about these databases) is final at once: retrying would not change it."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from chat import model_log
from chat.answering import federated, pipeline
from chat.answering.generators import GenerationError, sql_generator_for
from chat.answering.labels import labels_for
from chat.jsonsafe import json_rows
from chat.presentation import DatabaseResult, merge_results
from connections.groups import active_members
from connections.services import visible_connections

from . import changes, emailing
from .models import Report, ReportRun

logger = logging.getLogger(__name__)
RUNNER = f"{socket.gethostname()}:{os.getpid()}"
# A run claimed this long ago whose worker never finished it may be claimed again.
STALE_AFTER = timedelta(minutes=15)


class RunFailed(Exception):
    """The run failed in a way a later attempt may not (the message is safe to show)."""


def report_databases(report: Report) -> list:
    """Its group's active members, or its own active databases, that the owner may see."""
    if report.group_id:
        return active_members(report.owner, report.group)
    visible = visible_connections(report.owner).filter(is_active=True)
    return list(visible.filter(pk__in=report.databases.values("pk")).order_by("name"))


def claim(run_id: int) -> ReportRun | None:
    """Take the run for this worker; None when another has it or it is finished."""
    now = timezone.now()
    takeable = Q(status__in=[ReportRun.Status.PENDING, ReportRun.Status.RETRYING]) | Q(
        status=ReportRun.Status.RUNNING, started_at__lt=now - STALE_AFTER
    )
    taken = ReportRun.objects.filter(takeable, pk=run_id).update(
        status=ReportRun.Status.RUNNING, started_at=now, claimed_by=RUNNER
    )
    if not taken:
        return None
    return ReportRun.objects.select_related("report__owner").get(pk=run_id)


def run(run_id: int, *, final: bool) -> None:
    """Do the run. Raises RunFailed (after marking it retrying) unless `final`."""
    current = claim(run_id)
    if current is None:
        return
    current.attempts += 1
    try:
        try:
            _answer(current)
        except RunFailed:
            raise
        except Exception as error:  # a bug or the soft time limit: logged, retried, then failed
            logger.exception("Report run %s failed unexpectedly", run_id)
            raise RunFailed(f"Unexpected error ({type(error).__name__}); it was logged.") from None
    except RunFailed as failure:
        current.error = str(failure)
        if not final:
            current.status = ReportRun.Status.RETRYING
            current.save(update_fields=["status", "attempts", "error"])
            raise
        current.status = ReportRun.Status.FAILED
    current.finished_at = timezone.now()
    current.save()
    emailing.send_if_wanted(current)


def fail(run_id: int, error: str) -> None:
    """End a run that cannot go on (its task could not be queued or retried)."""
    ReportRun.objects.filter(pk=run_id).exclude(status__in=ReportRun.FINISHED).update(
        status=ReportRun.Status.FAILED, error=error, finished_at=timezone.now()
    )


def _answer(current: ReportRun) -> None:
    report = current.report
    databases = report_databases(report)
    if not databases:
        raise RunFailed("The report has no active database its owner may use.")
    try:
        with model_log.collecting(user=report.owner_id, databases=[c.name for c in databases]):
            results = _answers(report.question, databases)
    except GenerationError as error:
        raise RunFailed(error.user_message) from None
    result = _stored(results)
    errors = [d for d in result["databases"] if d["error"] and not d["refused"]]
    if errors:
        current.result = result
        raise RunFailed("; ".join(f"{d['name']}: {d['error']}" for d in errors))
    current.result = result
    current.sentence = " ".join(d["text"] for d in result["databases"] if d["text"])
    if all(d["refused"] for d in result["databases"]):
        current.status = ReportRun.Status.REFUSED
        current.change = {"kind": "none"}
        return
    current.status = ReportRun.Status.OK
    current.error = ""
    previous = (
        report.runs.filter(status=ReportRun.Status.OK)
        .exclude(pk=current.pk)
        .order_by("-pk")
        .first()
    )
    current.change = changes.compare(previous.result if previous else None, result)


def _answers(question: str, databases: list) -> list:
    """(connection, Answer) per database, as the chat answers them (no chat history)."""
    schemas = [(c, pipeline.load_schema(c)) for c in databases]
    generator = sql_generator_for(settings)
    joined = federated.answer_if_linked(question, schemas, [], generator)
    if joined is not None:
        return [joined]
    written = {}
    if generator.one_call_for_several and len(schemas) > 1:
        written = pipeline.generate_for_databases(
            question, schemas, history=[], generator=generator
        )
    return [
        (
            connection,
            pipeline.answer_question(
                connection,
                question,
                schema=schema,
                generator=generator,
                generated=written.get(connection.name),
            ),
        )
        for connection, schema in schemas
    ]


def _stored(results: list) -> dict:
    cap = settings.REPORTS_MAX_ROWS
    databases, full = [], {}
    for connection, answer in results:
        rows = json_rows(answer.rows)
        full[connection.name] = rows
        databases.append(
            {
                "name": connection.name,
                "text": answer.text,
                "sql": answer.sql or "",
                "error": answer.error,
                "refused": answer.refused,
                "columns": answer.columns,
                "column_labels": labels_for(answer.columns, answer.column_labels),
                "rows": rows[:cap],
                "row_count": len(rows),
                "truncated": answer.truncated or len(rows) > cap,
            }
        )
    answered = [d for d in databases if d["columns"] and not d["error"]]
    merged = (
        merge_results(
            [
                DatabaseResult(d["name"], d["columns"], full[d["name"]], d["column_labels"])
                for d in answered
            ]
        )
        if len(answered) > 1
        else None
    )
    if merged:
        merged = {
            "columns": merged["columns"],
            "column_labels": merged["column_labels"],
            "rows": merged["rows"][:cap],
            "row_count": len(merged["rows"]),
        }
    return {"databases": databases, "merged": merged}
