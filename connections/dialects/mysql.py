"""MySQL / MariaDB engine: mysqlclient (MySQLdb) under SQLAlchemy's QueuePool."""

from __future__ import annotations

import re
import time
from functools import partial

import MySQLdb
import MySQLdb.cursors
from MySQLdb.constants import FIELD_TYPE
from sqlalchemy.dialects.mysql.mysqldb import MySQLDialect_mysqldb

from .base import (
    ConnectorError,
    PrivilegeReport,
    QueryResult,
    TestResult,
    connect_timeout,
    fetch_capped,
    timed_test,
)
from .capabilities import MySQLCapabilities
from .introspection import mysql as introspection
from .pooled import QueuePooledDialect
from .schema import SchemaDocument

FETCH_BATCH = 2000
MYSQL_OPTION_MULTI_STATEMENTS_OFF = 1  # enum_mysql_set_option; MySQLdb has no constant for it

# MySQLdb error numbers we turn into specific messages.
ACCESS_DENIED = {1044, 1045, 1698}
UNKNOWN_DATABASE = 1049
CANT_CONNECT = {2002, 2003}
UNKNOWN_HOST = 2005
LOST_CONNECTION = {2006, 2013, 2055}
SSL_ERRORS = {2026, 3159}
STATEMENT_TIMEOUT = {1969, 3024}  # MariaDB max_statement_time, MySQL max_execution_time
READ_ONLY = {1792, 1290}  # read-only transaction, --read-only server

_TYPE_NAMES = {
    value: name
    for name, value in vars(FIELD_TYPE).items()
    if name.isupper() and isinstance(value, int)
}

# What a read-only account may hold; any other privilege is a problem (allow-list, so that
# privileges newer servers add are refused until someone decides they are harmless).
READ_PRIVILEGES = {"USAGE", "SELECT", "SHOW VIEW", "SHOW DATABASES"}
ADMIN_PRIVILEGES = {
    "FILE": "has the FILE privilege (reads and writes files on the server)",
    "SUPER": "has the SUPER privilege",
    "PROCESS": "has the PROCESS privilege (sees every session's queries)",
    "RELOAD": "has the RELOAD privilege (FLUSH)",
    "SHUTDOWN": "has the SHUTDOWN privilege",
    "CREATE USER": "can manage accounts (CREATE USER)",
    "PROXY": "can act as other accounts (PROXY)",
}
WRITE_PRIVILEGES = {
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "DROP",
    "ALTER",
    "INDEX",
    "CREATE VIEW",
    "CREATE ROUTINE",
    "ALTER ROUTINE",
    "CREATE TEMPORARY TABLES",
    "TRIGGER",
    "EVENT",
    "DELETE HISTORY",
}
# `GRANT <privileges> ON <level> TO <account> [IDENTIFIED ...] [WITH ...]`, one per line of
# SHOW GRANTS; and `GRANT <role> TO <account>`.
GRANT_LINE = re.compile(
    r"GRANT (?P<privileges>.+?) ON (?:(?:FUNCTION|PROCEDURE|PACKAGE(?: BODY)?) )?(?P<level>\S+) TO ",
    re.IGNORECASE,
)
ROLE_LINE = re.compile(r"GRANT (?P<role>`[^`]+`(?:@`[^`]*`)?) TO ", re.IGNORECASE)


class MySQL(MySQLCapabilities, QueuePooledDialect):
    name = "mysql"
    default_port = 3306
    sqlglot_dialect = "mysql"

    def __init__(self, params, *, pool_max_size: int = 20):
        super().__init__(params, pool_max_size=pool_max_size)
        self._is_mariadb: bool | None = None

    # -- connecting -------------------------------------------------------------------

    def _new_connection(self, *, vet: bool = True) -> MySQLdb.Connection:
        p = self.params
        kwargs = {
            "host": p.host or "127.0.0.1",
            "port": int(p.port or self.default_port),
            "user": p.username,
            "password": p.password,
            "connect_timeout": max(1, round(connect_timeout())),
            "charset": "utf8mb4",
        }
        if p.database:
            kwargs["database"] = p.database
        # ssl_mode ("REQUIRED", ...) and ssl ({"ca": ...}) go to the driver untouched.
        kwargs.update(dict(p.options))
        try:
            conn = MySQLdb.connect(**kwargs)
            # mysqlclient always enables multi-statements; a stacked "...; SET SESSION
            # TRANSACTION READ WRITE" must be a syntax error, not a second statement.
            conn.set_server_option(MYSQL_OPTION_MULTI_STATEMENTS_OFF)
            if vet:
                self.vet(conn, partial(self._read_privileges, conn))
            return conn
        except MySQLdb.Error as exc:
            raise self._error(exc) from None

    def _pool_options(self) -> dict:
        # The mysqldb dialect gives the pool its ping (conn.ping()), so a connection killed
        # on the server is replaced on checkout.
        return {
            "dialect": MySQLDialect_mysqldb(dbapi=MySQLdb),
            "pre_ping": True,
            # _reset_session replaces the pool's rollback: it resets the whole session.
            "reset_on_return": None,
            "events": [(self._reset_session, "reset")],
        }

    def _reset_session(self, conn, record, state) -> None:
        """Hand a connection back to the pool as a fresh session. A rollback leaves GET_LOCK
        locks, SET SESSION variables, user variables and prepared statements behind;
        COM_CHANGE_USER (mysqlclient has no mysql_reset_connection) ends them all, rolling
        back too. Runs before execute() returns; if it fails, the pool discards the
        connection instead."""
        if state.terminate_only:  # being closed anyway
            return
        p = self.params
        conn.change_user(p.username, p.password, p.database or "")
        # The reset session has the server's defaults again: autocommit on, and perhaps
        # multi-statements (capability flags are renegotiated); restore what we connected with.
        conn.autocommit(False)
        conn.set_server_option(MYSQL_OPTION_MULTI_STATEMENTS_OFF)

    # -- the interface -----------------------------------------------------------------

    def test_connection(self) -> TestResult:
        def probe() -> str:
            conn = self._new_connection()
            try:
                cur = conn.cursor()
                cur.execute("SELECT VERSION()")
                version = cur.fetchone()[0]
            finally:
                conn.close()
            return f"{'MariaDB' if 'mariadb' in version.lower() else 'MySQL'} {version}"

        return timed_test(self, probe)

    def privileges(self) -> PrivilegeReport:
        conn = self._new_connection(vet=False)
        try:
            return self._read_privileges(conn)
        except MySQLdb.Error as exc:
            raise self._error(exc) from None
        finally:
            conn.close()

    def _read_privileges(self, conn) -> PrivilegeReport:
        """SHOW GRANTS lists the account's grants and those of its active (default) role. A
        role it could switch to lists only with SHOW GRANTS FOR, which it may be denied."""
        cur = conn.cursor()
        cur.execute("SHOW GRANTS")
        lines = [row[0] for row in cur.fetchall()]
        problems = []
        shown = " ".join(lines)
        for match in filter(None, (ROLE_LINE.match(line) for line in lines)):
            role = match["role"]
            if f"TO {role}" in shown:  # active: its grants are already listed
                continue
            try:
                cur.execute(f"SHOW GRANTS FOR {role}")
                lines += [row[0] for row in cur.fetchall()]
            except MySQLdb.Error:
                problems.append(
                    f"may switch to role {role.replace('`', '')} (SET ROLE), "
                    "whose privileges it cannot read"
                )
        cur.close()
        return PrivilegeReport(_grant_problems(lines) + problems)

    def read_only_account_sql(self) -> str:
        database = (self.params.database or "<database>").replace("`", "``")
        return (
            "CREATE USER 'datachat_ro'@'%' IDENTIFIED BY '<a new password>';\n"
            f"GRANT SELECT, SHOW VIEW ON `{database}`.* TO 'datachat_ro'@'%';"
        )

    def execute(self, sql: str, *, max_rows: int, timeout: float) -> QueryResult:
        started = time.perf_counter()
        fairy = self._checkout()
        keep = True
        cur = None
        try:
            conn = fairy.dbapi_connection
            self._set_limits(conn, timeout)
            cur = conn.cursor(MySQLdb.cursors.SSCursor)  # unbuffered: rows arrive as we read
            cur.execute(sql)
            rows, truncated = fetch_capped(cur, max_rows, FETCH_BATCH)
            # Closing an unbuffered cursor with rows left would read them all; dropping the
            # connection ends the transfer at once.
            keep = not truncated
            columns = [d[0] for d in cur.description or ()]
            types = [_TYPE_NAMES.get(d[1], str(d[1])) for d in cur.description or ()]
            return QueryResult(
                columns, types, rows, truncated, (time.perf_counter() - started) * 1000
            )
        except MySQLdb.Error as exc:
            keep = keep and exc.args and exc.args[0] not in LOST_CONNECTION
            raise self._error(exc, timeout) from None
        finally:
            if keep and cur is not None:
                # Closed here, on every path. Left to the garbage collector (an exception in
                # a reference cycle holds it), its result was freed in the middle of a later
                # fetch on the same connection, and mysqlclient's finalizer waited for the
                # connection lock that very fetch held: the thread hung for good.
                try:
                    cur.close()
                except MySQLdb.Error:
                    keep = False
            if keep:
                fairy.close()  # back to the pool, reset (_reset_session)
            else:
                fairy.invalidate()

    def introspect(self) -> SchemaDocument:
        """The catalog of the connection's database (every visible one when none is set)."""
        fairy = self._checkout()
        try:
            schemas = [self.params.database] if self.params.database else None
            return introspection.introspect(fairy.dbapi_connection, schemas=schemas)
        except MySQLdb.Error as exc:
            raise self._error(exc) from None
        finally:
            fairy.close()

    def table_checksum_sql(self, table, columns, where=None) -> str:
        # CONCAT_WS skips NULLs, so each value carries a "=" prefix and NULL becomes "N". The
        # sum of CRC32s counts repeated rows (a XOR alone would cancel a pair out); the XOR of
        # the rows' MD5-based CRC32s is a second, independent hash.
        parts = ", ".join(f"COALESCE(CONCAT('=', {self.quoted(c)}), 'N')" for c in columns)
        return (
            "SELECT COUNT(*) AS row_count, CONCAT(COALESCE(SUM(CRC32(r)), 0), '-', "
            "COALESCE(BIT_XOR(CRC32(MD5(r))), 0)) AS checksum "
            f"FROM (SELECT CONCAT_WS('|', {parts}) AS r "
            f"FROM {self.checked_from(table, where)}) AS s"
        )

    def _set_limits(self, conn, timeout: float) -> None:
        cur = conn.cursor()
        if self._is_mariadb is None:
            cur.execute("SELECT VERSION()")
            self._is_mariadb = "mariadb" in cur.fetchone()[0].lower()
        if self._is_mariadb:
            cur.execute(f"SET SESSION max_statement_time = {max(0.001, timeout):.3f}")
        else:  # MySQL: milliseconds, SELECT only
            cur.execute(f"SET SESSION max_execution_time = {max(1, int(timeout * 1000))}")
        # START TRANSACTION READ ONLY alone is not enough on MariaDB: DDL commits the
        # transaction implicitly and then runs outside it. Read-only as the session default
        # covers that implicit transaction too; re-set on every call because a previous
        # query may have run SET SESSION TRANSACTION READ WRITE.
        cur.execute("SET SESSION TRANSACTION READ ONLY")
        cur.execute("START TRANSACTION READ ONLY")
        cur.close()

    def _error(self, exc: MySQLdb.Error, timeout: float | None = None) -> ConnectorError:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        text = self.scrub(str(exc.args[1] if len(exc.args) > 1 else exc))
        p = self.params
        # While a query runs (timeout given) the same codes mean a missing privilege (FILE,
        # another database), not a failed login: the server's own words say which.
        if code in ACCESS_DENIED and timeout is None:
            return ConnectorError(f"Authentication failed for user {p.username!r}.")
        if code == UNKNOWN_DATABASE:
            return ConnectorError(f"Unknown database {p.database!r} on {self._where}.")
        if code == UNKNOWN_HOST:
            return ConnectorError(
                f"Unknown host {p.host!r}: the name does not resolve.", transient=True
            )
        if code in CANT_CONNECT:
            # libmariadb reports errno 110 for a timeout; anything else here is a refusal.
            if "(110)" in text or "timed out" in text.lower():
                return ConnectorError(f"Timed out connecting to {self._where}.", transient=True)
            return ConnectorError(
                f"Connection refused on {self._where}: is the server running there?", transient=True
            )
        if code in SSL_ERRORS:
            return ConnectorError(f"SSL problem with {self._where}: {text}")
        if code in STATEMENT_TIMEOUT:
            return ConnectorError(f"Query timed out after {timeout:g} s.", transient=True)
        if code in READ_ONLY:
            return ConnectorError(f"Refused: the session is read-only ({text}).")
        if code in LOST_CONNECTION and "initial communication packet" in text and "110" in text:
            # The server accepted the TCP connection but never greeted us (errno 110).
            return ConnectorError(f"Timed out connecting to {self._where}.", transient=True)
        if code in LOST_CONNECTION:
            return ConnectorError(f"Lost the connection to {self._where}: {text}", transient=True)
        return ConnectorError(text)


def _grant_problems(lines: list[str]) -> list[str]:
    """Plain words for every grant beyond reading. Never quotes a line: SHOW GRANTS prints
    the account's password hash."""
    problems: list[str] = []
    for line in lines:
        match = GRANT_LINE.match(line)
        if not match:
            continue
        level = match["level"].replace("`", "")
        # "SELECT (`a`, `b`), INSERT" -> SELECT, INSERT: column lists do not matter here.
        privileges = [
            " ".join(re.sub(r"\(.*?\)", "", p).split()).upper()
            for p in re.split(r",(?![^()]*\))", match["privileges"])
        ]
        if "ALL" in privileges or "ALL PRIVILEGES" in privileges:
            problems.append(f"has ALL PRIVILEGES on {level} (every write and admin privilege)")
        if re.search(r"\bWITH\b.*\bGRANT OPTION\b", line, re.IGNORECASE):
            problems.append(f"can grant its privileges to others (GRANT OPTION on {level})")
        if "ALL" in privileges or "ALL PRIVILEGES" in privileges:
            continue
        if "SELECT" in privileges and (level == "*.*" or level.startswith("mysql.")):
            problems.append(f"reads the mysql schema, password hashes included (SELECT on {level})")
        problems += [ADMIN_PRIVILEGES[p] for p in privileges if p in ADMIN_PRIVILEGES]
        writes = [p for p in privileges if p in WRITE_PRIVILEGES]
        if writes:
            problems.append(f"can write: {', '.join(writes)} on {level}")
        others = [
            p
            for p in privileges
            if p not in READ_PRIVILEGES | WRITE_PRIVILEGES | ADMIN_PRIVILEGES.keys()
        ]
        if others:
            problems.append(f"has more than read rights: {', '.join(others)} on {level}")
    return list(dict.fromkeys(problems))
