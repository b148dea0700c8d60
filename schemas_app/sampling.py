"""Sample rows per table, read in parallel under one overall time budget.

Values are made JSON-safe: long text is cut, binary is omitted, dates/decimals become text.
A table whose sampling fails gets `sample_error`; the extraction still succeeds.
sample_query is built by us from the table's own name, so extraction runs it without the SQL
guard (the `sample_rows` API tool sends the same query through the guard anyway).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, as_completed

import sqlglot.expressions as exp

from connections.dialects import SQLGLOT_DIALECTS, ConnectorError, Dialect
from connections.dialects.profiling import MAX_TEXT, json_safe
from connections.dialects.schema import SchemaDocument, Table

__all__ = ["MAX_TEXT", "json_safe", "sample_query", "sample_tables"]


def sample_query(table: Table, kind: str, rows: int) -> str:
    return (
        exp.select("*").from_(table.sql_ref(kind)).limit(rows).sql(dialect=SQLGLOT_DIALECTS[kind])
    )


def sample_tables(
    engine: Dialect,
    document: SchemaDocument,
    *,
    rows_per_table: int = 2,
    budget_seconds: float = 20.0,
    workers: int = 4,
    on_progress=None,
) -> None:
    """Fill `sample_rows` (or `sample_error`) on every table of `document`, in place."""
    kind = document.dialect
    tables = document.tables
    deadline = time.monotonic() + budget_seconds
    done = 0

    def sample(table: Table) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0.05:
            table.sample_error = "skipped: sampling time budget used up"
            return
        try:
            result = engine.execute(
                sample_query(table, kind, rows_per_table),
                max_rows=rows_per_table,
                timeout=max(0.5, min(remaining, 10.0)),
            )
            table.sample_rows = [[json_safe(v) for v in row] for row in result.rows]
        except ConnectorError as exc:
            table.sample_error = exc.user_message[:300]

    # Each query carries a server-side timeout within the budget, so waiting is bounded.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in as_completed([pool.submit(sample, t) for t in tables]):
            done += 1
            if on_progress:
                on_progress(done, len(tables))
