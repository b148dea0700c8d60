"""Stored results of a run, and the merged comparison of an answer: server-side pages and
a streamed CSV.

The full rows (up to the row cap) sit in the cache for CHAT_RESULT_CACHE_TTL; after that the
run's SQL is simply run again, read-only, through the guard like any other query. A merged
comparison is rebuilt from its runs' full rows, so it pages and downloads the same way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.http import Http404

from connections.dialects import ConnectorError
from connections.guard import UnsafeSQLError
from connections.services import run_read_only_query
from schemas_app.services import known_table_names

from .jsonsafe import json_rows
from .models import ChatMessage, QueryRun
from .presentation import DatabaseResult, csv_value, merge_results


class ResultUnavailable(Exception):
    """The rows of a result cannot be had any more; `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


def visible_run(user, run_id) -> QueryRun:
    """A successful run the user may read: their own (a cached answer has its own copies of
    the runs), any for staff; else 404, as if it did not exist."""
    try:
        run = QueryRun.objects.select_related("connection").get(
            pk=int(run_id), status=QueryRun.Status.OK
        )
    except (QueryRun.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such result.") from exc
    if run.owner_id == user.pk or user.is_staff:
        return run
    raise Http404("No such result.")


def full_rows(run: QueryRun) -> list[list]:
    """All rows of the run (up to the row cap): from the cache, else by running it again.
    Raises ResultUnavailable when neither is possible."""
    key = f"run-rows:{run.pk}"
    rows = cache.get(key)
    if rows is not None:
        return rows
    if not run.sql:  # answered from the schema: the run keeps every row (no query to run)
        return run.preview
    if run.connection is None:
        raise ResultUnavailable(
            f"{run.connection_name} was removed from the registry, so this result cannot be "
            "read again.",
            410,
        )
    try:
        # The same allow-list as the first run: only tables of the latest snapshot.
        result = run_read_only_query(
            run.connection, run.sql, allowed_tables=known_table_names(run.connection)
        )
    except (ConnectorError, UnsafeSQLError) as exc:
        message = getattr(exc, "user_message", None) or getattr(exc, "reason", str(exc))
        raise ResultUnavailable(f"The result could not be read again: {message}", 502) from exc
    rows = json_rows(result.rows)
    cache.set(key, rows, settings.CHAT_RESULT_CACHE_TTL)
    return rows


def merged_table(user, message: ChatMessage) -> tuple[list[str], list[str], list[list]]:
    """The answer's full comparison table, rebuilt from each database's run: its columns,
    their human labels and the rows."""
    result = message.result or {}
    merged = result.get("merged") or {}
    if not merged.get("run_ids"):
        raise Http404("This answer has no comparison table to page through.")
    names = {d.get("run_id"): d.get("name") for d in result.get("databases", [])}
    parts = []
    for run_id in merged["run_ids"]:
        run = visible_run(user, run_id)
        parts.append(
            DatabaseResult(
                names.get(run_id) or run.connection_name,
                run.columns,
                full_rows(run),
                run.column_labels,
            )
        )
    table = merge_results(parts)
    if table is None:  # cannot happen for rows stored by the same answer; say so if it does
        raise ResultUnavailable("The databases' results no longer have the same shape.", 409)
    return table["columns"], table["column_labels"], table["rows"]


def page_of(rows: list[list], number) -> Page:
    return Paginator(rows, settings.CHAT_PAGE_SIZE).get_page(number)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: list[list]) -> Iterator[str]:
    """CSV lines of rows already in hand: obtaining them (which may fail) happens before the
    response starts, so a failure gets an error status instead of a cut file. The pages pass
    the columns' human labels as `header`: the CSV says what the table showed."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_value(v) for v in row])  # 15370, not 15370.0
