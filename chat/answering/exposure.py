"""What of a database's data goes into a prompt: the exposure level applied to what the LLM
generator reads (README, Data exposure).

The built-in engine runs here and sends nothing anywhere, so it keeps reading the whole
snapshot; only the model's view is cut down, in one place (`restrict`), before the schema
context is built:

- schema: names, types, keys and comments. No row counts, no profiles, no sample rows.
- profiles: plus row counts and per-column statistics that are not a value of any row: the
  share of NULLs and the number of distinct values. Not min/max, not even of numbers or dates:
  the largest salary is one person's salary, the first order date one customer's order.
- values: plus representative values (profiled top values, min/max) and sample rows, with
  the values of sensitive columns masked (j***@example.com).

Beyond the schema, two more paths could carry data: earlier turns of the conversation (their
answers hold result values, the SQL literals taken from the data) and database errors sent
back in a correction round ("invalid input syntax for type integer: "AC/DC""). Below `values`
both are cut too (`restrict_history`, `scrub_error`). DataPoints (business definitions and
verified examples) are written by people, not read from the database, and go at every level.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import replace

from connections.dialects.schema import SchemaDocument
from connections.exposure import LEVELS, PROFILES, SCHEMA, VALUES, allows, default_level
from schemas_app import sensitive

from .types import Turn

# Column statistics that are not a value of any row (kept at `profiles`).
STATISTICS = ("rows_profiled", "null_fraction", "distinct")
# (table qualified name, column name) pairs whose values are masked.
Sensitive = frozenset[tuple[str, str]]

__all__ = ["LEVELS", "SCHEMA", "PROFILES", "VALUES", "level_of", "restrict", "strictest"]


def level_of(level: str | None) -> str:
    return level if level in LEVELS else default_level()


def strictest(levels: Iterable[str | None]) -> str:
    """The level that sends least of the given ones (history shared by several databases)."""
    known = [level_of(level) for level in levels]
    return min(known, key=LEVELS.index) if known else default_level()


def sensitive_columns(connection) -> Sensitive:
    """The connection's sensitive columns (schemas_app.sensitive: detected, or set by staff)."""
    return frozenset(sensitive.sensitive_columns(connection))


# --- the schema the model reads ---------------------------------------------------------------

_cache: dict[tuple, tuple[weakref.ref, object, tuple[SchemaDocument, dict]]] = {}
_lock = threading.Lock()
_CACHE_SIZE = 32


def restrict(
    document: SchemaDocument, profiles: dict | None, level: str, secret: Sensitive = frozenset()
) -> tuple[SchemaDocument, dict]:
    """(document, profiles) as the model may see them at `level`.

    The same objects come back for the same inputs: the schema context caches its index by
    object identity, so a new copy per question would rebuild it every time."""
    profiles = profiles or {}
    level = level_of(level)
    if level == VALUES and not secret:
        return document, profiles
    key = (id(document), id(profiles), level, secret)
    with _lock:
        hit = _cache.get(key)
        if hit and hit[0]() is document and hit[1] is profiles:
            return hit[2]
    result = _restricted(document, profiles, level, secret)
    with _lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = (weakref.ref(document), profiles, result)
    return result


def _restricted(document, profiles, level, secret) -> tuple[SchemaDocument, dict]:
    tables, kept = [], {}
    for table in document.tables:
        name = table.qualified_name
        profile = profiles.get(name) or profiles.get(table.name) or {}
        if level == SCHEMA:
            tables.append(replace(table, row_count=None, size_bytes=None, sample_rows=[]))
            continue
        if level == PROFILES:
            tables.append(replace(table, sample_rows=[]))
            kept[name] = {
                column: {k: stats[k] for k in STATISTICS if k in stats}
                for column, stats in profile.items()
                if isinstance(stats, dict)
            }
            continue
        tables.append(table)
        if profile:
            kept[name] = profile
    if level == VALUES:  # the values go, those of sensitive columns masked (j***@example.com)
        masked = sensitive.mask_document(replace(document, tables=tables), set(secret))
        return masked, sensitive.mask_profiles(kept, set(secret)) or {}
    return replace(document, tables=tables), kept


# --- the conversation and the errors ----------------------------------------------------------

_LITERAL = re.compile(r"'(?:[^']|'')*'")
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|«[^»\n]*»|`[^`\n]*`")
HIDDEN = "'…'"


def restrict_history(history: Sequence[Turn], level: str, question: str = "") -> tuple[Turn, ...]:
    """Earlier turns as the model may see them: below `values`, no answers (they hold result
    values) and no SQL string literal that no question of the conversation wrote."""
    if level_of(level) == VALUES:
        return tuple(history)
    said = " ".join([question, *(t.question for t in history)]).lower()

    def literal(match: re.Match) -> str:
        inner = match.group(0)[1:-1].replace("''", "'")
        return match.group(0) if inner.lower() in said else HIDDEN

    return tuple(Turn(t.question, _LITERAL.sub(literal, t.sql or ""), "") for t in history)


def scrub_error(error: str, sql: str, level: str) -> str:
    """A database error as the model may read it: below `values`, quoted text that is not in
    the failed SQL (a value of a row the query read) becomes '…'."""
    if allows(level_of(level), VALUES) or not error:
        return error
    return _QUOTED.sub(lambda m: m.group(0) if m.group(0)[1:-1] in sql else HIDDEN, error)
