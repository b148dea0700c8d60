"""SQLite engine: the standard library driver, a read-only URI and a progress-handler timeout."""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from pathlib import Path

from .base import (
    ConnectorError,
    Dialect,
    PrivilegeReport,
    QueryResult,
    TestResult,
    fetch_capped,
    timed_test,
)
from .capabilities import SQLiteCapabilities
from .introspection import sqlite as introspection
from .schema import SchemaDocument

FETCH_BATCH = 2000
PROGRESS_STEPS = 10_000  # virtual-machine instructions between deadline checks

_TYPE_NAMES = {int: "INTEGER", float: "REAL", str: "TEXT", bytes: "BLOB", type(None): "NULL"}


class _Connection(sqlite3.Connection):
    """sqlite3.Connection itself cannot be weakly referenced; a subclass can."""


class SQLite(SQLiteCapabilities, Dialect):
    """No pool: each thread keeps one read-only connection to the file. Opening is cheap but
    parsing the schema on open is not (about 15 ms for 1,000 tables, paid again on every query
    without this); a connection is never shared between threads."""

    name = "sqlite"
    default_port = None
    sqlglot_dialect = "sqlite"

    def __init__(self, params, *, pool_max_size: int = 20):
        super().__init__(params, pool_max_size=pool_max_size)
        self._local = threading.local()
        # Every thread's connection, so close() reaches them; weak, so a connection goes with
        # its thread (pool threads come and go) instead of piling up here.
        self._opened: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._lock = threading.Lock()

    @property
    def _path(self) -> Path:
        return Path(self.params.database).expanduser()

    def _open(self, path: Path) -> sqlite3.Connection:
        try:
            # mode=ro: the file is opened read-only (and never created); query_only refuses
            # writes even to attached or temporary databases.
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro",
                uri=True,
                check_same_thread=False,  # only so that close() may close it from elsewhere
                factory=_Connection,
            )
            conn.execute("PRAGMA query_only = ON")
            # query_only is itself a pragma a statement could turn off, and ATTACH/VACUUM
            # INTO reach other files: the authorizer refuses those before they run.
            conn.set_authorizer(_refuse_escapes)
        except sqlite3.Error as exc:
            raise ConnectorError(f"Cannot open {self.params.database}: {exc}") from None
        with self._lock:
            self._opened.add(conn)
        return conn

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection; reopened when the file was replaced (another inode)."""
        path = self._path
        try:
            stat = path.stat() if self.params.database and path.is_file() else None
        except OSError:
            stat = None
        if stat is None:
            raise ConnectorError(f"Database file not found: {self.params.database}")
        identity = (stat.st_dev, stat.st_ino)
        cached = getattr(self._local, "conn", None)
        if cached is None or cached[0] != identity:
            if cached is not None:
                self._forget(cached[1])
            self._local.conn = (identity, self._open(path))
        return self._local.conn[1]

    def _forget(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            self._opened.discard(conn)
        conn.close()

    def close(self) -> None:
        with self._lock:
            opened, self._opened = list(self._opened), weakref.WeakSet()
        for conn in opened:
            conn.close()

    def privileges(self) -> PrivilegeReport:
        """Nothing to report: SQLite has no accounts, and the file is always opened mode=ro
        with query_only and an authorizer that refuses ATTACH (see _open)."""
        return PrivilegeReport()

    def read_only_account_sql(self) -> str:
        return ""

    def test_connection(self) -> TestResult:
        def probe() -> str:
            conn = self._connect()
            try:
                # Reading the schema proves the file is a database, not just any file.
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.DatabaseError as exc:
                self._forget(conn)
                self._local.conn = None
                raise ConnectorError(f"Not a usable SQLite database: {exc}") from None
            return f"SQLite {sqlite3.sqlite_version}"

        return timed_test(self, probe)

    def introspect(self) -> SchemaDocument:
        conn = self._connect()
        try:
            return introspection.introspect(conn, server_version=f"SQLite {sqlite3.sqlite_version}")
        except sqlite3.Error as exc:
            raise ConnectorError(f"Cannot read the schema: {exc}") from None

    def table_checksum_sql(self, table, columns, where=None) -> None:
        # SQLite has no hash function (md5 needs a loadable extension, which the read-only
        # session refuses): comparisons fetch its rows in key order and hash them in Python.
        return None

    def execute(self, sql: str, *, max_rows: int, timeout: float) -> QueryResult:
        started = time.perf_counter()
        deadline = time.monotonic() + timeout
        conn = self._connect()
        # A non-zero return interrupts the statement: SQLite's own statement timeout.
        conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
        cur = None
        try:
            cur = conn.execute(sql)
            rows, truncated = fetch_capped(cur, max_rows, FETCH_BATCH)
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
            if "readonly" in text or "read-only" in text or "authoriz" in text:
                raise ConnectorError(
                    f"Refused: the database is opened read-only ({text})."
                ) from None
            raise ConnectorError(text) from None
        finally:
            conn.set_progress_handler(None, 0)
            if cur is not None:
                cur.close()  # ends the statement even when the result was cut at max_rows
            if conn.in_transaction:
                # A BEGIN (or SAVEPOINT) sent as the query would keep this thread's connection
                # in a transaction, its read lock blocking every writer of the file.
                conn.rollback()


# Pragmas that would loosen the read-only session if a statement could set them.
_GUARDED_PRAGMAS = {"query_only", "writable_schema", "trusted_schema", "journal_mode"}


def _refuse_escapes(action, arg1, arg2, db_name, trigger) -> int:
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and arg2 is not None and arg1.lower() in _GUARDED_PRAGMAS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _column_types(columns: list[str], rows: list[tuple]) -> list[str]:
    """SQLite types values, not columns: name each column after its first non-NULL value."""
    types = []
    for i in range(len(columns)):
        value = next((row[i] for row in rows if row[i] is not None), None)
        types.append(_TYPE_NAMES.get(type(value), type(value).__name__))
    return types
