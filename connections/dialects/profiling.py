"""The aggregate half of column profiling: null fraction, distinct count, min/max, top values
of low-cardinality text, built once for every engine and run through its read-only execute().

Engines differ only in what they declare on their class: how a big table is sampled
(`profile_source`) and how distinct values are counted (`distinct_count`). How much to profile
(budgets, limits) and where profiles are stored belong to schemas_app.profiling, which passes
its limits in. One aggregate query per table plus one small GROUP BY per low-cardinality text
column; when the table's query fails on a column type the engine cannot aggregate, columns are
profiled one by one so the others keep their profile. These queries skip the SQL guard on
purpose: they are built from the snapshot's own names (quoted by sqlglot), and the guard is for
SQL written by users and generators.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlglot.expressions as exp

from .base import ConnectorError

if TYPE_CHECKING:
    from .base import Dialect
    from .schema import Column, Table

MAX_TEXT = 120

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


@dataclass(frozen=True)
class ProfileLimits:
    """How much one table's profile may read; schemas_app fills these from settings."""

    max_columns: int
    sample_rows: int
    low_cardinality: int
    top_values: int


def json_safe(value):
    """A value fit for JSON storage: long text is cut, binary omitted, dates/decimals as text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return None  # binary values are omitted
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    text = str(value) if not isinstance(value, str) else value
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def type_words(type_name: str) -> set[str]:
    return set(re.findall(r"[a-z]+", re.sub(r"'[^']*'", "", type_name.lower())))


def profilable(column: Column) -> bool:
    return "[]" not in column.type and not type_words(column.type) & UNPROFILABLE


def _has_range(column: Column) -> bool:
    return bool(type_words(column.type) & (NUMERIC | TEMPORAL))


def profile_table(engine: Dialect, table: Table, *, timeout: float, limits: ProfileLimits) -> dict:
    """{column: profile} of one table, within `timeout` seconds in all; a column that cannot be
    profiled gets {"type", "error"}. Dialect.profile() calls this."""
    deadline = time.monotonic() + timeout
    columns = [c for c in table.columns if profilable(c)][: limits.max_columns]
    source = engine.profile_source(table, limits.sample_rows)
    try:
        profiles = _aggregate(engine, source, columns, deadline)
    except ConnectorError as exc:
        # A lost server or a timeout would only repeat per column; so would a one-column table.
        if exc.transient or len(columns) <= 1:
            raise
        profiles = _column_by_column(engine, source, columns, deadline)
        if all("error" in p for p in profiles.values()):
            raise  # not a column's fault (the table is gone, no permission, ...)
    for column in columns:
        profile = profiles[column.name]
        if "error" not in profile and _wants_top_values(column, profile, limits):
            try:
                profile["top_values"] = _top_values(engine, source, column, deadline, limits)
            except ConnectorError as exc:
                if exc.transient:
                    raise
                profile["top_values_error"] = exc.user_message[:300]
    return profiles


def _column_by_column(engine: Dialect, source, columns: list[Column], deadline: float):
    profiles: dict[str, dict] = {}
    for column in columns:
        try:
            profiles.update(_aggregate(engine, source, [column], deadline))
        except ConnectorError as exc:
            if exc.transient:
                raise
            profiles[column.name] = {"type": column.type, "error": exc.user_message[:300]}
    return profiles


def _left(deadline: float) -> float:
    return max(0.5, deadline - time.monotonic())


def _aggregate(engine: Dialect, source, columns: list[Column], deadline: float):
    """One query: row count, then non-null count, distinct count and min/max per column."""
    select = exp.select(exp.Count(this=exp.Star()).as_("n")).from_(source.copy())
    for i, column in enumerate(columns):
        ref = exp.column(column.name, quoted=True)
        select = select.select(
            exp.Count(this=ref).as_(f"nn{i}"), engine.distinct_count(ref).as_(f"d{i}")
        )
        if _has_range(column):
            select = select.select(exp.Min(this=ref).as_(f"mn{i}"), exp.Max(this=ref).as_(f"mx{i}"))
    result = engine.execute(
        select.sql(dialect=engine.sqlglot_dialect), max_rows=1, timeout=_left(deadline)
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


def _wants_top_values(column: Column, profile: dict, limits: ProfileLimits) -> bool:
    words = type_words(column.type)
    return (
        bool(words & TEXTUAL)
        and not words & NUMERIC
        and 0 < profile["distinct"] <= limits.low_cardinality
    )


def _top_values(
    engine: Dialect, source, column: Column, deadline: float, limits: ProfileLimits
) -> list:
    ref = exp.column(column.name, quoted=True)
    query = (
        exp.select(ref, exp.Count(this=exp.Star()).as_("cnt"))
        .from_(source.copy())
        .where(exp.Not(this=exp.Is(this=ref.copy(), expression=exp.Null())))
        .group_by(ref.copy())
        .order_by(exp.Ordered(this=exp.column("cnt"), desc=True))
        .limit(limits.top_values)
    )
    result = engine.execute(
        query.sql(dialect=engine.sqlglot_dialect),
        max_rows=limits.top_values,
        timeout=_left(deadline),
    )
    return [[json_safe(value), int(count)] for value, count in result.rows]
