"""BigQuery introspection from the dataset's INFORMATION_SCHEMA in at most five queries, run
through a `run(sql) -> rows` the engine provides (the client library stays in the engine).

Tables and columns come from `<project>.<dataset>.INFORMATION_SCHEMA.TABLES/COLUMNS`, keys
(declared, not enforced, in BigQuery) from KEY_COLUMN_USAGE, TABLE_CONSTRAINTS and
CONSTRAINT_COLUMN_USAGE, and row counts and sizes from the region's TABLE_STORAGE view
(`region-<location>`), which only exists per region, not per dataset.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlglot.expressions as exp

from connections.dialects.introspection import sorted_tables
from connections.dialects.schema import Column, ForeignKey, SchemaDocument, Table


def read_schema(
    run: Callable[[str], list[tuple]], project: str, dataset: str, location: str
) -> SchemaDocument:
    """Tables, columns, keys and row counts in at most four INFORMATION_SCHEMA queries."""
    from google.api_core.exceptions import GoogleAPICallError

    where = f"`{project}.{dataset}.INFORMATION_SCHEMA"
    tables: dict[str, Table] = {}
    for name, table_type in run(f"SELECT table_name, table_type FROM {where}.TABLES`"):
        kind = {"VIEW": "view", "MATERIALIZED VIEW": "materialized_view"}.get(table_type, "table")
        tables[name] = Table(schema=dataset, name=name, kind=kind)
    for name, column, position, nullable, data_type in run(
        "SELECT table_name, column_name, ordinal_position, is_nullable, data_type "
        f"FROM {where}.COLUMNS` ORDER BY table_name, ordinal_position"
    ):
        if name in tables:
            tables[name].columns.append(
                Column(column, data_type, int(position), (nullable or "YES") == "YES")
            )
    try:
        _read_keys(run, where, dataset, tables)
    except GoogleAPICallError:
        pass  # datasets without key views (older regions): no keys, the rest still holds
    if location:
        # Row counts live in the region's TABLE_STORAGE, not the dataset's.
        region = f"`{project}.region-{location.lower()}.INFORMATION_SCHEMA.TABLE_STORAGE`"
        literal = exp.Literal.string(dataset).sql(dialect="bigquery")
        try:
            for name, rows, size in run(
                "SELECT table_name, total_rows, total_logical_bytes "
                f"FROM {region} WHERE table_schema = {literal}"
            ):
                if name in tables:
                    tables[name].row_count = None if rows is None else int(rows)
                    tables[name].size_bytes = None if size is None else int(size)
        except GoogleAPICallError:
            pass  # no permission on the region's storage view: counts stay unknown
    for table in tables.values():
        for column in table.columns:
            column.primary_key = column.name in table.primary_key
    return SchemaDocument(dialect="bigquery", tables=sorted_tables(tables.values()))


def _read_keys(run, where: str, dataset: str, tables: dict[str, Table]) -> None:
    referred: dict[str, tuple[str, list[str]]] = {}
    for name, column, constraint in run(
        f"SELECT table_name, column_name, constraint_name FROM {where}.CONSTRAINT_COLUMN_USAGE`"
    ):
        referred.setdefault(constraint, (name, []))[1].append(column)
    for name, column, constraint, ctype in run(
        "SELECT k.table_name, k.column_name, k.constraint_name, c.constraint_type "
        f"FROM {where}.KEY_COLUMN_USAGE` k JOIN {where}.TABLE_CONSTRAINTS` c "
        "USING (constraint_name) ORDER BY k.table_name, k.constraint_name, k.ordinal_position"
    ):
        table = tables.get(name)
        if table is None:
            continue
        if ctype == "PRIMARY KEY":
            table.primary_key.append(column)
        elif ctype == "FOREIGN KEY" and constraint in referred:
            fk = next((f for f in table.foreign_keys if f.name == constraint), None)
            if fk is None:
                target, columns = referred[constraint]
                fk = ForeignKey([], dataset, target, list(columns), name=constraint)
                table.foreign_keys.append(fk)
            fk.columns.append(column)
