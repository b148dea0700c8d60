"""Connection failures every server engine must name precisely, the same on each: a refused
port, an unknown host, an unknown database, a server that accepts the TCP connection and then
never answers (timeout), and a client that requires SSL from a server that does not offer it."""

import socket
import threading
import time

import pytest

from connections.dialects import ConnectorError, dialect_class
from tests.servers import assert_secret_absent

SERVER_KINDS = ["postgresql", "mysql", "clickhouse"]
WRONG = "wrong-password-7f3a"


@pytest.fixture
def silent_server():
    """A loopback port that accepts connections and never sends a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_forever():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


@pytest.fixture
def params_for(pg_params, mysql_params, clickhouse_params):
    return {"postgresql": pg_params, "mysql": mysql_params, "clickhouse": clickhouse_params}


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_refused_port_is_transient(kind, params_for):
    engine = dialect_class(kind)(params_for[kind](host="127.0.0.1", port=1, password=WRONG))
    result = engine.test_connection()
    assert not result.ok and "Connection refused on 127.0.0.1:1" in result.message
    with pytest.raises(ConnectorError) as info:
        engine.execute("SELECT 1", max_rows=1, timeout=5)
    assert info.value.transient
    assert_secret_absent(WRONG, info.value)


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_unknown_host_fails_fast(kind, params_for):
    started = time.monotonic()
    result = dialect_class(kind)(params_for[kind](host="no-such-host.invalid")).test_connection()
    assert not result.ok and "Unknown host" in result.message
    assert time.monotonic() - started < 6


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_unknown_database(kind, params_for):
    result = dialect_class(kind)(params_for[kind](database="no_such_db_datachat")).test_connection()
    assert not result.ok and result.message.startswith("Unknown database 'no_such_db_datachat'")


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_silent_server_is_a_timeout(kind, silent_server, params_for, settings):
    settings.CONNECT_TIMEOUT_SECONDS = 2
    engine = dialect_class(kind)(params_for[kind](host="127.0.0.1", port=silent_server))
    started = time.monotonic()
    result = engine.test_connection()
    elapsed = time.monotonic() - started
    assert not result.ok
    assert "timed out" in result.message.lower(), result.message
    assert f"127.0.0.1:{silent_server}" in result.message
    assert elapsed < 10
    # A query on the pool meets the same bound rather than the driver's long socket default.
    started = time.monotonic()
    with pytest.raises(ConnectorError, match="(?i)timed out"):
        engine.execute("SELECT 1", max_rows=1, timeout=5)
    assert time.monotonic() - started < 15
    engine.close()


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("postgresql", {"sslmode": "require"}),
        ("mysql", {"ssl_mode": "REQUIRED"}),
        ("clickhouse", {"secure": "true"}),
    ],
)
def test_ssl_required_by_client_but_not_offered(kind, options, params_for):
    engine = dialect_class(kind)(params_for[kind](options=options))
    result = engine.test_connection()
    if result.ok:
        # A property of the server under test, not something missing from the machine: a skip,
        # in CI too (tests/servers.missing() is for missing servers and tools).
        pytest.skip(f"this {kind} server offers SSL")
    assert "SSL" in result.message, result.message
