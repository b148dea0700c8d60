"""Rows hashed in Python from canonical values: the checksum across engines (and for SQLite,
which has no hash function), and the keys of the rows that differ.

Rows are fetched in batches under the row cap through the guard and the read-only session: by
key ranges when the table has a one-column key, else pages ordered by every column. The
checksum is the sum of 64-bit row hashes, so the order rows come in does not matter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from sqlglot import exp

from connections.dialects import Dialect
from connections.dialects.schema import Table
from connections.guard import guard_sql

from .canonical import canonical, canonical_row
from .types import column_type

SHOWN = 20  # keys listed per kind of difference


@dataclass
class Side:
    engine: Dialect
    kind: str
    table: Table
    columns: list[str]  # this side's spelling of the common columns, in one shared order


def run(side: Side, sql: str, max_rows: int) -> list[tuple]:
    """One query through the SQL guard and the engine's read-only, time-limited session."""
    guarded = guard_sql(sql, side.kind)
    result = side.engine.execute(
        guarded, max_rows=max_rows, timeout=float(settings.QUERY_TIMEOUT_SECONDS)
    )
    return result.rows


def key_column(table: Table) -> str | None:
    """The table's one-column key: its primary key, or on ClickHouse (no primary key in that
    sense) a primary key expression that is just one column."""
    if len(table.primary_key) == 1:
        return table.primary_key[0]
    column = (
        table.column(table.primary_key_expr.strip().strip("`")) if table.primary_key_expr else None
    )
    return column.name if column else None


def _paging_key(side: Side) -> str | None:
    key = key_column(side.table)
    return key if key in side.columns else None  # both sides must page by what both have


def row_hashes(side: Side, where) -> Iterator[tuple[str | None, int]]:
    """(canonical key or None, 64-bit hash of the canonical row) of every row."""
    families = [column_type(side.table.column(c).type, side.kind).family for c in side.columns]
    dialect = side.engine.sqlglot_dialect
    batch = max(1, min(5_000, int(settings.QUERY_MAX_ROWS)))
    key = _paging_key(side)
    at = side.columns.index(key) if key else None
    order = [key] if key else side.columns
    last, offset = None, 0
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
            digest = hashlib.blake2b(canonical_row(row, families).encode(), digest_size=8)
            yield (
                canonical(row[at], families[at]) if key else None,
                int.from_bytes(digest.digest(), "big"),
            )
        if len(rows) < batch:
            return
        if key:
            last = rows[-1][at]
        offset += batch


def python_checksum(side: Side, where) -> str:
    total = count = 0
    for _, value in row_hashes(side, where):
        total = (total + value) % (1 << 64)
        count += 1
    return f"{count}:{total:016x}"


@dataclass
class RowDifferences:
    only_left: list[str]
    only_right: list[str]
    changed: list[str]
    counts: tuple[int, int, int]  # all of them, where the lists show at most SHOWN


def locate(left: Side, right: Side, where: tuple) -> RowDifferences | None:
    """The keys of the rows only one side has and of those whose values differ; None when
    the tables have no common one-column key to match rows by."""
    if not (_paging_key(left) and _paging_key(right)):
        return None
    if _paging_key(left).lower() != _paging_key(right).lower():
        return None
    a = dict(row_hashes(left, where[0]))
    b = dict(row_hashes(right, where[1]))
    only_left = sorted(a.keys() - b.keys(), key=_natural)
    only_right = sorted(b.keys() - a.keys(), key=_natural)
    changed = sorted((k for k in a.keys() & b.keys() if a[k] != b[k]), key=_natural)
    return RowDifferences(
        only_left[:SHOWN],
        only_right[:SHOWN],
        changed[:SHOWN],
        (len(only_left), len(only_right), len(changed)),
    )


def _natural(key: str):
    """Numbers in numeric order, before any text."""
    try:
        return (0, float(key), "")
    except ValueError:
        return (1, 0.0, key)


def _literal(value) -> exp.Expression:
    return exp.Literal.number(value) if isinstance(value, int) else exp.Literal.string(str(value))
