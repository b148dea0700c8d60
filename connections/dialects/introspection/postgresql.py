"""PostgreSQL introspection (PostgreSQL 11+) in four catalog queries.

pg_catalog rather than information_schema: information_schema hides enum/domain/array names
behind "USER-DEFINED"/"ARRAY", knows nothing of materialized views, and is slow on big schemas.
"""

from __future__ import annotations

from typing import Any

from connections.dialects.introspection import fetch_all, sorted_tables, sql_string_list
from connections.dialects.schema import Column, ForeignKey, Index, SchemaDocument, Table

KINDS = {"r": "table", "p": "table", "f": "table", "v": "view", "m": "materialized_view"}


def _schema_filter(schemas: list[str] | None) -> str:
    # pg_toast_temp_N and pg_temp_N hold TOAST data and other sessions' temporary tables.
    where = (
        "n.nspname NOT IN ('pg_catalog', 'information_schema')"
        " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
    )
    if schemas is not None:
        where += f" AND n.nspname IN ({sql_string_list(schemas)})"
    return where


RELATIONS_SQL = """
SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispartition, c.relispopulated,
       (SELECT i.inhparent FROM pg_inherits i WHERE i.inhrelid = c.oid LIMIT 1),
       d.description, c.reltuples, s.n_live_tup,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_total_relation_size(c.oid) END
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND {where}
  AND has_schema_privilege(n.oid, 'USAGE') AND has_any_column_privilege(c.oid, 'SELECT')
"""

# format_type keeps enum, domain and array names (mpaa_rating, year, text[]); partitions are
# skipped since their columns repeat their parent's.
COLUMNS_SQL = """
SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
       NOT a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, d.description
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_description d
       ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND NOT c.relispartition
  AND c.relkind IN ('r', 'p', 'f', 'v', 'm') AND {where}
ORDER BY a.attrelid, a.attnum
"""

# conparentid <> 0 marks constraints PostgreSQL cloned onto partitions from their parent;
# the parent's own row already says it. Partitions' own FKs are kept and folded upward.
CONSTRAINTS_SQL = """
SELECT con.conrelid, con.contype, con.conname,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.ord),
       con.confrelid, fn.nspname, fc.relname,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.ord)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.contype IN ('p', 'u', 'f') AND con.conparentid = 0 AND {where}
ORDER BY con.conrelid, con.conname
"""

# Expression index keys have indkey 0 and are shown as their expression text.
INDEXES_SQL = """
SELECT i.indrelid, ic.relname, i.indisunique,
       ARRAY(SELECT COALESCE(a.attname::text, pg_get_indexdef(i.indexrelid, k, true))
             FROM generate_series(1, i.indnkeyatts) k
             LEFT JOIN pg_attribute a
                    ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
                   AND i.indkey[k - 1] <> 0
             ORDER BY k)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisprimary AND NOT c.relispartition AND {where}
ORDER BY i.indrelid, ic.relname
"""


def _row_count(reltuples: float | None, n_live_tup: int | None) -> int | None:
    # reltuples is -1 until the first VACUUM/ANALYZE (PostgreSQL 14+); the statistics
    # collector's live-tuple counter is the next best estimate.
    if reltuples is not None and reltuples >= 0:
        return int(reltuples)
    return int(n_live_tup) if n_live_tup is not None else None


def introspect(
    conn: Any, *, server_version: str = "", schemas: list[str] | None = None
) -> SchemaDocument:
    """Read every visible non-system relation of a psycopg 3 connection."""
    where = _schema_filter(schemas)
    if not server_version:
        num = getattr(getattr(conn, "info", None), "server_version", 0) or 0
        server_version = f"{num // 10000}.{num % 10000}" if num else ""

    tables: dict[int, Table] = {}
    parent_of: dict[int, int] = {}
    leaf_stats: dict[int, tuple[int | None, int | None]] = {}
    for (
        oid,
        schema,
        name,
        relkind,
        is_partition,
        populated,
        parent,
        comment,
        reltuples,
        live,
        size,
    ) in fetch_all(conn, RELATIONS_SQL.format(where=where)):
        table = Table(
            schema=schema,
            name=name,
            kind=KINDS[relkind],
            comment=comment or "",
            # A materialized view created WITH NO DATA has no rows to count yet.
            row_count=_row_count(reltuples, live) if relkind != "v" and populated else None,
            size_bytes=size,
        )
        tables[oid] = table
        if is_partition and parent:
            parent_of[oid] = parent
        if relkind != "p":
            leaf_stats[oid] = (table.row_count, size)

    def root(oid: int) -> int:
        # Sub-partitions fold into the top-level table a user actually queries.
        while oid in parent_of and parent_of[oid] in tables:
            oid = parent_of[oid]
        return oid

    for attrelid, num, name, type_, nullable, default, identity, comment in fetch_all(
        conn, COLUMNS_SQL.format(where=where)
    ):
        table = tables.get(attrelid)
        if table is None:
            continue
        if default is None and identity:
            default = (
                "GENERATED ALWAYS AS IDENTITY"
                if identity == "a"
                else "GENERATED BY DEFAULT AS IDENTITY"
            )
        table.columns.append(
            Column(
                name=name,
                type=type_,
                position=num,
                nullable=nullable,
                default=default,
                comment=comment or "",
            )
        )

    for conrelid, contype, conname, cols, confrelid, ref_schema, ref_name, ref_cols in fetch_all(
        conn, CONSTRAINTS_SQL.format(where=where)
    ):
        if conrelid not in tables:
            continue
        owner = tables[root(conrelid)]
        if contype == "f":
            # A reference to a partition is a reference to its partitioned table.
            if confrelid in tables:
                referred = tables[root(confrelid)]
                ref_schema, ref_name = referred.schema, referred.name
            fk = ForeignKey(
                columns=list(cols),
                referred_schema=ref_schema,
                referred_table=ref_name,
                referred_columns=list(ref_cols),
                name=conname,
            )
            # pagila-style dumps repeat one FK on every partition: keep it once on the parent.
            key = (fk.columns, fk.referred_schema, fk.referred_table, fk.referred_columns)
            if not any(
                (f.columns, f.referred_schema, f.referred_table, f.referred_columns) == key
                for f in owner.foreign_keys
            ):
                owner.foreign_keys.append(fk)
        elif conrelid in parent_of:
            continue  # a partition's own PK/unique constraint; the parent's are what matter
        elif contype == "p":
            owner.primary_key = list(cols)
        else:
            owner.unique_constraints.append(list(cols))

    for indrelid, name, unique, cols in fetch_all(conn, INDEXES_SQL.format(where=where)):
        if indrelid in tables:
            tables[indrelid].indexes.append(Index(name=name, columns=list(cols), unique=unique))

    # A partitioned table stores nothing itself: its statistics are the sum of its leaves'.
    rows_by_root: dict[int, list[int]] = {}
    for oid in sorted(parent_of):
        top = root(oid)
        tables[top].partitions.append(tables[oid].name)
        if oid in leaf_stats:
            rows, size = leaf_stats[oid]
            tables[top].size_bytes = (tables[top].size_bytes or 0) + (size or 0)
            if rows is not None:
                rows_by_root.setdefault(top, []).append(rows)
    for top, counts in rows_by_root.items():
        tables[top].row_count = sum(counts)
    for table in tables.values():
        pk = set(table.primary_key)
        for column in table.columns:
            column.primary_key = column.name in pk
        table.partitions.sort()

    return SchemaDocument(
        dialect="postgresql",
        server_version=server_version,
        tables=sorted_tables(t for oid, t in tables.items() if oid not in parent_of),
    )
