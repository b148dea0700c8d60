"""The query history page and per-database figures for the dashboard."""

from __future__ import annotations

import statistics

from django.core.paginator import Paginator
from django.db.models import F, Max, Q, Window
from django.db.models.functions import RowNumber

from .models import QueryRun

FIGURES_WINDOW = 1_000  # the most recent questions per database the figures cover


def runs_for(user):
    runs = QueryRun.objects.all()
    return runs if user.is_staff else runs.filter(owner=user)


def history_context(user, params) -> dict:
    runs = runs_for(user)
    database = params.get("database", "")
    status = params.get("status", "")
    if database:
        # A name PostgreSQL cannot even compare (NUL) names no database: no runs, not a 500.
        runs = runs.none() if "\x00" in database else runs.filter(connection_name=database)
    if status in QueryRun.Status.values:
        runs = runs.filter(status=status)
    query = params.get("q", "").strip()[:200]
    if query:
        # Text search over what a reader remembers: the question, the SQL, the error.
        runs = (
            runs.none()
            if "\x00" in query
            else runs.filter(
                Q(question__icontains=query) | Q(sql__icontains=query) | Q(error__icontains=query)
            )
        )
    page = Paginator(runs.select_related("owner").defer("preview", "columns"), 50).get_page(
        params.get("page")
    )
    return {
        "page": page,
        "databases": runs_for(user).order_by().values_list("connection_name", flat=True).distinct(),
        "statuses": QueryRun.Status.choices,
        "database": database,
        "status": status,
        "q": query,
    }


def recently_used(user, connections, limit: int = 5) -> list:
    """The connections the user asked questions of most recently (staff: anyone asked)."""
    last = dict(
        runs_for(user)
        .order_by()
        .values_list("connection_id")
        .annotate(last=Max("created_at"))
        .values_list("connection_id", "last")
    )
    used = [c for c in connections if c.pk in last]
    return sorted(used, key=lambda c: last[c.pk], reverse=True)[:limit]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def figures_by_database(user, connections) -> dict:
    """{connection id: {runs, error_rate, median_ms, p95_ms, questions, failed, refused,
    refused_rate}} over the user's visible runs,
    each database over its own last FIGURES_WINDOW questions (so a busy database does not
    push a quiet one out of the figures).

    `runs` counts questions a database answered or failed to answer: the final attempt of
    each, not every correction round, and not refusals (a question about another database
    of the session), nor answers served from the cache. The error rate is the share whose
    final attempt failed; median and p95 are of the successful final queries' durations
    (answers read from the schema ran none). Refusals are counted apart: `questions` is every
    final question including them, `failed` and `refused` count each kind, `refused_rate` is
    the refused share of `questions` (a database that refuses half its questions does not
    show as a 0% error rate and nothing else).
    """
    final = (
        runs_for(user)
        .filter(final=True, cached=False, connection__in=connections)
        .annotate(
            recency=Window(
                RowNumber(), partition_by=F("connection_id"), order_by=F("created_at").desc()
            )
        )
        .filter(recency__lte=FIGURES_WINDOW)
        .values_list("connection_id", "status", "duration_ms", "sql")
    )
    grouped: dict = {}
    for connection_id, status, duration, sql in final:
        grouped.setdefault(connection_id, []).append((status, duration, bool(sql)))
    figures = {}
    for connection in connections:
        questions = grouped.get(connection.pk, [])
        if not questions:
            continue
        runs = [r for r in questions if r[0] != QueryRun.Status.REFUSED]
        refused = len(questions) - len(runs)
        failed = sum(s != QueryRun.Status.OK for s, _, _ in runs)
        # An answer read from the schema ran no query: it counts as answered, not as a time.
        durations = [d for s, d, ran in runs if s == QueryRun.Status.OK and ran]
        figures[connection.pk] = {
            "runs": len(runs),
            "error_rate": failed / len(runs) if runs else None,
            "median_ms": statistics.median(durations) if durations else None,
            "p95_ms": _percentile(durations, 0.95) if durations else None,
            "questions": len(questions),
            "failed": failed,
            "refused": refused,
            "refused_rate": refused / len(questions),
        }
        connection.query_figures = figures[connection.pk]
    return figures
