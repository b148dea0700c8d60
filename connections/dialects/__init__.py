"""Explicit registry of engines, imported lazily so each driver loads only when used.

`engine_for(connection)` returns a cached Dialect instance keyed on the full credential
set: changing host, user, password or options yields a new key, and the old instance (and
its pool) is closed and retired.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Mapping
from importlib import import_module
from typing import Any

from .base import (
    ConnectionParams,
    ConnectorError,
    Dialect,
    PrivilegedAccountError,
    PrivilegeReport,
    QueryResult,
    TestResult,
    is_secret_option,
)

__all__ = [
    "DIALECTS",
    "ConnectionParams",
    "ConnectorError",
    "Dialect",
    "PrivilegeReport",
    "PrivilegedAccountError",
    "QueryResult",
    "TestResult",
    "DEFAULT_PORTS",
    "SQLGLOT_DIALECTS",
    "default_port",
    "dialect_class",
    "sqlglot_dialect",
    "engine_for_params",
    "close_all_engines",
    "is_secret_option",
]

DIALECTS: dict[str, str] = {
    "postgresql": "connections.dialects.postgresql.PostgreSQL",
    "mysql": "connections.dialects.mysql.MySQL",
    "clickhouse": "connections.dialects.clickhouse.ClickHouse",
    "sqlite": "connections.dialects.sqlite.SQLite",
    "redshift": "connections.dialects.redshift.Redshift",
    "bigquery": "connections.dialects.bigquery.BigQuery",
}


def dialect_class(kind: str) -> type[Dialect]:
    try:
        dotted = DIALECTS[kind]
    except KeyError:
        raise ConnectorError(f"Unknown database kind {kind!r}.") from None
    module_name, class_name = dotted.rsplit(".", 1)
    return getattr(import_module(module_name), class_name)


def default_port(kind: str) -> int | None:
    return dialect_class(kind).default_port


def sqlglot_dialect(kind: str) -> str:
    return dialect_class(kind).sqlglot_dialect


class _DeclaredBy(Mapping[str, Any]):
    """{kind: an attribute each dialect class declares}, read from the class when asked, so the
    class stays the one place that says it (and only the asked engine's module is imported)."""

    def __init__(self, attribute: str):
        self._attribute = attribute

    def __getitem__(self, kind: str) -> Any:
        if kind not in DIALECTS:
            raise KeyError(kind)
        return getattr(dialect_class(kind), self._attribute)

    def __contains__(self, kind: object) -> bool:
        return kind in DIALECTS

    def __iter__(self) -> Iterator[str]:
        return iter(DIALECTS)

    def __len__(self) -> int:
        return len(DIALECTS)


# Kept for callers that look these up by kind; the values come from the dialect classes.
DEFAULT_PORTS: Mapping[str, int | None] = _DeclaredBy("default_port")
SQLGLOT_DIALECTS: Mapping[str, str] = _DeclaredBy("sqlglot_dialect")


_engines: dict[str, tuple[str, Dialect]] = {}  # owner key -> (credential key, engine)
_lock = threading.Lock()


def _credential_key(params: ConnectionParams, pool_max_size: int) -> str:
    # password and options are left out of the repr (secrets): add them back.
    raw = repr((params, params.password, params.options, pool_max_size)).encode()
    return hashlib.sha256(raw).hexdigest()


def engine_for_params(owner: str, params: ConnectionParams, *, pool_max_size: int = 20) -> Dialect:
    """The pooled engine for `owner` (a connection id); retires it when credentials change."""
    key = _credential_key(params, pool_max_size)
    with _lock:
        current = _engines.get(owner)
        if current and current[0] == key:
            return current[1]
        engine = dialect_class(params.kind)(params, pool_max_size=pool_max_size)
        _engines[owner] = (key, engine)
    if current:
        current[1].close()
    return engine


def retire_engine(owner: str) -> None:
    with _lock:
        current = _engines.pop(owner, None)
    if current:
        current[1].close()


def close_all_engines() -> None:
    with _lock:
        engines = list(_engines.values())
        _engines.clear()
    for _, engine in engines:
        engine.close()
