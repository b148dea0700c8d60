"""Set-based schema introspection, one module per engine.

Each module exposes `introspect(conn, *, server_version="", schemas=None) -> SchemaDocument`
taking an already-open driver connection, so the dialect classes own connecting, pooling and
read-only sessions while this package owns the catalog SQL.

Every module issues a fixed number of catalog queries whatever the number of tables (one for
relations, one for columns, one for keys, one for indexes, ...): per-table queries are what make
reflection take minutes on big schemas. All queries go through `fetch_all` (or the ClickHouse
client's `execute`), so a test can wrap the connection and count round trips.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from connections.dialects.schema import Table


def fetch_all(conn: Any, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
    """Run one query on a DB-API connection and return all rows."""
    cur = conn.cursor()
    try:
        # No params means no placeholder parsing, so a literal '%' in LIKE patterns is safe.
        if params is None:
            cur.execute(sql)
        else:
            cur.execute(sql, params)
        return list(cur.fetchall())
    finally:
        cur.close()


def sql_string_list(values: Iterable[str], *, backslash_escapes: bool = False) -> str:
    """Quote names as SQL string literals for an IN (...) list.

    Only used for schema filters; inlining them keeps one query text valid for drivers with
    different placeholder styles. MySQL and ClickHouse treat backslash as an escape in string
    literals, PostgreSQL (standard_conforming_strings) and SQLite do not.
    """
    quoted = []
    for v in values:
        if backslash_escapes:
            v = v.replace("\\", "\\\\")
        quoted.append("'" + v.replace("'", "''") + "'")
    return ", ".join(quoted) or "NULL"


def sorted_tables(tables: Iterable[Table]) -> list[Table]:
    # A stable order makes snapshots diffable and fingerprints reproducible.
    return sorted(tables, key=lambda t: (t.schema, t.name))
