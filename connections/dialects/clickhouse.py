"""ClickHouse engine: clickhouse-driver (native protocol) clients under SQLAlchemy's QueuePool."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import uuid
from functools import partial

from clickhouse_driver import Client, errors
from sqlglot import expressions as exp

from .base import (
    ConnectorError,
    PrivilegeReport,
    QueryResult,
    TestResult,
    connect_timeout,
    timed_test,
)
from .capabilities import ClickHouseCapabilities
from .introspection import clickhouse as introspection
from .pooled import QueuePooledDialect
from .schema import SchemaDocument

logger = logging.getLogger(__name__)

MAX_BLOCK_SIZE = 65536
SOCKET_MARGIN_SECONDS = 5

# ClickHouse error codes we turn into specific messages.
AUTH_FAILED = {192, 193, 516}  # unknown user, wrong password, authentication failed (newer)
UNKNOWN_DATABASE = 81
TIMEOUT_EXCEEDED = {159, 209}  # server max_execution_time, driver socket timeout
READONLY = 164

READ_ONLY_PROFILE_NOTE = (
    "user profile is read-only: no per-query settings are sent; "
    "time and row limits are enforced by DataChat itself"
)


class _PooledClient(Client):
    """A Client the pool can close. The pool needs no ping of its own: the driver pings an
    idle connection before each query and reconnects when the server dropped it."""

    def close(self) -> None:
        self.disconnect()


def _bound_socket_wait(client: Client, timeout: float) -> None:
    """Connect (handshake under the connect timeout), then let reads wait as long as the
    query may run: the server stops it at max_execution_time, the socket a little later."""
    connection = client.connection
    if not connection.connected:
        connection.send_receive_timeout = connect_timeout()
        connection.connect()
    connection.send_receive_timeout = timeout + SOCKET_MARGIN_SECONDS
    connection.socket.settimeout(connection.send_receive_timeout)


class _Deadline:
    """Stops one query when its time is up, whatever the user's profile allows: a readonly=1
    profile takes no max_execution_time, and the socket timeout never fires while the server
    sends progress packets. KILL QUERY by id from a separate connection ends the query on the
    server (18.16 lets a readonly=1 user kill its own queries), and our stream with 'Query was
    cancelled'. Closing our socket alone would not do: the server keeps counting. If the kill
    is refused, the socket is shut so that at least the caller stops waiting."""

    def __init__(self, dialect: ClickHouse, client: Client, query_id: str, seconds: float):
        self.expired = False
        self._dialect, self._client, self._query_id = dialect, client, query_id
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()
        # Wait for a kill in progress: the client must not go back to the pool under it.
        self._timer.join()

    def _expire(self) -> None:
        self.expired = True
        if not self._dialect.kill(self._query_id):
            sock = self._client.connection.socket
            if sock is not None:
                with contextlib.suppress(OSError):  # already closed: nothing left to wait on
                    sock.shutdown(socket.SHUT_RDWR)


class ClickHouse(ClickHouseCapabilities, QueuePooledDialect):
    name = "clickhouse"
    default_port = 9000
    sqlglot_dialect = "clickhouse"

    def __init__(self, params, *, pool_max_size: int = 20):
        super().__init__(params, pool_max_size=pool_max_size)
        self._profile_read_only: bool | None = None

    def _new_connection(self, *, vet: bool = True) -> _PooledClient:
        p = self.params
        kwargs = {
            "host": p.host or "127.0.0.1",
            "port": int(p.port or self.default_port),
            "database": p.database or "default",
            "user": p.username or "default",
            "password": p.password,
            "connect_timeout": connect_timeout(),
            # The socket timeout also bounds the handshake: a server that accepts the TCP
            # connection and never answers would otherwise hold us for the default 300 s.
            "send_receive_timeout": connect_timeout(),
        }
        kwargs.update(dict(p.options))  # secure, verify, ca_certs, compression, ...
        client = _PooledClient(**kwargs)
        if vet:  # the first time, this connects (a Client connects on its first query)
            self.vet(client, partial(self._read_privileges, client))
        return client

    def _pool_options(self) -> dict:
        return {"reset_on_return": None}  # a Client has no transactions to roll back

    def _check_profile(self, client: Client) -> bool:
        """True when the user's profile already has readonly=1. Such a user may not change
        settings per query (18.16 silently ignores them, newer servers refuse), so we send
        none and rely on the profile's own limits."""
        if self._profile_read_only is None:
            rows = client.execute("SELECT value FROM system.settings WHERE name = 'readonly'")
            self._profile_read_only = bool(rows) and rows[0][0] == "1"
        return self._profile_read_only

    # -- the interface -----------------------------------------------------------------

    def test_connection(self) -> TestResult:
        def probe() -> str:
            client = self._new_connection()
            try:
                version = client.execute("SELECT version()")[0][0]
                self._check_profile(client)
            except (errors.Error, OSError) as exc:
                raise self._error(exc) from None
            finally:
                client.disconnect()
            return f"ClickHouse {version}"

        result = timed_test(self, probe)
        if result.ok and self._profile_read_only:
            result.message = f"{result.message[:-1]}; {READ_ONLY_PROFILE_NOTE}."
        return result

    def kill(self, query_id: str) -> bool:
        """KILL QUERY by id on a connection of its own (the query's own one is busy reading).
        False when the server refused or could not be reached."""
        client = self._new_connection()
        try:
            client.execute("KILL QUERY WHERE query_id = %(id)s ASYNC", {"id": query_id})
            return True
        except (errors.Error, OSError, EOFError) as exc:
            logger.warning("Could not kill ClickHouse query %s: %s", query_id, self._error(exc))
            return False
        finally:
            client.disconnect()

    def privileges(self) -> PrivilegeReport:
        client = self._new_connection(vet=False)
        try:
            return self._read_privileges(client)
        finally:
            client.disconnect()

    def _read_privileges(self, client: Client) -> PrivilegeReport:
        """The user's `readonly` setting, which comes from its profile. ClickHouse 18.16 has
        no SQL access management (users live in users.xml), so nothing else can grant more;
        on servers that have it, readonly=1 refuses CREATE USER and GRANT as well."""
        try:
            rows = client.execute("SELECT value FROM system.settings WHERE name = 'readonly'")
        except (errors.Error, OSError, EOFError) as exc:
            raise self._error(exc) from None
        readonly = rows[0][0] if rows else "0"
        if readonly == "0":
            return PrivilegeReport(["ClickHouse profile allows writes (readonly=0)"])
        if readonly == "2":
            # readonly=2 lets a query change its own settings (limits included) and run
            # table functions: file() reads the server's files, url() reaches the network.
            return PrivilegeReport(
                [
                    "ClickHouse profile allows changing settings and table functions such as "
                    "file() and url() (readonly=2)"
                ]
            )
        return PrivilegeReport()

    def read_only_account_sql(self) -> str:
        database = self.params.database or "default"
        return (
            "<!-- in users.xml (the server reloads it by itself); "
            "password_sha256_hex is: echo -n 'a new password' | sha256sum -->\n"
            "<profiles><datachat_readonly>\n"
            "  <readonly>1</readonly>\n"
            "  <max_execution_time>30</max_execution_time>\n"
            "  <max_result_rows>100000</max_result_rows>\n"
            "  <result_overflow_mode>break</result_overflow_mode>\n"
            "</datachat_readonly></profiles>\n"
            "<users><datachat_ro>\n"
            "  <password_sha256_hex>...</password_sha256_hex>\n"
            "  <networks><ip>::/0</ip></networks>\n"
            "  <profile>datachat_readonly</profile>\n"
            "  <quota>default</quota>\n"
            f"  <allow_databases><database>{database}</database></allow_databases>\n"
            "</datachat_ro></users>"
        )

    def execute(self, sql: str, *, max_rows: int, timeout: float) -> QueryResult:
        started = time.perf_counter()
        fairy = self._checkout()
        client = fairy.dbapi_connection
        query_id = str(uuid.uuid4())
        deadline = _Deadline(self, client, query_id, timeout)
        try:
            _bound_socket_wait(client, timeout)
            read_only_profile = self._check_profile(client)
            if read_only_profile:
                settings = {}
            else:
                settings = {
                    # readonly=1 refuses every write and DDL; it also refuses table functions
                    # (numbers(), url(), file(), ...): read system.numbers instead.
                    "readonly": 1,
                    "max_execution_time": max(1, round(timeout)),
                    # The server stops after the block that passes max_rows + 1 rows.
                    "max_result_rows": max_rows + 1,
                    "result_overflow_mode": "break",
                    "max_block_size": min(MAX_BLOCK_SIZE, max_rows + 1),
                }
            with deadline:
                stream = client.execute_iter(
                    sql, settings=settings, with_column_types=True, query_id=query_id
                )
                columns_with_types = next(stream, [])
                rows: list[tuple] = []
                truncated = False
                for row in stream:
                    if len(rows) >= max_rows:
                        truncated = True
                        # The rest of the stream is abandoned: drop the socket rather than
                        # read it (the client reconnects on its next query).
                        client.disconnect()
                        if read_only_profile:
                            # No max_result_rows stopped it on the server, and a query that
                            # has nothing more to send would not notice the closed socket.
                            self.kill(query_id)
                        break
                    rows.append(row)
            return QueryResult(
                [name for name, _ in columns_with_types],
                [type_name for _, type_name in columns_with_types],
                rows,
                truncated,
                (time.perf_counter() - started) * 1000,
            )
        except (errors.Error, OSError, EOFError) as exc:
            if deadline.expired:
                raise ConnectorError(
                    f"Query timed out after {timeout:g} s.", transient=True
                ) from None
            raise self._error(exc, timeout) from None
        finally:
            if deadline.expired:
                client.disconnect()  # the stream may be cut mid-way: start afresh next time
            fairy.close()

    def introspect(self) -> SchemaDocument:
        """The catalog of the connection's database (every visible one when none is set)."""
        fairy = self._checkout()
        try:
            schemas = [self.params.database] if self.params.database else None
            return introspection.introspect(fairy.dbapi_connection, schemas=schemas)
        except (errors.Error, OSError) as exc:
            raise self._error(exc) from None
        finally:
            fairy.close()

    def table_checksum_sql(self, table, columns, where=None) -> str:
        # cityHash64 of each row's text; sum (wrapping) counts repeated rows, groupBitXor is
        # the engine's order-free aggregate. NULL becomes "N", a value "=value".
        parts = ", '|', ".join(
            f"ifNull(concat('=', toString({self.quoted(c)})), 'N')" for c in columns
        )
        return (
            "SELECT count() AS row_count, concat(toString(sum(h)), '-', toString(groupBitXor(h))) "
            f"AS checksum FROM (SELECT cityHash64(concat({parts}, '')) AS h "
            f"FROM {self.checked_from(table, where)}) AS s"
        )

    def distinct_count(self, column):
        return exp.Anonymous(this="uniq", expressions=[column])  # approximate, cheap

    def profile_source(self, table, limit: int):
        """A big table with a sampling key (SAMPLE BY) is read with SAMPLE: a fraction of
        the rows chosen by the key, without scanning the rest."""
        rows = table.row_count or 0
        if rows <= limit or not table.sampling_key:
            return super().profile_source(table, limit)
        ref = table.sql_ref(self.name)
        fraction = max(0.0001, min(1.0, limit / rows))
        ref.set("sample", exp.TableSample(size=exp.Literal.number(round(fraction, 4))))
        return ref

    def _error(self, exc: Exception, timeout: float | None = None) -> ConnectorError:
        code = getattr(exc, "code", None)
        # Server messages carry a C++ stack trace after the text; users need the text only.
        text = self.scrub(getattr(exc, "message", None) or str(exc)).split("Stack trace")[0].strip()
        low = text.lower()
        p = self.params
        if code in AUTH_FAILED:
            return ConnectorError(f"Authentication failed for user {p.username or 'default'!r}.")
        if code == UNKNOWN_DATABASE:
            return ConnectorError(f"Unknown database {p.database!r} on {self._where}.")
        if code in TIMEOUT_EXCEEDED or isinstance(exc, TimeoutError):
            if timeout is None:
                return ConnectorError(f"Timed out connecting to {self._where}.", transient=True)
            return ConnectorError(f"Query timed out after {timeout:g} s.", transient=True)
        if code == READONLY:
            return ConnectorError(f"Refused: the session is read-only ({text}).")
        if "name or service not known" in low or "name resolution" in low:
            return ConnectorError(
                f"Unknown host {p.host!r}: the name does not resolve.", transient=True
            )
        if "connection refused" in low:
            return ConnectorError(
                f"Connection refused on {self._where}: is the server running there?", transient=True
            )
        if "ssl" in low:
            return ConnectorError(f"SSL problem with {self._where}: {text}")
        if "timed out" in low:
            return ConnectorError(f"Timed out talking to {self._where}.", transient=True)
        if isinstance(exc, (errors.NetworkError, errors.UnexpectedPacketFromServerError, OSError)):
            return ConnectorError(f"Could not reach {self._where}: {text}", transient=True)
        return ConnectorError(text)
