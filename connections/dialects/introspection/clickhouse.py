"""ClickHouse introspection in four system-table queries, down to ClickHouse 18.16.

system.tables and system.columns gained columns over the years (18.16 has partition_key,
sorting_key, primary_key and column comments, but no total_rows/total_bytes or table comment),
so the first query asks which columns exist and the others only select those. Row counts and
sizes come from active parts, which every MergeTree version has.

ClickHouse has no foreign keys or unique constraints, and its primary key is a sparse sort index
that does not imply uniqueness: Table.primary_key stays empty, the key expressions go to
partition_key / sorting_key / primary_key_expr, and Column.primary_key marks members of that key.
"""

from __future__ import annotations

from typing import Any

from connections.dialects.introspection import sorted_tables, sql_string_list
from connections.dialects.schema import Column, SchemaDocument, Table

SYSTEM_DATABASES = ("system", "INFORMATION_SCHEMA", "information_schema")
OPTIONAL_TABLE_COLUMNS = (
    "partition_key", "sorting_key", "primary_key", "sampling_key", "comment", "total_rows"
)  # fmt: skip
OPTIONAL_COLUMN_COLUMNS = ("comment", "is_in_primary_key", "position")
# A materialized view without TO keeps its data in this hidden table.
INNER_PREFIX = ".inner."


def _execute(client: Any, sql: str) -> list[tuple]:
    return list(client.execute(sql))


def _where(column: str, schemas: list[str] | None) -> str:
    where = f"{column} NOT IN ({sql_string_list(SYSTEM_DATABASES, backslash_escapes=True)})"
    if schemas is not None:
        where += f" AND {column} IN ({sql_string_list(schemas, backslash_escapes=True)})"
    return where


def _kind(engine: str) -> str:
    if engine == "View":
        return "view"
    if engine == "MaterializedView":
        return "materialized_view"
    return "table"


def introspect(
    client: Any, *, server_version: str = "", schemas: list[str] | None = None
) -> SchemaDocument:
    """Read every non-system table and view visible to a clickhouse_driver Client."""
    available: dict[str, set[str]] = {"tables": set(), "columns": set()}
    for table, name in _execute(
        client,
        "SELECT table, name FROM system.columns"
        " WHERE database = 'system' AND table IN ('tables', 'columns')",
    ):
        available[table].add(name)

    def optional(table: str, names: tuple[str, ...]) -> list[str]:
        return [n for n in names if n in available[table]]

    table_extras = optional("tables", OPTIONAL_TABLE_COLUMNS)
    select = ", ".join(["database", "name", "engine", *table_extras])
    tables: dict[tuple[str, str], Table] = {}
    total_rows: dict[tuple[str, str], int | None] = {}
    for row in _execute(
        client,
        f"SELECT {select} FROM system.tables WHERE {_where('database', schemas)}"
        " AND NOT is_temporary",
    ):
        database, name, engine = row[:3]
        extra = dict(zip(table_extras, row[3:], strict=True))
        tables[(database, name)] = Table(
            schema=database,
            name=name,
            kind=_kind(engine),
            comment=extra.get("comment") or "",
            engine=engine,
            partition_key=extra.get("partition_key") or "",
            sorting_key=extra.get("sorting_key") or "",
            primary_key_expr=extra.get("primary_key") or "",
            sampling_key=extra.get("sampling_key") or "",
        )
        total_rows[(database, name)] = extra.get("total_rows")

    column_extras = optional("columns", OPTIONAL_COLUMN_COLUMNS)
    select = ", ".join(
        ["database", "table", "name", "type", "default_kind", "default_expression", *column_extras]
    )
    # Without a position column (before 21.x) rows come in definition order.
    for row in _execute(
        client, f"SELECT {select} FROM system.columns WHERE {_where('database', schemas)}"
    ):
        database, table_name, name, type_, default_kind, default_expr = row[:6]
        extra = dict(zip(column_extras, row[6:], strict=True))
        table = tables.get((database, table_name))
        if table is None:
            continue
        default = None
        if default_expr:
            # MATERIALIZED and ALIAS columns are computed, not defaults a writer may override.
            default = (
                default_expr if default_kind == "DEFAULT" else f"{default_kind} {default_expr}"
            )
        table.columns.append(
            Column(
                name=name,
                type=type_,
                position=int(extra.get("position") or len(table.columns) + 1),
                nullable=type_.startswith("Nullable("),
                default=default,
                comment=extra.get("comment") or "",
                primary_key=bool(extra.get("is_in_primary_key")),
            )
        )

    parts: dict[tuple[str, str], tuple[int, int]] = {}
    for database, table_name, rows, size in _execute(
        client,
        "SELECT database, table, sum(rows), sum(bytes_on_disk) FROM system.parts"
        f" WHERE active AND {_where('database', schemas)} GROUP BY database, table",
    ):
        parts[(database, table_name)] = (int(rows), int(size))

    for (database, name), table in tables.items():
        if table.kind == "view":
            continue
        key = (
            (database, INNER_PREFIX + name)
            if table.kind == "materialized_view"
            else (database, name)
        )
        if key in parts:
            table.row_count, table.size_bytes = parts[key]
        elif total_rows.get((database, name)) is not None:
            table.row_count = int(total_rows[(database, name)])  # Memory etc. on newer servers
        elif table.engine.endswith("MergeTree"):
            table.row_count, table.size_bytes = 0, 0  # no active parts: empty

    # Read after the first query: the client connects lazily.
    if not server_version:
        info = getattr(getattr(client, "connection", None), "server_info", None)
        if info is not None:  # known from the handshake: no query
            server_version = ".".join(
                str(p) for p in (info.version_major, info.version_minor, info.version_patch)
            )

    return SchemaDocument(
        dialect="clickhouse",
        server_version=server_version,
        tables=sorted_tables(
            t for (_, name), t in tables.items() if not name.startswith(INNER_PREFIX)
        ),
    )
