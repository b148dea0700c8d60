"""MySQL / MariaDB introspection in four information_schema queries.

A "schema" here is a MySQL database. Unique constraints are unique indexes in MySQL, so both
come from information_schema.STATISTICS.
"""

from __future__ import annotations

from typing import Any

from connections.dialects.introspection import fetch_all, sorted_tables, sql_string_list
from connections.dialects.schema import Column, ForeignKey, Index, SchemaDocument, Table

SYSTEM_SCHEMAS = ("mysql", "sys", "performance_schema", "information_schema")


def _where(schemas: list[str] | None) -> str:
    where = f"TABLE_SCHEMA NOT IN ({sql_string_list(SYSTEM_SCHEMAS)})"
    if schemas is not None:
        where += f" AND TABLE_SCHEMA IN ({sql_string_list(schemas, backslash_escapes=True)})"
    return where


# TABLE_ROWS is the storage engine's estimate (exact for MyISAM, sampled for InnoDB), which is
# what we want: COUNT(*) on every table would be slow. SEQUENCE (MariaDB) is not a table.
TABLES_SQL = """
SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, TABLE_COMMENT, TABLE_ROWS,
       DATA_LENGTH + INDEX_LENGTH
FROM information_schema.TABLES
WHERE {where} AND TABLE_TYPE IN ('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED')
"""

# COLUMN_TYPE rather than DATA_TYPE keeps lengths and enum/set members: varchar(160),
# enum('G','PG').
COLUMNS_SQL = """
SELECT TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE,
       COLUMN_DEFAULT, COLUMN_COMMENT, EXTRA
FROM information_schema.COLUMNS
WHERE {where}
ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION
"""

INDEXES_SQL = """
SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME
FROM information_schema.STATISTICS
WHERE {where}
ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX
"""

FOREIGN_KEYS_SQL = """
SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME,
       REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
FROM information_schema.KEY_COLUMN_USAGE
WHERE {where} AND REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION
"""


def _text(value: Any) -> Any:
    # Some MySQL 8 information_schema columns are binary-collated and arrive as bytes.
    return value.decode("utf-8", "replace") if isinstance(value, bytes | bytearray) else value


def _rows(conn: Any, sql: str) -> list[tuple]:
    rows = fetch_all(conn, sql)
    # Decode only the columns that hold bytes (none on MariaDB): a call per value costed a
    # third of the whole introspection of 20,000 columns.
    binary = {i for row in rows for i, v in enumerate(row) if isinstance(v, bytes | bytearray)}
    if not binary:
        return [tuple(row) for row in rows]
    return [tuple(_text(v) if i in binary else v for i, v in enumerate(row)) for row in rows]


def introspect(
    conn: Any, *, server_version: str = "", schemas: list[str] | None = None
) -> SchemaDocument:
    """Read every visible non-system table and view of a MySQLdb connection."""
    where = _where(schemas)
    if not server_version and hasattr(conn, "get_server_info"):
        server_version = _text(conn.get_server_info())  # known from the handshake: no query

    tables: dict[tuple[str, str], Table] = {}
    for schema, name, type_, comment, rows, size in _rows(conn, TABLES_SQL.format(where=where)):
        view = type_ == "VIEW"
        tables[(schema, name)] = Table(
            schema=schema,
            name=name,
            kind="view" if view else "table",
            comment="" if view else (comment or ""),  # views carry the comment "VIEW"
            row_count=None if view or rows is None else int(rows),
            size_bytes=None if view or size is None else int(size),
        )

    for schema, name, pos, col, type_, nullable, default, comment, extra in _rows(
        conn, COLUMNS_SQL.format(where=where)
    ):
        table = tables.get((schema, name))
        if table is None:
            continue
        # MariaDB 10.2.7+ reports "no default" as the string NULL (literals come quoted).
        if default == "NULL":
            default = None
        if default is None and "auto_increment" in (extra or "").lower():
            default = "AUTO_INCREMENT"
        table.columns.append(
            Column(
                name=col,
                type=type_,
                position=int(pos),
                nullable=nullable == "YES",
                default=default,
                comment=comment or "",
            )
        )

    by_index: dict[tuple[str, str, str], Index] = {}
    for schema, name, index_name, non_unique, col in _rows(conn, INDEXES_SQL.format(where=where)):
        table = tables.get((schema, name))
        if table is None:
            continue
        col = col or "<expression>"  # MySQL 8 functional index parts have no column name
        if index_name == "PRIMARY":
            table.primary_key.append(col)
            continue
        index = by_index.get((schema, name, index_name))
        if index is None:
            index = by_index[(schema, name, index_name)] = Index(
                name=index_name, columns=[], unique=not int(non_unique)
            )
            table.indexes.append(index)
        index.columns.append(col)
    for table in tables.values():
        table.unique_constraints = [list(ix.columns) for ix in table.indexes if ix.unique]

    by_fk: dict[tuple[str, str, str], ForeignKey] = {}
    for schema, name, fk_name, col, ref_schema, ref_table, ref_col in _rows(
        conn, FOREIGN_KEYS_SQL.format(where=where)
    ):
        table = tables.get((schema, name))
        if table is None:
            continue
        fk = by_fk.get((schema, name, fk_name))
        if fk is None:
            fk = by_fk[(schema, name, fk_name)] = ForeignKey(
                columns=[],
                referred_schema=ref_schema,
                referred_table=ref_table,
                referred_columns=[],
                name=fk_name,
            )
            table.foreign_keys.append(fk)
        fk.columns.append(col)
        fk.referred_columns.append(ref_col)

    for table in tables.values():
        pk = set(table.primary_key)
        for column in table.columns:
            column.primary_key = column.name in pk

    return SchemaDocument(
        dialect="mysql", server_version=server_version, tables=sorted_tables(tables.values())
    )
