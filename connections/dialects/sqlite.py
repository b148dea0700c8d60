"""SQLite engine: the standard library driver, a read-only URI and a progress-handler timeout."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from .base import ConnectorError, Dialect, QueryResult, TestResult, timed_test
from .introspection import sqlite as introspection
from .schema import SchemaDocument

FETCH_BATCH = 2000
PROGRESS_STEPS = 10_000  # virtual-machine instructions between deadline checks

_TYPE_NAMES = {int: "INTEGER", float: "REAL", str: "TEXT", bytes: "BLOB", type(None): "NULL"}


class SQLite(Dialect):
    """Opening a file costs microseconds, so there is no pool: one connection per call,
    which also keeps threads from sharing a sqlite3 connection."""

    name = "sqlite"
    default_port = None
    sqlglot_dialect = "sqlite"

    @property
    def _path(self) -> Path:
        return Path(self.params.database).expanduser()

    def _connect(self) -> sqlite3.Connection:
        path = self._path
        if not self.params.database or not path.is_file():
            raise ConnectorError(f"Database file not found: {self.params.database}")
        try:
            # mode=ro: the file is opened read-only (and never created); query_only refuses
            # writes even to attached or temporary databases.
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            conn.execute("PRAGMA query_only = ON")
        except sqlite3.Error as exc:
            raise ConnectorError(f"Cannot open {self.params.database}: {exc}") from None
        return conn

    def test_connection(self) -> TestResult:
        def probe() -> str:
            conn = self._connect()
            try:
                # Reading the schema proves the file is a database, not just any file.
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.DatabaseError as exc:
                raise ConnectorError(f"Not a usable SQLite database: {exc}") from None
            finally:
                conn.close()
            return f"SQLite {sqlite3.sqlite_version}"

        return timed_test(self, probe)

    def introspect(self) -> SchemaDocument:
        conn = self._connect()
        try:
            return introspection.introspect(conn, server_version=f"SQLite {sqlite3.sqlite_version}")
        except sqlite3.Error as exc:
            raise ConnectorError(f"Cannot read the schema: {exc}") from None
        finally:
            conn.close()

    def execute(self, sql: str, *, max_rows: int, timeout: float) -> QueryResult:
        started = time.perf_counter()
        deadline = time.monotonic() + timeout
        conn = self._connect()
        # A non-zero return interrupts the statement: SQLite's own statement timeout.
        conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
        try:
            cur = conn.execute(sql)
            rows: list[tuple] = []
            truncated = False
            while batch := cur.fetchmany(FETCH_BATCH):
                room = max_rows - len(rows)
                rows.extend(batch[:room])
                if len(batch) > room:
                    truncated = True
                    break
            columns = [d[0] for d in cur.description or ()]
            return QueryResult(
                columns,
                _column_types(columns, rows),
                rows,
                truncated,
                (time.perf_counter() - started) * 1000,
            )
        except sqlite3.Error as exc:
            text = str(exc)
            if "interrupted" in text:
                raise ConnectorError(
                    f"Query timed out after {timeout:g} s.", transient=True
                ) from None
            if "readonly" in text or "read-only" in text:
                raise ConnectorError(
                    f"Refused: the database is opened read-only ({text})."
                ) from None
            raise ConnectorError(text) from None
        finally:
            conn.close()


def _column_types(columns: list[str], rows: list[tuple]) -> list[str]:
    """SQLite types values, not columns: name each column after its first non-NULL value."""
    types = []
    for i in range(len(columns)):
        value = next((row[i] for row in rows if row[i] is not None), None)
        types.append(_TYPE_NAMES.get(type(value), type(value).__name__))
    return types
