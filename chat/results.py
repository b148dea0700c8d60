"""Stored results of a run: server-side pages and a streamed CSV.

The full rows (up to the row cap) sit in the cache for CHAT_RESULT_CACHE_TTL; after that the
run's SQL is simply run again, read-only, through the guard like any other query.
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
from connections.services import run_read_only_query, visible_connections

from .jsonsafe import json_rows
from .models import QueryRun


def visible_run(user, run_id) -> QueryRun:
    """A successful run the user may read: their own, any for staff, or one on a database
    they can see (cached answers are shared between users of the same databases)."""
    try:
        run = QueryRun.objects.select_related("connection").get(
            pk=int(run_id), status=QueryRun.Status.OK
        )
    except (QueryRun.DoesNotExist, ValueError) as exc:
        raise Http404("No such result.") from exc
    if run.owner_id == user.pk or user.is_staff:
        return run
    if run.connection_id and visible_connections(user).filter(pk=run.connection_id).exists():
        return run
    raise Http404("No such result.")


def full_rows(run: QueryRun) -> list[list]:
    key = f"run-rows:{run.pk}"
    rows = cache.get(key)
    if rows is not None:
        return rows
    if run.connection is None:
        raise Http404("The database of this result was removed from the registry.")
    try:
        result = run_read_only_query(run.connection, run.sql)
    except (ConnectorError, UnsafeSQLError) as exc:
        message = getattr(exc, "user_message", None) or getattr(exc, "reason", str(exc))
        raise Http404(f"The result could not be read again: {message}") from exc
    rows = json_rows(result.rows)
    cache.set(key, rows, settings.CHAT_RESULT_CACHE_TTL)
    return rows


def page_of(run: QueryRun, number) -> Page:
    return Paginator(full_rows(run), settings.CHAT_PAGE_SIZE).get_page(number)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(run: QueryRun) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(run.columns)
    for row in full_rows(run):
        yield writer.writerow(row)
