"""The tools of POST /tools/execute: small read-only look-ups on one database.

Each tool validates its own arguments (a pydantic model) and raises ToolError with a message
naming the problem; the router turns that into a 400.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pydantic
from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field

from chat.jsonsafe import json_rows
from connections import services as registry
from connections.dialects import ConnectorError
from connections.dialects.schema import SchemaDocument, Table
from connections.guard import UnsafeSQLError
from connections.models import Connection
from schemas_app import services as schemas
from schemas_app.profiling import profile_table
from schemas_app.sampling import sample_query

RUN_SQL_MAX_ROWS = 1000


class ToolError(ValueError):
    pass


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoArgs(_Args):
    pass


class TableArgs(_Args):
    table: str = Field(..., min_length=1, max_length=300)


class SampleArgs(TableArgs):
    limit: int = Field(10, ge=1, le=100)


class ColumnArgs(TableArgs):
    column: str = Field(..., min_length=1, max_length=300)


class SqlArgs(_Args):
    sql: str = Field(..., min_length=1, max_length=100_000)
    limit: int = Field(100, ge=1, le=RUN_SQL_MAX_ROWS)


def _document(connection: Connection) -> SchemaDocument:
    snapshot = schemas.latest_snapshot(connection)
    document = schemas.snapshot_document(snapshot.pk) if snapshot else None
    if document is None:
        raise ToolError(
            f"No schema extracted yet for {connection.name}; POST "
            f"/api/v1/databases/{connection.pk}/extract-schema first."
        )
    return document


def _table(connection: Connection, name: str) -> Table:
    document = _document(connection)
    table = document.table(name)
    if table is None:
        matches = [
            t for t in document.tables if name.lower() in (t.name.lower(), t.qualified_name.lower())
        ]
        if len(matches) == 1:
            table = matches[0]
    if table is None:
        raise ToolError(
            f"Unknown table {name!r} in {connection.name}; list_tables shows the tables."
        )
    return table


def _columns(table: Table) -> list[dict]:
    return [dataclasses.asdict(c) for c in table.columns]


def list_tables(connection: Connection, args: NoArgs) -> list[dict]:
    return [
        {
            "name": t.qualified_name,
            "kind": t.kind,
            "row_count": t.row_count,
            "column_count": len(t.columns),
            "comment": t.comment,
        }
        for t in _document(connection).tables
    ]


def describe_table(connection: Connection, args: TableArgs) -> dict:
    table = _table(connection, args.table)
    return {
        "name": table.qualified_name,
        "kind": table.kind,
        "comment": table.comment,
        "row_count": table.row_count,
        "columns": _columns(table),
        "primary_key": table.primary_key,
        "foreign_keys": [dataclasses.asdict(fk) for fk in table.foreign_keys],
        "indexes": [dataclasses.asdict(ix) for ix in table.indexes],
    }


def _query(connection: Connection, sql: str, limit: int) -> dict:
    try:
        # One row more than asked tells whether the answer was cut; only the tables of the
        # latest snapshot may be read (any table before the first extraction).
        result = registry.run_read_only_query(
            connection,
            sql,
            max_rows=limit + 1,
            allowed_tables=schemas.known_table_names(connection),
        )
    except UnsafeSQLError as exc:
        raise ToolError(f"Refused by the SQL guard: {exc.reason}") from None
    except ConnectorError as exc:
        raise ToolError(f"The database returned an error: {exc.user_message}") from None
    rows = result.rows[:limit]
    return {
        "columns": result.columns,
        "rows": json_rows(rows),
        "row_count": len(rows),
        "truncated": result.truncated or len(result.rows) > limit,
        "duration_ms": round(result.duration_ms, 1),
    }


def sample_rows(connection: Connection, args: SampleArgs) -> dict:
    table = _table(connection, args.table)
    return {
        "table": table.qualified_name,
        **_query(connection, sample_query(table, connection.kind, args.limit), args.limit),
    }


def get_schema(connection: Connection, args: NoArgs) -> dict:
    document = _document(connection)
    return {
        "dialect": document.dialect,
        "server_version": document.server_version,
        "tables": [
            {
                "name": t.qualified_name,
                "kind": t.kind,
                "comment": t.comment,
                "columns": [
                    {
                        "name": c.name,
                        "type": c.type,
                        "nullable": c.nullable,
                        "primary_key": c.primary_key,
                        "comment": c.comment,
                    }
                    for c in t.columns
                ],
                "foreign_keys": [dataclasses.asdict(fk) for fk in t.foreign_keys],
            }
            for t in document.tables
        ],
    }


def profile_column(connection: Connection, args: ColumnArgs) -> dict:
    table = _table(connection, args.table)
    column = table.column(args.column) or next(
        (c for c in table.columns if c.name.lower() == args.column.lower()), None
    )
    if column is None:
        raise ToolError(
            f"Unknown column {args.column!r} in {table.qualified_name}; describe_table lists them."
        )
    single = dataclasses.replace(table, columns=[column])
    try:
        profiles = profile_table(
            connection.engine(), single, timeout=settings.QUERY_TIMEOUT_SECONDS
        )
    except ConnectorError as exc:
        raise ToolError(f"The database returned an error: {exc.user_message}") from None
    profile = profiles.get(column.name)
    if profile is None:
        raise ToolError(
            f"Column {column.name!r} has a type that cannot be profiled ({column.type})."
        )
    return {"table": table.qualified_name, "column": column.name, **profile}


def run_sql(connection: Connection, args: SqlArgs) -> dict:
    return _query(connection, args.sql, args.limit)


TOOLS: dict[str, tuple[type[_Args], Callable[[Connection, Any], Any]]] = {
    "list_tables": (NoArgs, list_tables),
    "describe_table": (TableArgs, describe_table),
    "sample_rows": (SampleArgs, sample_rows),
    "get_schema": (NoArgs, get_schema),
    "profile_column": (ColumnArgs, profile_column),
    "run_sql": (SqlArgs, run_sql),
}


def validate(name: str, arguments: dict) -> tuple[Callable[[Connection, Any], Any], _Args]:
    """The tool's function and its checked arguments, or ToolError naming the problem. Runs
    before the target database is chosen, so "unknown tool" is never hidden by "no database"."""
    if name not in TOOLS:
        raise ToolError(f"Unknown tool {name!r}; the tools are {', '.join(TOOLS)}.")
    model, function = TOOLS[name]
    try:
        args = model.model_validate(arguments)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}" for e in exc.errors()
        )
        raise ToolError(f"Bad arguments for {name}: {problems}") from None
    return function, args


def execute(connection: Connection, name: str, arguments: dict) -> Any:
    function, args = validate(name, arguments)
    return function(connection, args)
