"""Column profiles: null fraction, distinct count, min/max, top values of low-cardinality text.

One aggregate query per table plus one small GROUP BY per low-cardinality text column, all
through the engine's read-only execute(). Big tables are sampled (PostgreSQL TABLESAMPLE,
ClickHouse SAMPLE where the table has a sampling key, otherwise a bounded subquery) and the
whole run stops at a time budget; limits on tables and columns keep it bounded on huge schemas. Everything is configurable in settings (PROFILE_*).
"""

from __future__ import annotations

import re
import time

import sqlglot.expressions as exp
from django.conf import settings

from connections.dialects import SQLGLOT_DIALECTS, ConnectorError, Dialect
from connections.dialects.schema import Column, SchemaDocument, Table

from .sampling import json_safe

NUMERIC = re.compile(r"int|numeric|decimal|float|double|real|money|serial|number", re.I)
TEMPORAL = re.compile(r"date|time", re.I)
TEXTUAL = re.compile(r"char|text|string|enum|citext|name|uuid|bool", re.I)
# Types that cannot be compared or grouped cheaply (or at all) on some engines.
UNPROFILABLE = re.compile(
    r"json|xml|bytea|blob|binary|\[\]|array|tsvector|geometry|map|tuple", re.I
)


def _source(table: Table, kind: str, limit: int) -> exp.Expression:
    """The table itself when small; a sample of about `limit` rows when it is big."""
    base = table.sql_ref(kind)
    rows = table.row_count or 0
    if rows <= limit:
        return base
    if kind == "postgresql" and table.kind == "table":
        percent = max(0.01, min(100.0, 100.0 * limit / rows))
        base.set(
            "sample",
            exp.TableSample(
                method=exp.var("SYSTEM"), percent=exp.Literal.number(round(percent, 3))
            ),
        )
        return base
    if kind == "clickhouse" and table.sampling_key:
        # SAMPLE reads a fraction of the rows by the sampling key, without scanning the rest.
        fraction = max(0.0001, min(1.0, limit / rows))
        base.set("sample", exp.TableSample(size=exp.Literal.number(round(fraction, 4))))
        return base
    return exp.select("*").from_(base).limit(limit).subquery("sampled")


def _distinct(column: exp.Expression, kind: str) -> exp.Expression:
    if kind == "clickhouse":
        return exp.Anonymous(this="uniq", expressions=[column])  # approximate, cheap
    return exp.Count(this=exp.Distinct(expressions=[column]))


def profile_table(engine: Dialect, table: Table, kind: str, *, timeout: float) -> dict:
    dialect = SQLGLOT_DIALECTS[kind]
    columns = [c for c in table.columns if not UNPROFILABLE.search(c.type)][
        : settings.PROFILE_MAX_COLUMNS
    ]
    source = _source(table, kind, settings.PROFILE_SAMPLE_ROWS)
    select = exp.select(exp.Count(this=exp.Star()).as_("n")).from_(source)
    for i, column in enumerate(columns):
        ref = exp.column(column.name, quoted=True)
        select = select.select(exp.Count(this=ref).as_(f"nn{i}"), _distinct(ref, kind).as_(f"d{i}"))
        if NUMERIC.search(column.type) or TEMPORAL.search(column.type):
            select = select.select(exp.Min(this=ref).as_(f"mn{i}"), exp.Max(this=ref).as_(f"mx{i}"))
    result = engine.execute(select.sql(dialect=dialect), max_rows=1, timeout=timeout)
    row = dict(zip(result.columns, result.rows[0], strict=True)) if result.rows else {}
    total = int(row.get("n") or 0)
    profiles: dict[str, dict] = {}
    for i, column in enumerate(columns):
        non_null = int(row.get(f"nn{i}") or 0)
        profile = {
            "type": column.type,
            "rows_profiled": total,
            "null_fraction": round(1 - non_null / total, 4) if total else None,
            "distinct": int(row.get(f"d{i}") or 0),
        }
        if f"mn{i}" in row:
            profile["min"], profile["max"] = json_safe(row[f"mn{i}"]), json_safe(row[f"mx{i}"])
        profiles[column.name] = profile
    for column in columns:
        profile = profiles[column.name]
        if _wants_top_values(column, profile):
            profile["top_values"] = _top_values(engine, source, column, dialect, timeout=timeout)
    return profiles


def _wants_top_values(column: Column, profile: dict) -> bool:
    return (
        bool(TEXTUAL.search(column.type))
        and not NUMERIC.search(column.type)
        and 0 < profile["distinct"] <= settings.PROFILE_LOW_CARDINALITY
    )


def _top_values(engine: Dialect, source, column: Column, dialect: str, *, timeout: float) -> list:
    ref = exp.column(column.name, quoted=True)
    query = (
        exp.select(ref, exp.Count(this=exp.Star()).as_("cnt"))
        .from_(source.copy())
        .where(exp.Not(this=exp.Is(this=ref.copy(), expression=exp.Null())))
        .group_by(ref.copy())
        .order_by(exp.Ordered(this=exp.column("cnt"), desc=True))
        .limit(settings.PROFILE_TOP_VALUES)
    )
    result = engine.execute(
        query.sql(dialect=dialect), max_rows=settings.PROFILE_TOP_VALUES, timeout=timeout
    )
    return [[json_safe(value), int(count)] for value, count in result.rows]


def profile_document(engine: Dialect, document: SchemaDocument, *, on_progress=None) -> dict:
    """{qualified table name: {column: profile}}; failures are recorded per table, not raised."""
    deadline = time.monotonic() + settings.PROFILE_BUDGET_SECONDS
    tables = [t for t in document.tables if t.kind == "table"][: settings.PROFILE_MAX_TABLES]
    profiles: dict[str, dict] = {}
    for done, table in enumerate(tables, start=1):
        remaining = deadline - time.monotonic()
        if remaining <= 0.1:
            profiles[table.qualified_name] = {"_error": "skipped: profiling time budget used up"}
            continue
        try:
            profiles[table.qualified_name] = profile_table(
                engine, table, document.dialect, timeout=max(0.5, min(remaining, 30.0))
            )
        except ConnectorError as exc:
            profiles[table.qualified_name] = {"_error": exc.user_message[:300]}
        if on_progress:
            on_progress(done, len(tables))
    return profiles
