"""SQLite introspection (3.16+) of the main database in at most five queries.

SQLite has no catalog views for columns or keys, but its pragma table-valued functions joined
with sqlite_master give set-based queries all the same. SQLite has no comments and no size per
table; row counts come from sqlite_stat1 when ANALYZE has been run, else stay unknown.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from connections.dialects.introspection import fetch_all, sorted_tables
from connections.dialects.schema import Column, ForeignKey, Index, SchemaDocument, Table

SCHEMA = "main"
RELATIONS = "m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"

COLUMNS_SQL = f"""
SELECT m.name, p.cid, p.name, p.type, p."notnull", p.dflt_value, p.pk
FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE {RELATIONS}
ORDER BY m.name, p.cid
"""

FOREIGN_KEYS_SQL = f"""
SELECT m.name, f.id, f."table", f."from", f."to"
FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
WHERE {RELATIONS} AND m.type = 'table'
ORDER BY m.name, f.id, f.seq
"""

# origin: 'pk' is the primary key's own index, 'u' a UNIQUE constraint, 'c' CREATE INDEX.
# An expression key has no column name.
INDEXES_SQL = f"""
SELECT m.name, il.name, il."unique", il.origin, COALESCE(ii.name, '<expression>')
FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii
WHERE {RELATIONS} AND m.type = 'table'
ORDER BY m.name, il.name, ii.seqno
"""


def _fetch_set(conn: Any, sql: str, names: list[str]) -> list[tuple]:
    """Run a set-based pragma query, falling back per relation only if one relation breaks it.

    One broken view (its table dropped) or a virtual table whose module is not loaded makes the
    whole joined query fail; such relations are skipped rather than failing the extraction.
    """
    try:
        return fetch_all(conn, sql)
    except sqlite3.OperationalError:
        rows: list[tuple] = []
        where_one = sql.replace("ORDER BY", "AND m.name = ? ORDER BY")
        for name in names:
            try:
                rows.extend(fetch_all(conn, where_one, (name,)))
            except sqlite3.OperationalError:
                continue
        return rows


def introspect(
    conn: Any, *, server_version: str = "", schemas: list[str] | None = None
) -> SchemaDocument:
    """Read the tables and views of a sqlite3 connection's main database."""
    server_version = server_version or sqlite3.sqlite_version
    if schemas is not None and SCHEMA not in schemas:
        return SchemaDocument(dialect="sqlite", server_version=server_version)

    tables: dict[str, Table] = {}
    has_stats = False
    for type_, name in fetch_all(
        conn, "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view')"
    ):
        if name == "sqlite_stat1":
            has_stats = True
        elif not name.startswith("sqlite_"):
            tables[name] = Table(schema=SCHEMA, name=name, kind=type_)
    names = list(tables)
    # Identifiers are case-insensitive in SQLite; FKs may spell the referred table differently.
    by_lower = {name.lower(): table for name, table in tables.items()}

    if has_stats:
        # The first number of each stat is the row count of the table (or of the index, which
        # for a full index is the same); tables without indexes have a row with idx NULL.
        for tbl, stat in fetch_all(conn, "SELECT tbl, stat FROM sqlite_stat1"):
            table = tables.get(tbl)
            first = (stat or "").split(" ")[0]
            if table is not None and first.isdigit():
                table.row_count = max(table.row_count or 0, int(first))

    pk_order: dict[str, list[tuple[int, str]]] = {}
    for table_name, cid, name, type_, notnull, default, pk in _fetch_set(conn, COLUMNS_SQL, names):
        table = tables.get(table_name)
        if table is None:
            continue
        table.columns.append(
            Column(
                name=name,
                type=type_ or "",  # columns may be declared without a type
                position=cid + 1,
                nullable=not notnull,
                default=default,
                primary_key=bool(pk),
            )
        )
        if pk:
            pk_order.setdefault(table_name, []).append((pk, name))
    for table_name, members in pk_order.items():
        table = tables[table_name]
        table.primary_key = [name for _, name in sorted(members)]
        if len(members) == 1 and table.kind == "table":
            # INTEGER PRIMARY KEY is the rowid itself: never NULL, whatever "notnull" says.
            (column,) = [c for c in table.columns if c.name == members[0][1]]
            if column.type.upper() == "INTEGER":
                column.nullable = False

    by_fk: dict[tuple[str, int], ForeignKey] = {}
    for table_name, fk_id, ref_table, col, ref_col in _fetch_set(conn, FOREIGN_KEYS_SQL, names):
        table = tables.get(table_name)
        if table is None:
            continue
        referred = by_lower.get(ref_table.lower())
        fk = by_fk.get((table_name, fk_id))
        if fk is None:
            fk = by_fk[(table_name, fk_id)] = ForeignKey(
                columns=[],
                referred_schema=SCHEMA,
                referred_table=referred.name if referred else ref_table,
                referred_columns=[],
            )
            table.foreign_keys.append(fk)
        fk.columns.append(col)
        if ref_col is not None:
            fk.referred_columns.append(ref_col)
    for fk in by_fk.values():
        # "REFERENCES t" without columns means t's primary key.
        referred = by_lower.get(fk.referred_table.lower())
        if not fk.referred_columns and referred is not None:
            fk.referred_columns = list(referred.primary_key)

    by_index: dict[tuple[str, str], Index] = {}
    for table_name, index_name, unique, origin, col in _fetch_set(conn, INDEXES_SQL, names):
        table = tables.get(table_name)
        if table is None or origin == "pk":
            continue
        index = by_index.get((table_name, index_name))
        if index is None:
            index = by_index[(table_name, index_name)] = Index(
                name=index_name, columns=[], unique=bool(unique)
            )
            table.indexes.append(index)
            if origin == "u":
                table.unique_constraints.append(index.columns)  # filled in as rows arrive
        index.columns.append(col)
    for table in tables.values():
        table.unique_constraints = [list(cols) for cols in table.unique_constraints]

    return SchemaDocument(
        dialect="sqlite", server_version=server_version, tables=sorted_tables(tables.values())
    )
