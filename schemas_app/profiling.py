"""Column profiles: null fraction, distinct count, min/max, top values of low-cardinality text.

Each engine exposes `profile(table)` (connections/dialects/base.py) and chooses how a big table
is sampled (`profile_source`: PostgreSQL TABLESAMPLE, ClickHouse SAMPLE where the table has a
sampling key, otherwise a bounded subquery); the aggregate queries themselves are built here,
once for all engines, and sent through the engine's read-only execute(). One aggregate query
per table plus one small GROUP BY per low-cardinality text column; when the table's query
fails on a column type the engine cannot aggregate, columns are profiled one by one so the
others keep their profile. The whole run stops at a time budget; limits on tables and columns
keep it bounded on huge schemas. Everything is configurable in settings (PROFILE_*).
These queries skip the SQL guard on purpose: we build them from the snapshot's own names
(quoted by sqlglot), and the guard is for SQL written by users and generators.
"""

from __future__ import annotations

import re
import time

import sqlglot.expressions as exp
from django.conf import settings

from connections.dialects import SQLGLOT_DIALECTS, ConnectorError, Dialect
from connections.dialects.schema import Column, SchemaDocument, Table

from .sampling import json_safe

# Type names are matched word by word ("point" is not an "int"); digits and quoted enum labels
# are dropped first, so Int64, int4, Nullable(UInt8) and Enum8('a' = 1) read as int, uint, enum.
NUMERIC = {
    "int", "integer", "bigint", "smallint", "tinyint", "mediumint", "uint", "numeric",
    "decimal", "float", "double", "real", "money", "serial", "bigserial", "smallserial", "number",
}  # fmt: skip
TEMPORAL = {
    "date", "time", "timetz", "timestamp", "timestamptz", "datetime", "interval", "year"
}  # fmt: skip
TEXTUAL = {
    "char", "character", "varchar", "nchar", "nvarchar", "bpchar", "text", "tinytext",
    "mediumtext", "longtext", "ntext", "clob", "string", "fixedstring", "enum", "citext",
    "name", "uuid", "bool", "boolean",
}  # fmt: skip
# Types that cannot be compared or grouped cheaply (or at all) on some engines.
UNPROFILABLE = {
    "json", "jsonb", "xml", "bytea", "blob", "tinyblob", "mediumblob", "longblob", "binary",
    "varbinary", "array", "tsvector", "tsquery", "geometry", "geography", "point", "line",
    "lseg", "box", "path", "polygon", "circle", "linestring", "multipoint", "multilinestring",
    "multipolygon", "geometrycollection", "ring", "map", "tuple", "nested", "object",
    "aggregatefunction",
}  # fmt: skip


def type_words(type_name: str) -> set[str]:
    return set(re.findall(r"[a-z]+", re.sub(r"'[^']*'", "", type_name.lower())))


def profilable(column: Column) -> bool:
    return "[]" not in column.type and not type_words(column.type) & UNPROFILABLE


def _has_range(column: Column) -> bool:
    return bool(type_words(column.type) & (NUMERIC | TEMPORAL))


def _distinct(column: exp.Expression, kind: str) -> exp.Expression:
    if kind == "clickhouse":
        return exp.Anonymous(this="uniq", expressions=[column])  # approximate, cheap
    return exp.Count(this=exp.Distinct(expressions=[column]))


def profile_table(engine: Dialect, table: Table, kind: str, *, timeout: float) -> dict:
    """{column: profile} of one table, within `timeout` seconds in all. Engines call this from
    their profile(); a column that cannot be profiled gets {"type", "error"}."""
    deadline = time.monotonic() + timeout
    columns = [c for c in table.columns if profilable(c)][: settings.PROFILE_MAX_COLUMNS]
    source = engine.profile_source(table, settings.PROFILE_SAMPLE_ROWS)
    try:
        profiles = _aggregate(engine, source, columns, kind, deadline)
    except ConnectorError as exc:
        # A lost server or a timeout would only repeat per column; so would a one-column table.
        if exc.transient or len(columns) <= 1:
            raise
        profiles = _column_by_column(engine, source, columns, kind, deadline)
        if all("error" in p for p in profiles.values()):
            raise  # not a column's fault (the table is gone, no permission, ...)
    for column in columns:
        profile = profiles[column.name]
        if "error" not in profile and _wants_top_values(column, profile):
            try:
                profile["top_values"] = _top_values(engine, source, column, kind, deadline)
            except ConnectorError as exc:
                if exc.transient:
                    raise
                profile["top_values_error"] = exc.user_message[:300]
    return profiles


def _column_by_column(engine: Dialect, source, columns: list[Column], kind: str, deadline: float):
    profiles: dict[str, dict] = {}
    for column in columns:
        try:
            profiles.update(_aggregate(engine, source, [column], kind, deadline))
        except ConnectorError as exc:
            if exc.transient:
                raise
            profiles[column.name] = {"type": column.type, "error": exc.user_message[:300]}
    return profiles


def _left(deadline: float) -> float:
    return max(0.5, deadline - time.monotonic())


def _aggregate(engine: Dialect, source, columns: list[Column], kind: str, deadline: float):
    """One query: row count, then non-null count, distinct count and min/max per column."""
    select = exp.select(exp.Count(this=exp.Star()).as_("n")).from_(source.copy())
    for i, column in enumerate(columns):
        ref = exp.column(column.name, quoted=True)
        select = select.select(exp.Count(this=ref).as_(f"nn{i}"), _distinct(ref, kind).as_(f"d{i}"))
        if _has_range(column):
            select = select.select(exp.Min(this=ref).as_(f"mn{i}"), exp.Max(this=ref).as_(f"mx{i}"))
    result = engine.execute(
        select.sql(dialect=SQLGLOT_DIALECTS[kind]), max_rows=1, timeout=_left(deadline)
    )
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
    return profiles


def _wants_top_values(column: Column, profile: dict) -> bool:
    words = type_words(column.type)
    return (
        bool(words & TEXTUAL)
        and not words & NUMERIC
        and 0 < profile["distinct"] <= settings.PROFILE_LOW_CARDINALITY
    )


def _top_values(engine: Dialect, source, column: Column, kind: str, deadline: float) -> list:
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
        query.sql(dialect=SQLGLOT_DIALECTS[kind]),
        max_rows=settings.PROFILE_TOP_VALUES,
        timeout=_left(deadline),
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
            profiles[table.qualified_name] = engine.profile(
                table, timeout=max(0.5, min(remaining, 30.0))
            )
        except ConnectorError as exc:
            profiles[table.qualified_name] = {"_error": exc.user_message[:300]}
        if on_progress:
            on_progress(done, len(tables))
    return profiles
