"""One schema document over several linked databases, for an engine that reads one database.

Each table is renamed into a schema named after its database's alias (`shop.customers`), and
each declared link becomes a foreign key, so the built-in engine's join
graph crosses databases through the links. The engine then writes PostgreSQL-flavoured SQL
naming `"shop"."customers"`, which is exactly federated SQL (DuckDB reads it), and
federation.services runs it. The engine itself is unchanged: it is given a bigger schema.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence

from connections.dialects.schema import ForeignKey, SchemaDocument, Table

from .planner import Database, FederationError, find_table

# The engine writes SQL for this dialect; DuckDB reads PostgreSQL's forms of what it writes.
MERGED_DIALECT = "postgresql"


def merged_document(
    databases: Sequence[Database],
    links: Iterable,
    profiles: dict[str, dict] | None = None,
) -> tuple[SchemaDocument, dict]:
    """(the merged document, its profiles keyed by the merged table names).

    `links`: CrossDatabaseLink rows (or anything with the same fields and connections whose
    alias the databases carry); `profiles`: {alias: that database's profiles}."""
    by_alias = {d.alias: d for d in databases}
    tables: dict[tuple[str, str], Table] = {}
    merged_profiles: dict = {}
    for database in databases:
        for table in database.document.tables:
            renamed = copy.deepcopy(table)
            renamed.schema = database.alias
            # Keys inside one database keep pointing inside it, now under its alias.
            for fk in renamed.foreign_keys:
                fk.referred_schema = database.alias
            tables[(database.alias, table.qualified_name)] = renamed
            stored = (profiles or {}).get(database.alias, {}).get(table.qualified_name)
            if stored is not None:
                merged_profiles[renamed.qualified_name] = stored
    for link in links:
        ends = []
        for side in ("left", "right"):
            alias = _alias(getattr(link, f"{side}_connection"))
            database = by_alias.get(alias)
            if database is None:
                break
            schema, _, name = getattr(link, f"{side}_table").rpartition(".")
            try:
                original = find_table(database.document, name, schema)
            except FederationError:
                break  # a newer snapshot lost the table: the link no longer joins anything
            ends.append((tables[(alias, original.qualified_name)], getattr(link, f"{side}_column")))
        if len(ends) != 2:
            continue  # a link to a database outside this chat
        # One direction only (two would read as two ways to join): the many side refers to
        # the side whose column is its key, else the bigger table to the smaller one.
        (many, many_column), (one, one_column) = sorted(ends, key=_referring, reverse=True)
        many.foreign_keys.append(_key(many_column, one, one_column))
    document = SchemaDocument(dialect=MERGED_DIALECT, tables=list(tables.values()))
    return document, merged_profiles


def _referring(end: tuple[Table, str]) -> tuple[bool, int]:
    table, column = end
    keyed = table.primary_key == [column] or [column] in table.unique_constraints
    return (not keyed, table.row_count or 0)


def _key(column: str, target: Table, target_column: str) -> ForeignKey:
    return ForeignKey(
        columns=[column],
        referred_schema=target.schema,
        referred_table=target.name,
        referred_columns=[target_column],
        name="cross_database_link",
    )


def _alias(connection) -> str:
    from .services import alias_for

    return alias_for(connection)
