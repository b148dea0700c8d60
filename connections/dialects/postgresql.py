"""PostgreSQL engine: psycopg 3 with a psycopg_pool pool, read-only transactions."""

from __future__ import annotations

import logging
import re
import threading
import time
from functools import partial

import psycopg
from psycopg import errors
from psycopg_pool import ConnectionPool, PoolTimeout
from sqlglot import expressions as exp

from .base import (
    SESSION_ROLE_NAME,
    ConnectorError,
    Dialect,
    PrivilegeReport,
    QueryResult,
    TestResult,
    connect_timeout,
    fetch_capped,
    timed_test,
)
from .capabilities import PostgreSQLCapabilities
from .introspection import postgresql as introspection
from .schema import SchemaDocument

logger = logging.getLogger(__name__)

FETCH_BATCH = 2000  # rows per FETCH round trip
# Statements a server-side cursor can DECLARE (the guard has already stripped comments).
QUERY_START = re.compile(r"\s*(\(|select\b|with\b|values\b|table\b)", re.IGNORECASE)
# Predefined roles whose members reach the server's files and programs, end other sessions, or
# write everywhere (pg_write_all_data, PostgreSQL 14+); roles a server lacks are skipped.
RISKY_ROLES = {
    "pg_read_server_files": "reads any file on the server",
    "pg_write_server_files": "writes files on the server",
    "pg_execute_server_program": "runs programs on the server",
    "pg_signal_backend": "cancels or ends other sessions",
    "pg_write_all_data": "writes to every table",
}
WRITE_PRIVILEGES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")
USER_SCHEMAS = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'"
)
RELATIONS = "c.relkind IN ('r', 'p', 'v', 'm', 'f')"


def _read_only(conn: psycopg.Connection) -> None:
    conn.read_only = True


def _clean(conn: psycopg.Connection, reset: str = "DISCARD ALL") -> None:
    """Nothing a query did may outlive it on a pooled connection: roll back, then DISCARD ALL,
    because session-level advisory locks, prepared statements and cursors survive a rollback.
    DISCARD ALL returns settings to the connection's start-up values, so anything meant to last
    (the read-only default, a session role) belongs in the start-up options, not in SET. Done
    here rather than in the pool's `reset` callback, which runs later in a worker thread: when
    execute() returns the session is already clean. A connection that cannot be cleaned is
    closed, and the pool replaces it."""
    if conn.broken:
        return
    try:
        conn.rollback()
        conn.autocommit = True  # DISCARD ALL cannot run inside a transaction block
        conn.execute(reset)
        conn.autocommit = False
    except psycopg.Error:
        conn.close()


def _handing_over(first: psycopg.Connection) -> type[psycopg.Connection]:
    """A connection class whose first connect() returns `first`; later ones connect."""
    spare = [first]

    class HandOver(psycopg.Connection):
        @classmethod
        def connect(cls, *args, **kwargs):
            try:
                return spare.pop()
            except IndexError:
                return psycopg.Connection.connect(*args, **kwargs)

    return HandOver


class PostgreSQL(PostgreSQLCapabilities, Dialect):
    name = "postgresql"
    default_port = 5432
    sqlglot_dialect = "postgres"
    # What _clean runs after each use of a pooled connection (Redshift has no DISCARD).
    session_reset = "DISCARD ALL"

    def __init__(self, params, *, pool_max_size: int = 20):
        super().__init__(params, pool_max_size=pool_max_size)
        self._pool: ConnectionPool | None = None
        self._lock = threading.Lock()

    # -- connecting -------------------------------------------------------------------

    def _connect_kwargs(self) -> dict:
        p = self.params
        kwargs = {
            "host": p.host or "127.0.0.1",
            "port": p.port or self.default_port,
            "dbname": p.database,
            "user": p.username,
            "password": p.password,
            # libpq counts whole seconds and treats anything below 2 as 2.
            "connect_timeout": max(2, round(connect_timeout())),
            "application_name": "datachat",
        }
        # sslmode, sslrootcert, ... go to libpq untouched.
        kwargs.update(dict(p.options))
        role = kwargs.pop("session_role", None)
        # The session default is read-only too, so that even a transaction a statement
        # manages to open for itself (after a COMMIT) cannot write.
        startup = [kwargs.get("options"), "-c default_transaction_read_only=on"]
        if role:
            if not isinstance(role, str) or not SESSION_ROLE_NAME.fullmatch(role):
                raise ConnectorError(
                    "session_role must be a plain role name (letters, digits, _ and $)."
                )
            # Set at session start, the role is the session's reset value: RESET ROLE and
            # DISCARD ALL come back to it, not to the login account.
            startup.append(f"-c role={role}")
        kwargs["options"] = " ".join(filter(None, startup))
        return {k: v for k, v in kwargs.items() if v not in ("", None)}

    def _connect(self, *, vet: bool = True) -> psycopg.Connection:
        try:
            conn = psycopg.connect(**self._connect_kwargs())
            if vet:
                self.vet(conn, partial(self._read_privileges, conn))
            return conn
        except psycopg.Error as exc:
            raise self._connect_error(exc) from None

    def _connect_error(self, exc: Exception) -> ConnectorError:
        p = self.params
        text = str(exc)
        low = text.lower()
        where = f"{p.host}:{p.port or self.default_port}"
        if "password authentication failed" in low or "authentication failed" in low:
            return ConnectorError(f"Authentication failed for user {p.username!r}.")
        if "no password supplied" in low:
            return ConnectorError(
                f"Authentication failed for user {p.username!r}: a password is required."
            )
        if "does not exist" in low and "database" in low:
            return ConnectorError(f"Unknown database {p.database!r} on {where}.")
        if "failed to resolve host" in low or "could not translate host name" in low:
            return ConnectorError(
                f"Unknown host {p.host!r}: the name does not resolve.", transient=True
            )
        if "connection refused" in low:
            return ConnectorError(
                f"Connection refused on {where}: is the server running there?", transient=True
            )
        if "ssl was required" in low or "server does not support ssl" in low:
            return ConnectorError(
                f"SSL was required but the server on {where} does not support it."
            )
        if "ssl off" in low or "hostssl" in low or ("ssl" in low and "pg_hba.conf" in low):
            return ConnectorError(
                f"The server on {where} requires SSL: set the sslmode option (e.g. require)."
            )
        if "timeout" in low or "timed out" in low:
            return ConnectorError(f"Timed out connecting to {where}.", transient=True)
        if "pg_hba.conf" in low:
            return ConnectorError(f"The server on {where} does not accept this user/database/host.")
        role = dict(p.options).get("session_role")
        if role and (
            "permission denied to set role" in low or f'role "{role}" does not exist'.lower() in low
        ):
            return ConnectorError(
                f"The session role {role!r} does not exist or {p.username!r} may not use it "
                f"(GRANT {role} TO {p.username})."
            )
        # Keep the driver's own words (scrubbed) for anything we have no better phrase for.
        return ConnectorError(f"Could not connect to {where}: {self.scrub(text)}", transient=True)

    def _get_pool(self) -> ConnectionPool:
        with self._lock:
            if self._pool is not None:
                return self._pool
            # The pool retries failed connects in the background and only ever reports
            # "timeout"; one direct attempt first fails fast with the real reason, and then
            # becomes the pool's first connection instead of being thrown away.
            first = self._connect()
            pool = ConnectionPool(
                kwargs=self._connect_kwargs(),
                connection_class=_handing_over(first),
                min_size=1,
                max_size=self.pool_max_size,
                open=False,
                # A connection killed on the server side is found and replaced on checkout.
                check=ConnectionPool.check_connection,
                # Every transaction on these connections starts as BEGIN READ ONLY.
                configure=_read_only,
                timeout=connect_timeout(),
                name=f"datachat-{self.params.host}-{self.params.database}",
            )
            pool.open()
            self._pool = pool
            return pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    # -- the interface -----------------------------------------------------------------

    def test_connection(self) -> TestResult:
        def probe() -> str:
            with self._connect() as conn:
                version = conn.execute("SHOW server_version").fetchone()[0]
            return f"PostgreSQL {version}"

        return timed_test(self, probe)

    def privileges(self) -> PrivilegeReport:
        with self._connect(vet=False) as conn:
            return self._read_privileges(conn)

    def _read_privileges(self, conn: psycopg.Connection) -> PrivilegeReport:
        """The privileges of current_user: with a session_role, the role's, not the login's."""
        try:
            return PrivilegeReport(_privilege_problems(conn))
        finally:
            conn.rollback()  # the pool configures connections only outside a transaction

    def read_only_account_sql(self) -> str:
        database = self.params.database or "<database>"
        return (
            "CREATE ROLE datachat_ro LOGIN PASSWORD '<a new password>';\n"
            f'GRANT CONNECT ON DATABASE "{database}" TO datachat_ro;\n'
            f'-- then, connected to "{database}", for each schema to read (public here):\n'
            "GRANT USAGE ON SCHEMA public TO datachat_ro;\n"
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO datachat_ro;\n"
            "-- as the role that creates tables, so new tables are readable too:\n"
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO datachat_ro;"
        )

    def execute(self, sql: str, *, max_rows: int, timeout: float) -> QueryResult:
        started = time.perf_counter()
        pool = self._get_pool()
        try:
            with pool.connection() as conn:
                try:
                    return self._run(conn, sql, max_rows, timeout, started)
                finally:
                    _clean(conn, self.session_reset)
        except PoolTimeout:
            # Either every connection is busy or the server went away; find out which.
            self._connect().close()
            raise ConnectorError(
                f"All {self.pool_max_size} connections are busy; try again shortly.", transient=True
            ) from None
        except psycopg.Error as exc:
            raise self._query_error(exc, timeout) from None

    def _run(self, conn, sql, max_rows, timeout, started) -> QueryResult:
        conn.execute(f"SET LOCAL statement_timeout = {max(1, int(timeout * 1000))}")
        if QUERY_START.match(sql):
            # A named (server-side) cursor: FETCH in batches and stop at max_rows; closing it
            # early is a cheap CLOSE, unlike cancelling a streamed query. DECLARE takes
            # exactly one statement.
            cur = conn.cursor(name="datachat_query")
            execute = cur.execute
        else:
            # Not a plain query (EXPLAIN, or a write that bypassed the guard): DECLARE would
            # reject it as a syntax error, so run it plainly and let the read-only
            # transaction refuse writes by name. Such results are small. prepare=True sends
            # it through the extended protocol, which takes one statement: the simple
            # protocol would run "COMMIT; BEGIN READ WRITE; ..." as several.
            cur = conn.cursor()
            execute = partial(cur.execute, prepare=True)
        try:
            execute(sql)
            rows, truncated = fetch_capped(cur, max_rows, FETCH_BATCH)
            columns, types = self._describe(conn, cur)
        finally:
            cur.close()
        return QueryResult(columns, types, rows, truncated, (time.perf_counter() - started) * 1000)

    def introspect(self) -> SchemaDocument:
        """The catalog in a fixed number of queries (connections/dialects/introspection)."""
        try:
            with self._get_pool().connection() as conn:
                try:
                    return self._read_catalog(conn)
                finally:
                    _clean(conn, self.session_reset)
        except PoolTimeout:
            raise ConnectorError(
                "All connections are busy; try again shortly.", transient=True
            ) from None
        except psycopg.Error as exc:
            raise self._query_error(exc, connect_timeout()) from None

    def _read_catalog(self, conn: psycopg.Connection) -> SchemaDocument:
        return introspection.introspect(conn)

    def profile_source(self, table, limit: int):
        """A big table is read through TABLESAMPLE SYSTEM: about `limit` rows from random
        pages, without scanning the rest (views cannot be sampled this way)."""
        rows = table.row_count or 0
        if rows <= limit or table.kind != "table":
            return super().profile_source(table, limit)
        percent = max(0.01, min(100.0, 100.0 * limit / rows))
        ref = table.sql_ref(self.name)
        ref.set(
            "sample",
            exp.TableSample(
                method=exp.var("SYSTEM"), percent=exp.Literal.number(round(percent, 3))
            ),
        )
        return ref

    def table_checksum_sql(self, table, columns, where=None) -> str:
        # md5 of each row's text, joined in the order of the hashes themselves (so the table's
        # physical order does not matter), then one md5 of that.
        row = ", ".join(map(self.quoted, columns))
        return (
            "SELECT COUNT(*) AS row_count, md5(COALESCE(string_agg(h, '' ORDER BY h), '')) "
            f"AS checksum FROM (SELECT md5(CAST(ROW({row}) AS TEXT)) AS h "
            f"FROM {self.checked_from(table, where)}) AS s"
        )

    def _describe(self, conn, cur) -> tuple[list[str], list[str]]:
        fields = [(d.name, d.type_code) for d in cur.description or ()]
        types = []
        for _, oid in fields:
            info = conn.adapters.types.get(oid)
            types.append(info.name if info else f"oid {oid}")
        return [name for name, _ in fields], types

    def _query_error(self, exc: psycopg.Error, timeout: float) -> ConnectorError:
        if isinstance(exc, errors.QueryCanceled):
            return ConnectorError(f"Query timed out after {timeout:g} s.", transient=True)
        if isinstance(exc, errors.ReadOnlySqlTransaction) or (
            # A data-modifying CTE is refused before it even reaches the read-only check.
            isinstance(exc, errors.FeatureNotSupported) and "data-modifying" in str(exc)
        ):
            return ConnectorError(f"Refused: the session is read-only ({self.scrub(str(exc))}).")
        if isinstance(exc, psycopg.OperationalError) and not exc.sqlstate:
            # No SQLSTATE: the link itself broke (server restart, network).
            return ConnectorError(
                f"Lost the connection to the server: {self.scrub(str(exc))}", transient=True
            )
        return ConnectorError(self.scrub(str(exc)).strip())


def _privilege_problems(conn: psycopg.Connection) -> list[str]:
    """Catalog reads only; a handful of queries whatever the size of the database."""
    superuser, createrole, createdb, bypassrls, replication = conn.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication "
        "FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if superuser:  # everything below is implied
        return ["the account is a superuser (it reads and writes anything, server files too)"]
    problems = []
    for flag, words in (
        (createrole, "can create and change roles (CREATEROLE): it can manage access"),
        (createdb, "can create databases (CREATEDB)"),
        (bypassrls, "bypasses row-level security (BYPASSRLS)"),
        (replication, "has the REPLICATION attribute (it can copy every database)"),
    ):
        if flag:
            problems.append(words)
    names = ", ".join(f"'{name}'" for name in RISKY_ROLES)
    for (role,) in conn.execute(
        f"SELECT rolname FROM pg_roles WHERE rolname IN ({names}) "
        "AND pg_has_role(current_user, oid, 'MEMBER') ORDER BY rolname"
    ):
        problems.append(f"member of {role} ({RISKY_ROLES[role]})")
    count, examples = conn.execute(
        "SELECT count(*), (array_agg(quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
        "ORDER BY n.nspname, c.relname))[1:3] "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE {RELATIONS} AND {USER_SCHEMAS} AND pg_has_role(current_user, c.relowner, 'MEMBER')"
    ).fetchone()
    if count:
        # Ownership is every right on the table, grants or not: one bypass of the
        # read-only session (a second connection through dblink, say) and it writes.
        problems.append(
            f"owns {_tables(count, examples)}: an owner may write to, alter and drop them; "
            "only the read-only session stands in the way"
        )
    schemas = [
        name
        for (name,) in conn.execute(
            f"SELECT n.nspname FROM pg_namespace n WHERE {USER_SCHEMAS} "
            "AND has_schema_privilege(n.oid, 'CREATE') ORDER BY 1"
        )
    ]
    if schemas:
        problems.append(f"can create objects in schema {', '.join(schemas)}")
    checks = ", ".join(
        f"CASE WHEN has_table_privilege(c.oid, '{p}') THEN '{p}' END" for p in WRITE_PRIVILEGES
    )
    for privileges, count, examples in conn.execute(
        "SELECT privileges, count(*), (array_agg(name ORDER BY name))[1:3] FROM ("
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name, "
        f"concat_ws(', ', {checks}) AS privileges "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE {RELATIONS} AND {USER_SCHEMAS} "
        "AND NOT pg_has_role(current_user, c.relowner, 'MEMBER')"
        ") granted WHERE privileges <> '' GROUP BY privileges ORDER BY privileges"
    ):
        problems.append(f"can write: {privileges} on {_tables(count, examples)}")
    return problems


def _tables(count: int, examples: list[str]) -> str:
    more = ", ..." if count > len(examples) else ""
    return f"{count} table{'s' if count != 1 else ''} ({', '.join(examples)}{more})"
