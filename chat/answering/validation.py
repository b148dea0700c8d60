"""Checks every generated SQL passes before the database sees it.

Two checks, both cheap and both run on text only: the foundation's SQL guard (read-only, one
statement, allowed functions, only the snapshot's tables, LIMIT) and a schema check with
sqlglot's `qualify` against the snapshot, so that an invented table or column goes back to
the generator as a correction round instead of becoming a database round trip (or, worse, a
confusing database error).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from connections.dialects import SQLGLOT_DIALECTS
from connections.dialects.schema import SchemaDocument
from connections.guard import UnsafeSQLError, guard_sql
from schemas_app.services import table_names

# A document's tables with no schema (SQLite, some ClickHouse setups) still need one level
# so that every key in the mapping has the same depth; queries never name it.
NO_SCHEMA = "_"


@dataclass
class Validated:
    sql: str | None  # the guarded SQL to run, when valid (with our row LIMIT)
    error: str = ""  # the reason, phrased for the generator's correction round
    unsafe: bool = False  # the guard refused it (a write, several statements...)
    # The same guarded SQL without the LIMIT we add: what users see, copy, store and save as
    # an example. Our LIMIT is max_rows + 1 (to detect a cut result), an internal detail.
    shown: str | None = None


def validate_sql(sql: str, *, document: SchemaDocument, kind: str, limit: int | None) -> Validated:
    """The SQL to run, or the reason it must not run."""
    tables = table_names(document)
    try:
        shown = guard_sql(sql, kind, allowed_tables=tables)
        # Guarding the guarded text again only appends the LIMIT (the text is unchanged).
        guarded = (
            guard_sql(shown, kind, limit=limit, allowed_tables=tables)
            if limit is not None
            else shown
        )
    except UnsafeSQLError as error:
        return Validated(None, error.reason, unsafe=True)
    problem = schema_problem(guarded, document=document, kind=kind)
    if problem:
        return Validated(None, problem)
    return Validated(guarded, shown=shown)


_schemas: dict[int, tuple[weakref.ref, MappingSchema]] = {}
_schemas_lock = threading.Lock()


def _mapping(document: SchemaDocument, dialect: str) -> MappingSchema:
    """The sqlglot schema of a document, built once per document (it is immutable)."""
    with _schemas_lock:
        hit = _schemas.get(id(document))
        if hit and hit[0]() is document:
            return hit[1]
    nested: dict[str, dict[str, dict[str, str]]] = {}

    def quoted(name: str) -> str:
        # Keys are quoted so their stored spelling is kept; sqlglot then applies the
        # dialect's own rules to the query's names (PostgreSQL folds unquoted names to lower
        # case, SQLite ignores case, ClickHouse is case-sensitive).
        return exp.to_identifier(name, quoted=True).sql(dialect=dialect)

    for table in document.tables:
        # Types are irrelevant to name resolution, and some engine types do not parse.
        columns = {quoted(c.name): "TEXT" for c in table.columns}
        nested.setdefault(quoted(table.schema or NO_SCHEMA), {})[quoted(table.name)] = columns
    schema = MappingSchema(nested, dialect=dialect)
    with _schemas_lock:
        if len(_schemas) > 16:
            _schemas.pop(next(iter(_schemas)))
        _schemas[id(document)] = (weakref.ref(document), schema)
    return schema


def schema_problem(sql: str, *, document: SchemaDocument, kind: str) -> str:
    """An error message naming the unknown table or column, or "" when the names resolve."""
    dialect = SQLGLOT_DIALECTS[kind]
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return ""  # the guard parsed it already; let the database have the final word
    schema = _mapping(document, dialect)
    # The mapping's keys are normalized by the dialect's rules; the query's names must be too
    # before they are looked up (qualify does this itself, find() does not).
    tree = normalize_identifiers(tree, dialect=dialect)

    cte_names = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if not table.name or isinstance(table.this, exp.Func):
            continue  # table functions such as numbers(10) are the guard's business
        if not table.db and table.name.lower() in cte_names:
            continue
        if schema.find(table, raise_on_missing=False) is None:
            return f"Unknown table {table.sql(dialect=dialect)}: it is not in the schema."
    try:
        qualify(
            tree,
            schema=schema,
            dialect=dialect,
            validate_qualify_columns=True,
            quote_identifiers=False,
        )
    except OptimizeError as error:
        message = str(error)
        # Only name-resolution failures are certain; sqlglot may not model every construct
        # of every dialect, and a false alarm would block a query the database accepts.
        if "Unknown column" in message or "could not be resolved" in message:
            return f"{message.rstrip('.')}. Use only columns listed in the schema."
    except (SqlglotError, RecursionError, KeyError, ValueError):
        pass
    return ""
