"""Amazon Redshift introspection from its own catalog views, in five queries.

Redshift's pg_catalog is PostgreSQL 8.0's: no WITH ORDINALITY, no relispartition, no
pg_total_relation_size, and pg_class does not list late-binding views or external (Spectrum)
tables. Its system views do: `svv_tables` (every table and view the user may see),
`svv_columns` (their columns, late-binding views included) and `svv_table_info` (rows and size
of each user table). pg_table_def is not used: it shows only the schemas on the search_path.
Keys come from information_schema: Redshift declares them but does not enforce them, and they
still tell the SQL builders how tables join.

A server without these views (PostgreSQL standing in for Redshift in tests, or a
Redshift-compatible proxy) is read through the PostgreSQL catalog instead.
"""

from __future__ import annotations

from typing import Any

from connections.dialects.introspection import fetch_all, sorted_tables
from connections.dialects.schema import Column, ForeignKey, SchemaDocument, Table

# Redshift's own schemas (pg_internal, pg_automv, catalog_history) start with pg_ or are
# information_schema.
USER_SCHEMA = "{col} NOT IN ('information_schema', 'catalog_history') AND {col} NOT LIKE 'pg\\_%'"

TABLES_SQL = f"""
SELECT table_schema, table_name, table_type, remarks
FROM svv_tables
WHERE {USER_SCHEMA.format(col="table_schema")}
"""

COLUMNS_SQL = f"""
SELECT table_schema, table_name, column_name, ordinal_position, data_type,
       character_maximum_length, numeric_precision, numeric_scale, is_nullable,
       column_default, remarks
FROM svv_columns
WHERE {USER_SCHEMA.format(col="table_schema")}
ORDER BY table_schema, table_name, ordinal_position
"""

# size is in 1 MB blocks; tbl_rows counts rows marked deleted too, estimated_visible_rows not.
TABLE_INFO_SQL = """
SELECT "schema", "table", COALESCE(estimated_visible_rows, tbl_rows), size FROM svv_table_info
"""

KEYS_SQL = f"""
SELECT tc.table_schema, tc.table_name, tc.constraint_type, tc.constraint_schema,
       tc.constraint_name, k.column_name, k.ordinal_position, k.position_in_unique_constraint
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage k
  ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name
 AND k.table_schema = tc.table_schema AND k.table_name = tc.table_name
WHERE tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')
  AND {USER_SCHEMA.format(col="tc.table_schema")}
ORDER BY tc.table_schema, tc.table_name, tc.constraint_name, k.ordinal_position
"""

REFERENCES_SQL = f"""
SELECT constraint_schema, constraint_name, unique_constraint_schema, unique_constraint_name
FROM information_schema.referential_constraints
WHERE {USER_SCHEMA.format(col="constraint_schema")}
"""

KINDS = {"BASE TABLE": "table", "VIEW": "view", "EXTERNAL TABLE": "table"}
MB = 1024 * 1024


def _type(data_type: str, length, precision, scale) -> str:
    if length and data_type.startswith("character"):
        return f"{data_type}({length})"
    if data_type == "numeric" and precision:
        return f"numeric({precision},{scale or 0})"
    return data_type


def introspect(conn: Any, *, server_version: str = "") -> SchemaDocument:
    tables: dict[tuple[str, str], Table] = {}
    for schema, name, table_type, remarks in fetch_all(conn, TABLES_SQL):
        tables[(schema, name)] = Table(
            schema=schema,
            name=name,
            kind=KINDS.get((table_type or "").upper(), "table"),
            comment=remarks or "",
        )
    for row in fetch_all(conn, COLUMNS_SQL):
        schema, name, column, position, data_type, length, precision, scale = row[:8]
        nullable, default, remarks = row[8:]
        table = tables.get((schema, name))
        if table is not None:
            table.columns.append(
                Column(
                    name=column,
                    type=_type(data_type, length, precision, scale),
                    position=int(position),
                    nullable=(nullable or "YES").upper() == "YES",
                    default=default,
                    comment=remarks or "",
                )
            )
    for schema, name, rows, size in fetch_all(conn, TABLE_INFO_SQL):
        table = tables.get((schema, name))
        if table is not None:
            table.row_count = int(rows) if rows is not None else None
            table.size_bytes = int(size) * MB if size is not None else None
    _read_keys(conn, tables)
    for table in tables.values():
        pk = set(table.primary_key)
        for column in table.columns:
            column.primary_key = column.name in pk
    return SchemaDocument(
        dialect="redshift", server_version=server_version, tables=sorted_tables(tables.values())
    )


def _read_keys(conn: Any, tables: dict[tuple[str, str], Table]) -> None:
    # (constraint schema, name) -> (table key, type, [(column, ordinal, position in unique)])
    constraints: dict[tuple[str, str], tuple[tuple[str, str], str, list]] = {}
    for schema, name, ctype, cschema, cname, column, ordinal, position in fetch_all(conn, KEYS_SQL):
        entry = constraints.setdefault((cschema, cname), ((schema, name), ctype, []))
        entry[2].append((column, ordinal, position))
    for cschema, cname, uschema, uname in fetch_all(conn, REFERENCES_SQL):
        fk = constraints.get((cschema, cname))
        unique = constraints.get((uschema, uname))
        if fk is None or unique is None or fk[0] not in tables:
            continue
        referred = {ordinal: column for column, ordinal, _ in unique[2]}
        tables[fk[0]].foreign_keys.append(
            ForeignKey(
                columns=[column for column, _, _ in fk[2]],
                referred_schema=unique[0][0],
                referred_table=unique[0][1],
                referred_columns=[referred.get(position, "") for _, _, position in fk[2]],
                name=cname,
            )
        )
    for key, ctype, columns in constraints.values():
        table = tables.get(key)
        if table is None:
            continue
        names = [column for column, _, _ in columns]
        if ctype == "PRIMARY KEY":
            table.primary_key = names
        elif ctype == "UNIQUE":
            table.unique_constraints.append(names)
