"""Data comparison of the tables two databases share: row counts and a checksum of the rows.

Two databases of one kind compare the engine's own checksum (Dialect.table_checksum_sql: one
aggregate query per table, nothing but two numbers leaves the server). Across kinds each
engine hashes its own text form of the values (PostgreSQL writes 12.50, ClickHouse 12.5), so
the rows are instead fetched in key order, in batches, every value is put in one canonical
form by the family of its column type (numbers, dates, booleans, NULL, text) and hashed in
Python; the per-row hashes are summed, so the order of the rows does not matter. SQLite has
no hash function and always takes the Python path. Above COMPARE_MAX_ROWS rows a table is
sampled deterministically (rows whose integer key is a multiple of n, the same rows on both
sides) and the result says so; without an integer key only the counts are compared. A table
that differs is read once more (comparisons.rows.locate) to name the keys of the rows only one
side has and of those whose values differ. Every query goes through the SQL guard and the engine's read-only, time-limited session.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from django.conf import settings
from sqlglot import exp

from connections.dialects import ConnectorError
from connections.guard import UnsafeSQLError

from .rows import Side, key_column, locate, python_checksum, run
from .types import column_type

__all__ = ["Side", "TableData", "compare_table"]


@dataclass
class TableData:
    table: str
    status: str  # equal | differs | error | skipped
    left_rows: int | None = None
    right_rows: int | None = None
    left_checksum: str = ""
    right_checksum: str = ""
    method: str = ""
    sampled: str = ""  # how the rows were sampled, when they were
    note: str = ""
    # Keys of the rows that differ (at most rows.SHOWN each), when the table has a key.
    rows_only_left: list[str] = field(default_factory=list)
    rows_only_right: list[str] = field(default_factory=list)
    rows_changed: list[str] = field(default_factory=list)
    row_difference_counts: list[int] = field(default_factory=list)  # the three totals

    def as_dict(self) -> dict:
        return asdict(self)


def count_rows(side: Side) -> int:
    sql = f"SELECT COUNT(*) AS row_count FROM {side.engine.checked_from(side.table, None)}"
    return int(run(side, sql, 1)[0][0])


def integer_key(side: Side) -> str | None:
    """The table's one-column integer key, if it has one: what sampling goes by."""
    key = key_column(side.table)
    column = side.table.column(key) if key else None
    if column and column_type(column.type, side.kind).family == "integer":
        return column.name
    return None


def compare_table(name: str, left: Side, right: Side) -> TableData:
    result = TableData(table=name, status="equal")
    try:
        result.left_rows, result.right_rows = count_rows(left), count_rows(right)
        limit = int(settings.COMPARE_MAX_ROWS)
        where = (None, None)
        biggest = max(result.left_rows, result.right_rows)
        if biggest > limit:
            keys = integer_key(left), integer_key(right)
            if not all(keys) or keys[0].lower() != keys[1].lower():
                result.status = "differs" if result.left_rows != result.right_rows else "skipped"
                result.note = (
                    f"over {limit:,} rows and no integer key to sample by: only the row "
                    "counts were compared"
                )
                return result
            step = math.ceil(biggest / limit)
            where = tuple(_multiple_of(key, step) for key in keys)
            result.sampled = (
                f"rows whose {keys[0]} is a multiple of {step} (about 1 in {step}): the "
                f"tables have over {limit:,} rows (COMPARE_MAX_ROWS)"
            )
        same_kind = left.kind == right.kind
        native = same_kind and left.engine.table_checksum_sql(left.table, left.columns)
        if native:
            result.method = f"engine checksum ({left.kind})"
            result.left_checksum = _native(left, where[0])
            result.right_checksum = _native(right, where[1])
        else:
            result.method = "canonical values hashed in Python, rows fetched in key order"
            result.left_checksum = python_checksum(left, where[0])
            result.right_checksum = python_checksum(right, where[1])
    except (ConnectorError, UnsafeSQLError) as exc:
        result.status = "error"
        result.note = getattr(exc, "user_message", None) or str(exc)
        return result
    if result.left_rows != result.right_rows or result.left_checksum != result.right_checksum:
        result.status = "differs"
        _locate(result, left, right, where)
    return result


def _locate(result: TableData, left: Side, right: Side, where: tuple) -> None:
    """Which rows differ, by key: a second pass over the rows of the differing table."""
    try:
        found = locate(left, right, where)
    except (ConnectorError, UnsafeSQLError) as exc:
        result.note = f"could not list the differing rows: {getattr(exc, 'user_message', exc)}"
        return
    if found:
        result.rows_only_left, result.rows_only_right = found.only_left, found.only_right
        result.rows_changed, result.row_difference_counts = found.changed, list(found.counts)


def _multiple_of(key: str, step: int) -> exp.Expression:
    return exp.EQ(
        this=exp.Mod(this=exp.column(key, quoted=True), expression=exp.Literal.number(step)),
        expression=exp.Literal.number(0),
    )


def _native(side: Side, where) -> str:
    sql = side.engine.table_checksum_sql(side.table, side.columns, where)
    count, checksum = run(side, sql, 1)[0]
    return f"{count}:{checksum}"
