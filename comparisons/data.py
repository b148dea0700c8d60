"""Data comparison of the tables two databases share: row counts and a checksum of the rows.

Two databases of one kind compare the engine's own checksum (Dialect.table_checksum_sql: one
aggregate query per table, nothing but two numbers leaves the server). Across kinds each
engine hashes its own text form of the values (PostgreSQL writes 12.50, ClickHouse 12.5), so
the rows are instead fetched in key order, in batches, every value is put in one canonical
form by the family of its column type (numbers, dates, booleans, NULL, text) and hashed in
Python; the per-row hashes are summed, so the order of the rows does not matter. SQLite has
no hash function and always takes the Python path. Above COMPARE_MAX_ROWS rows a table is
sampled deterministically (rows whose integer key is a multiple of n, the same rows on both
sides) and the result says so; without an integer key only the counts are compared.
Every query goes through the SQL guard and the engine's read-only, time-limited session.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from sqlglot import exp

from connections.dialects import ConnectorError, Dialect
from connections.dialects.schema import Table
from connections.guard import UnsafeSQLError, guard_sql

from .types import column_type

NULL = "\x00N"  # no text value can be this
SEPARATOR = "\x1f"


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

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Side:
    engine: Dialect
    kind: str
    table: Table
    columns: list[str]  # this side's spelling of the common columns, in one shared order


def run(side: Side, sql: str, max_rows: int) -> list[tuple]:
    guarded = guard_sql(sql, side.kind)
    result = side.engine.execute(
        guarded, max_rows=max_rows, timeout=float(settings.QUERY_TIMEOUT_SECONDS)
    )
    return result.rows


def count_rows(side: Side) -> int:
    sql = f"SELECT COUNT(*) AS row_count FROM {side.engine.checked_from(side.table, None)}"
    return int(run(side, sql, 1)[0][0])


def key_column(table: Table) -> str | None:
    """The table's one-column key: its primary key, or on ClickHouse (no primary key in that
    sense) a primary key expression that is just one column."""
    if len(table.primary_key) == 1:
        return table.primary_key[0]
    column = (
        table.column(table.primary_key_expr.strip().strip("`")) if table.primary_key_expr else None
    )
    return column.name if column else None


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
            result.left_checksum = _python(left, where[0])
            result.right_checksum = _python(right, where[1])
    except (ConnectorError, UnsafeSQLError) as exc:
        result.status = "error"
        result.note = getattr(exc, "user_message", None) or str(exc)
        return result
    if result.left_rows != result.right_rows or result.left_checksum != result.right_checksum:
        result.status = "differs"
    return result


def _multiple_of(key: str, step: int) -> exp.Expression:
    return exp.EQ(
        this=exp.Mod(this=exp.column(key, quoted=True), expression=exp.Literal.number(step)),
        expression=exp.Literal.number(0),
    )


def _native(side: Side, where) -> str:
    sql = side.engine.table_checksum_sql(side.table, side.columns, where)
    count, checksum = run(side, sql, 1)[0]
    return f"{count}:{checksum}"


def _python(side: Side, where) -> str:
    """Sum of 64-bit hashes of the canonical rows, fetched in batches under the row cap: by
    key ranges when the table has a one-column key, else pages ordered by every column."""
    families = [column_type(side.table.column(c).type, side.kind).family for c in side.columns]
    dialect = side.engine.sqlglot_dialect
    batch = max(1, min(5_000, int(settings.QUERY_MAX_ROWS)))
    key = key_column(side.table)
    if key not in side.columns:
        key = None  # a key only this side has cannot page both sides alike
    order = [key] if key else side.columns
    total, count, last, offset = 0, 0, None, 0
    while True:
        query = exp.select(*(exp.column(c, quoted=True) for c in side.columns)).from_(
            side.table.sql_ref(side.kind)
        )
        if where is not None:
            query = query.where(where)
        if key and last is not None:
            query = query.where(
                exp.GT(this=exp.column(key, quoted=True), expression=_literal(last))
            )
        query = query.order_by(*(exp.column(c, quoted=True) for c in order)).limit(batch)
        if not key and offset:
            query = query.offset(offset)
        rows = run(side, query.sql(dialect=dialect), batch)
        for row in rows:
            digest = hashlib.blake2b(_canonical(row, families).encode(), digest_size=8)
            total = (total + int.from_bytes(digest.digest(), "big")) % (1 << 64)
        count += len(rows)
        if len(rows) < batch:
            return f"{count}:{total:016x}"
        if key:
            last = rows[-1][side.columns.index(key)]
        offset += batch


def _literal(value) -> exp.Expression:
    return exp.Literal.number(value) if isinstance(value, int) else exp.Literal.string(str(value))


def _canonical(row: tuple, families: list[str]) -> str:
    return SEPARATOR.join(canonical(v, f) for v, f in zip(row, families, strict=True))


def canonical(value, family: str) -> str:
    """One text form per value whatever engine returned it: 12.50, 12.5 and 12.5e0 are
    "12.5"; a datetime and SQLite's text "2024-01-02T03:04:05" are "2024-01-02 03:04:05";
    True, 1 and "t" in a boolean column are "1"."""
    if value is None:
        return NULL
    if family in ("integer", "decimal", "float") or isinstance(value, (int, float, Decimal)):
        if not isinstance(value, bool):
            number = _number(value)
            if number is not None:
                return number
    if family == "boolean":
        text = str(value).strip().lower()
        if text in ("1", "true", "t", "yes"):
            return "1"
        return "0" if text in ("0", "false", "f", "no") else text
    if family in ("date", "datetime", "datetime with time zone") or isinstance(value, (date, time)):
        return _temporal(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


def _number(value) -> str | None:
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return str(number)
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _temporal(value) -> str:
    if isinstance(value, str):  # SQLite keeps dates as text
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds").removesuffix(".000000")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)
