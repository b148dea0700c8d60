"""The one interface every database engine implements.

Driver imports live only in each dialect's own module; this module and the registry never
import a driver, so a missing optional driver only breaks its own engine.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlglot.expressions as exp

from .capabilities import Capabilities

if TYPE_CHECKING:
    from .profiling import ProfileLimits
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


class PrivilegedAccountError(ConnectorError):
    """The account may do more than read and no admin has allowed that for this database."""


# Option names that hold (or point at) secrets: stored encrypted, shown masked. A path such as
# sslkey or passfile is not the secret itself, but where to find it; write-only costs little.
SECRET_OPTION_WORDS = ("pass", "secret", "token", "key", "credential")


# Secret by name though no word above says so: Redshift's IAM role ARN names the account.
SECRET_OPTION_NAMES = frozenset({"iam_role_arn"})


def is_secret_option(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_OPTION_NAMES or any(word in lowered for word in SECRET_OPTION_WORDS)


# A PostgreSQL role DataChat switches to at session start (the `session_role` option): a
# plain identifier, because it travels inside the libpq start-up options.
SESSION_ROLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,62}")


@dataclass(frozen=True)
class ConnectionParams:
    kind: str
    host: str = ""
    port: int | None = None
    database: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    # Secret options (sslpassword, ...) are merged in here at use time: never in a repr.
    options: tuple[tuple[str, Any], ...] = field(default=(), repr=False)
    # An admin's explicit "yes, this account may do more than read" (see Dialect.vet).
    allow_privileged: bool = False


@dataclass
class PrivilegeReport:
    """What an account may do beyond reading, in plain words; empty means least privilege."""

    problems: list[str] = field(default_factory=list)

    @property
    def privileged(self) -> bool:
        return bool(self.problems)


@dataclass
class TestResult:
    ok: bool
    message: str
    server_version: str = ""
    latency_ms: float = 0.0
    # The account's privilege problems as read by this test; None when they were not read.
    privilege_problems: list[str] | None = None

    @property
    def refused_as_privileged(self) -> bool:
        return not self.ok and bool(self.privilege_problems)


@dataclass
class QueryResult:
    columns: list[str]
    column_types: list[str]
    rows: list[tuple]
    truncated: bool
    duration_ms: float
    # Bytes a dry run said the query reads (BigQuery, before running it); None elsewhere.
    estimated_bytes: int | None = None

    @property
    def row_count(self) -> int:
        return len(self.rows)


class Dialect(Capabilities, ABC):
    """One database engine. Instances are cached per credential set (see the registry); what
    its SQL can do is declared on the class (see .capabilities)."""

    name: str
    default_port: int | None
    sqlglot_dialect: str

    def __init__(self, params: ConnectionParams, *, pool_max_size: int = 20):
        self.params = params
        self.pool_max_size = pool_max_size
        self._privileges: PrivilegeReport | None = None

    @classmethod
    def option_errors(cls, options: dict) -> list[str]:
        """What is wrong with a connection's settings (fields and options, secrets merged),
        found without connecting; one message per problem."""
        return []

    @abstractmethod
    def test_connection(self) -> TestResult: ...

    @abstractmethod
    def privileges(self) -> PrivilegeReport:
        """Read what the account may do beyond reading, on a connection of its own."""

    @abstractmethod
    def read_only_account_sql(self) -> str:
        """The exact statements (or config) that create a read-only account for this database."""

    @property
    def privilege_report(self) -> PrivilegeReport | None:
        """The report read by the last vetted connection of this engine (None: not read yet)."""
        return self._privileges

    def vet(self, conn, read: Callable[[], PrivilegeReport]) -> None:
        """Called on every new server connection: the account's privileges are read once per
        engine instance (credentials never change under an instance: new ones make a new
        engine) and a privileged account is refused unless an admin allowed it. A session
        being read-only is no defence when the account itself may write, read files or
        manage roles: one bypass of the session and nothing else holds."""
        try:
            if self._privileges is None:
                self._privileges = read()
            if self._privileges.privileged and not self.params.allow_privileged:
                raise PrivilegedAccountError(self.refusal(self._privileges))
        except BaseException:
            conn.close()
            raise

    def refusal(self, report: PrivilegeReport) -> str:
        account = self.params.username or "(default)"
        return (
            f"Refused: the account {account!r} can do more than read: "
            + "; ".join(report.problems)
            + ". DataChat needs a read-only account; create one with:\n"
            + self.read_only_account_sql()
            + "\nand register it instead, or allow this privileged account explicitly "
            '(the admin\'s "Allow a privileged account" box, "allow_privileged": true in the API).'
        )

    @abstractmethod
    def execute(self, sql: str, *, max_rows: int, timeout: float) -> QueryResult:
        """Run one read-only statement; the session itself is read-only and time-limited."""

    @abstractmethod
    def introspect(self) -> SchemaDocument:
        """Tables, columns, keys and indexes in a fixed number of catalog queries."""

    def profile(self, table: Table, *, timeout: float, limits: ProfileLimits) -> dict:
        """{column: null fraction, distinct count, min/max, top values} of one table, read
        from `profile_source`. The aggregate queries are the same for every engine, so they
        are built in one place (.profiling); engines differ in how they sample and count."""
        from .profiling import profile_table

        return profile_table(self, table, timeout=timeout, limits=limits)

    def distinct_count(self, column: exp.Expression) -> exp.Expression:
        """How profiling counts a column's distinct values."""
        return exp.Count(this=exp.Distinct(expressions=[column]))

    def profile_source(self, table: Table, limit: int) -> exp.Expression:
        """What profile() reads: the table itself when it has at most `limit` rows, else its
        first `limit` rows (a bounded subquery). Engines with a cheap sampling clause override
        this for big tables."""
        ref = table.sql_ref(self.name)
        if (table.row_count or 0) <= limit:
            return ref
        return exp.select("*").from_(ref).limit(limit).subquery("sampled")

    def table_checksum_sql(
        self, table: Table, columns: list[str], where: exp.Expression | None = None
    ) -> str | None:
        """One query giving (row_count, checksum) of `table`'s rows over `columns` (those
        matching `where`), hashed by the engine's own functions and combined without regard
        to row order. None: the engine has no hash function (SQLite), and the caller hashes
        rows fetched in key order in Python. Each engine hashes its own text form of the
        values, so checksums compare only between databases of one kind."""
        return None

    def quoted(self, name: str) -> str:
        return exp.to_identifier(name, quoted=True).sql(dialect=self.sqlglot_dialect)

    def checked_from(self, table: Table, where: exp.Expression | None) -> str:
        """`table [WHERE where]` in this engine's spelling."""
        ref = table.sql_ref(self.name).sql(dialect=self.sqlglot_dialect)
        return f"{ref} WHERE {where.sql(dialect=self.sqlglot_dialect)}" if where else ref

    def close(self) -> None:  # noqa: B027  (optional hook: engines without a pool keep it)
        """Release pooled connections."""

    def scrub(self, message: str) -> str:
        """Remove the password (and secret option values) from any driver text before it
        reaches a user or a log."""
        secrets = [self.params.password] + [
            value
            for key, value in self.params.options
            if is_secret_option(key) and isinstance(value, str)
        ]
        for secret in secrets:
            if secret:
                message = message.replace(secret, "***")
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
    # A test reads the privileges afresh: the probe's connection is vetted again.
    dialect._privileges = None
    try:
        version = probe()
    except ConnectorError as exc:
        return TestResult(
            ok=False,
            message=exc.user_message,
            latency_ms=(time.perf_counter() - started) * 1000,
            privilege_problems=_problems(dialect),
        )
    latency = (time.perf_counter() - started) * 1000
    if dialect.privilege_report is None:  # a probe that opened no server connection (SQLite)
        dialect._privileges = dialect.privileges()
    return TestResult(
        ok=True,
        message=f"Connected ({version}).",
        server_version=version,
        latency_ms=latency,
        privilege_problems=_problems(dialect),
    )


def _problems(dialect: Dialect) -> list[str] | None:
    report = dialect.privilege_report
    return None if report is None else list(report.problems)


def connect_timeout() -> float:
    """Seconds to wait for a server to answer a new connection (settings, else 5 s).

    Read lazily so engines also work outside a configured Django process (scripts, benchmarks).
    """
    try:
        from django.conf import settings

        return float(getattr(settings, "CONNECT_TIMEOUT_SECONDS", 5.0))
    except Exception:  # settings not configured
        return 5.0
