"""Checks every generated SQL passes before the database sees it.

Two checks, both cheap and both run on text only: the foundation's SQL guard (read-only, one
statement, allowed functions, only the snapshot's tables, LIMIT) and a schema check with
sqlglot's `qualify` against the snapshot, so that an invented table or column goes back to
the generator as a correction round instead of becoming a database round trip (or, worse, a
confusing database error). The check refuses only what the database would: a double-quoted
"NY" that names no column is a string literal to SQLite, so it is one here too, and an
unresolved name is answered with the nearest real names.
"""

from __future__ import annotations

import difflib
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

# Dialects whose engine reads a double-quoted word that names no column as a string literal
# (`WHERE State = "NY"`). MySQL without ANSI_QUOTES reads every double quote as a string, and
# sqlglot's MySQL dialect already parses it so; PostgreSQL and ClickHouse never do.
DOUBLE_QUOTED_STRINGS = frozenset({"sqlite"})
SUGGESTIONS = 3


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
    tables = _names(document).allowed
    try:
        shown = guard_sql(sql, kind, allowed_tables=tables)
        # Guarding the guarded text again only appends the LIMIT (the text is unchanged).
        guarded = (
            guard_sql(shown, kind, limit=limit, allowed_tables=tables)
            if limit is not None
            else shown
        )
    except UnsafeSQLError as error:
        reason = error.reason
        if reason.startswith("Unknown table ") and ":" in reason:
            # An invented table is a naming slip, not an attack: say which ones are close.
            wanted = reason[len("Unknown table ") : reason.index(":")].rsplit(".", 1)[-1]
            names = _names(document)
            reason += _nearest(wanted, list(dict.fromkeys(names.tables.values())), "tables")
        return Validated(None, reason, unsafe=True)
    problem = schema_problem(guarded, document=document, kind=kind)
    if problem:
        return Validated(None, problem)
    return Validated(guarded, shown=shown)


_schemas: dict[tuple[int, str], tuple[weakref.ref, MappingSchema]] = {}
_schemas_lock = threading.Lock()


@dataclass(frozen=True)
class _Names:
    """A document's names, built once per document: what the guard allows, and what an
    unresolved name is compared with to suggest the nearest real ones."""

    allowed: frozenset[str]  # table_names(document)
    tables: dict[str, str]  # lower-case table name -> as spelled
    columns: dict[str, list[str]]  # lower-case table name -> its columns as spelled
    all_columns: dict[str, list[str]]  # lower-case column name -> "Table.Column" spellings


_names_cache: dict[int, tuple[weakref.ref, _Names]] = {}


def _names(document: SchemaDocument) -> _Names:
    with _schemas_lock:
        hit = _names_cache.get(id(document))
        if hit and hit[0]() is document:
            return hit[1]
    tables: dict[str, str] = {}
    columns: dict[str, list[str]] = {}
    all_columns: dict[str, list[str]] = {}
    for table in document.tables:
        for key in (table.name.lower(), table.qualified_name.lower()):
            tables.setdefault(key, table.name)
            columns.setdefault(key, [c.name for c in table.columns])
        for column in table.columns:
            all_columns.setdefault(column.name.lower(), []).append(f"{table.name}.{column.name}")
    names = _Names(table_names(document), tables, columns, all_columns)
    with _schemas_lock:
        if len(_names_cache) > 16:
            _names_cache.pop(next(iter(_names_cache)))
        _names_cache[id(document)] = (weakref.ref(document), names)
    return names


def _mapping(document: SchemaDocument, dialect: str) -> MappingSchema:
    """The sqlglot schema of a document, built once per document (it is immutable)."""
    with _schemas_lock:
        hit = _schemas.get((id(document), dialect))
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
        _schemas[(id(document), dialect)] = (weakref.ref(document), schema)
    return schema


def schema_problem(sql: str, *, document: SchemaDocument, kind: str) -> str:
    """An error message naming the unknown table or column and the nearest real names, or ""
    when the names resolve."""
    dialect = SQLGLOT_DIALECTS[kind]
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return ""  # the guard parsed it already; let the database have the final word
    schema = _mapping(document, dialect)
    names = _names(document)
    if kind in DOUBLE_QUOTED_STRINGS:
        tree = _double_quoted_literals(tree, names)
    # The mapping's keys are normalized by the dialect's rules; the query's names must be too
    # before they are looked up (qualify does this itself, find() does not).
    tree = normalize_identifiers(tree, dialect=dialect)

    cte_names = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    used_tables = []
    for table in tree.find_all(exp.Table):
        if not table.name or isinstance(table.this, exp.Func):
            continue  # table functions such as numbers(10) are the guard's business
        if not table.db and table.name.lower() in cte_names:
            continue
        if schema.find(table, raise_on_missing=False) is None:
            return (
                f"Unknown table {table.sql(dialect=dialect)}: it is not in the schema."
                + _nearest(table.name, list(dict.fromkeys(names.tables.values())), "tables")
            )
        used_tables.append(table.name.lower())
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
            hint = _column_hint(message, used_tables, names)
            return f"{message.rstrip('.')}.{hint} Use only columns listed in the schema."
    except (SqlglotError, RecursionError, KeyError, ValueError):
        pass
    return ""


def _double_quoted_literals(tree: exp.Expression, names: _Names) -> exp.Expression:
    """The tree with every double-quoted bare name that resolves to nothing read as the
    string it is to the database: a column of no table the query reads, no alias of it."""
    quoted = [
        column
        for column in tree.find_all(exp.Column)
        if not column.table and isinstance(column.this, exp.Identifier) and column.this.quoted
    ]
    if not quoted:
        return tree
    known: set[str] = set()
    for table in tree.find_all(exp.Table):
        key = table.name.lower()
        if table.db:
            key = f"{table.db}.{key}".lower()
        known.update(
            c.lower() for c in names.columns.get(key, names.columns.get(table.name.lower(), []))
        )
    for alias in tree.find_all(exp.Alias):
        known.add(alias.alias.lower())
    for table_alias in tree.find_all(exp.TableAlias):
        known.update(c.name.lower() for c in table_alias.columns)
    for column in quoted:
        if column.name.lower() not in known:
            column.replace(exp.Literal.string(column.name))
    return tree


def _column_hint(message: str, used_tables: list[str], names: _Names) -> str:
    """ " Nearest columns: ..." for sqlglot's "Column 'x' could not be resolved", looking at
    the query's tables first, then at every table."""
    start = message.find("'")
    end = message.find("'", start + 1)
    if start >= 0 and end > start:
        wanted = message[start + 1 : end]
    elif "Unknown column:" in message:
        wanted = message.split("Unknown column:", 1)[1].strip().rstrip(".")
    else:
        return ""
    if "." in wanted:
        wanted = wanted.rsplit(".", 1)[1]
    local = [
        f"{names.tables.get(t, t)}.{c}"
        for t in dict.fromkeys(used_tables)
        for c in names.columns.get(t, [])
    ]
    hint = _nearest(wanted, local, "columns of the query's tables", key=_last_part)
    if hint:
        return hint
    elsewhere = [spelling for spellings in names.all_columns.values() for spelling in spellings[:3]]
    return _nearest(wanted, elsewhere, "columns elsewhere", key=_last_part)


def _last_part(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _nearest(wanted: str, candidates: list[str], what: str, key=lambda name: name) -> str:
    """ " Nearest <what>: a, b, c." by spelling (case-insensitive), or "" when none is close."""
    by_key: dict[str, list[str]] = {}
    for candidate in candidates:
        by_key.setdefault(key(candidate).lower(), []).append(candidate)
    target = wanted.lower().replace("_", "")
    squashed = {k.replace("_", ""): k for k in by_key}
    close = difflib.get_close_matches(target, list(squashed), n=SUGGESTIONS, cutoff=0.6)
    # A word of the name is as good a lead as its spelling (Nation -> BillingCountry is not,
    # but CustomerName -> FirstName/LastName is).
    if len(close) < SUGGESTIONS and len(target) >= 4:
        close += [k for k in squashed if target in k and k not in close][: SUGGESTIONS - len(close)]
    found = [c for k in close for c in by_key[squashed[k]]][: SUGGESTIONS * 2]
    return f" Nearest {what}: {', '.join(found)}." if found else ""
