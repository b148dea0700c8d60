"""The one interface every database engine implements.

Driver imports live only in each dialect's own module; this module and the registry never
import a driver, so a missing optional driver only breaks its own engine.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlglot.expressions as exp

if TYPE_CHECKING:
    from .schema import SchemaDocument, Table


class ConnectorError(Exception):
    """Any driver failure, turned into a message fit for users (never holding a password).

    `transient` tells callers whether retrying later could help (timeouts, refused
    connections) as opposed to permanent faults (bad password, unknown database).
    """

    def __init__(self, user_message: str, *, transient: bool = False):
        super().__init__(user_message)
        self.user_message = user_message
        self.transient = transient


@dataclass(frozen=True)
class ConnectionParams:
    kind: str
    host: str = ""
    port: int | None = None
    database: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    options: tuple[tuple[str, Any], ...] = ()


@dataclass
class TestResult:
    ok: bool
    message: str
    server_version: str = ""
    latency_ms: float = 0.0


@dataclass
class QueryResult:
    columns: list[str]
    column_types: list[str]
    rows: list[tuple]
    truncated: bool
    duration_ms: float

    @property
    def row_count(self) -> int:
        return len(self.rows)


class Dialect(ABC):
    """One database engine. Instances are cached per credential set (see the registry)."""

    name: str
    default_port: int | None
    sqlglot_dialect: str

    def __init__(self, params: ConnectionParams, *, pool_max_size: int = 20):
        self.params = params
        self.pool_max_size = pool_max_size

    @abstractmethod
    def test_connection(self) -> TestResult: ...

    @abstractmethod
    def execute(self, sql: str, *, max_rows: int, timeout: float) -> QueryResult:
        """Run one read-only statement; the session itself is read-only and time-limited."""

    @abstractmethod
    def introspect(self) -> SchemaDocument:
        """Tables, columns, keys and indexes in a fixed number of catalog queries."""

    def profile(self, table: Table, *, timeout: float) -> dict:
        """{column: null fraction, distinct count, min/max, top values} of one table, read
        from `profile_source`. The aggregate queries are the same for every engine, so they
        are built in one place (schemas_app.profiling); engines differ in how they sample."""
        from schemas_app.profiling import profile_table

        return profile_table(self, table, self.name, timeout=timeout)

    def profile_source(self, table: Table, limit: int) -> exp.Expression:
        """What profile() reads: the table itself when it has at most `limit` rows, else its
        first `limit` rows (a bounded subquery). Engines with a cheap sampling clause override
        this for big tables."""
        ref = table.sql_ref(self.name)
        if (table.row_count or 0) <= limit:
            return ref
        return exp.select("*").from_(ref).limit(limit).subquery("sampled")

    def close(self) -> None:  # noqa: B027  (optional hook: engines without a pool keep it)
        """Release pooled connections."""

    def scrub(self, message: str) -> str:
        """Remove the password from any driver text before it reaches a user or a log."""
        password = self.params.password
        if password:
            message = message.replace(password, "***")
        return message


def fetch_capped(cursor, max_rows: int, batch: int = 2000) -> tuple[list[tuple], bool]:
    """Read at most `max_rows` rows in batches (never the whole result), plus one more row
    to tell whether the result was cut. Returns (rows, truncated)."""
    rows: list[tuple] = []
    while cursor.description is not None and len(rows) <= max_rows:
        chunk = cursor.fetchmany(min(batch, max_rows + 1 - len(rows)))
        if not chunk:
            break
        rows.extend(chunk)
    return rows[:max_rows], len(rows) > max_rows


def timed_test(dialect: Dialect, probe) -> TestResult:
    """Shared shape of test_connection(): run `probe()` -> server version, time it."""
    started = time.perf_counter()
    try:
        version = probe()
    except ConnectorError as exc:
        return TestResult(
            ok=False, message=exc.user_message, latency_ms=(time.perf_counter() - started) * 1000
        )
    latency = (time.perf_counter() - started) * 1000
    return TestResult(
        ok=True, message=f"Connected ({version}).", server_version=version, latency_ms=latency
    )


def connect_timeout() -> float:
    """Seconds to wait for a server to answer a new connection (settings, else 5 s).

    Read lazily so engines also work outside a configured Django process (scripts, benchmarks).
    """
    try:
        from django.conf import settings

        return float(getattr(settings, "CONNECT_TIMEOUT_SECONDS", 5.0))
    except Exception:  # settings not configured
        return 5.0
