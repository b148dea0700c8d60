"""Connection failures every server engine must name precisely: a server that accepts the TCP
connection and then never answers (timeout), and a client that requires SSL from a server
that does not offer it."""

import socket
import threading
import time

import pytest

from connections.dialects import ConnectorError, dialect_class

SERVER_KINDS = ["postgresql", "mysql", "clickhouse"]


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
        pytest.skip(f"this {kind} server offers SSL")
    assert "ssl" in result.message.lower(), result.message
