"""ClickHouse engine against the real server (tests/servers.py): what only it has; what every
engine does is in test_engine_contract.py."""

import threading
import time

import pytest
from clickhouse_driver import Client

from connections.dialects import ConnectorError
from connections.dialects.clickhouse import ClickHouse
from tests.servers import CLICKHOUSE_READONLY_USER


@pytest.fixture(scope="module")
def engine(clickhouse_params):
    engine = ClickHouse(clickhouse_params(), pool_max_size=5)
    yield engine
    engine.close()


def test_read_only_profile_is_detected(clickhouse_params):
    user, password = CLICKHOUSE_READONLY_USER
    engine = ClickHouse(clickhouse_params(username=user, password=password))
    try:
        result = engine.test_connection()
        assert result.ok and "user profile is read-only" in result.message
        # No per-query settings are sent, so queries still run; reading stops at max_rows.
        rows = engine.execute(
            "SELECT number FROM system.numbers LIMIT 100000", max_rows=10, timeout=5
        )
        assert rows.truncated and len(rows.rows) == 10
        with pytest.raises(ConnectorError, match="read-only"):
            engine.execute("CREATE TABLE hijack (a Int8) ENGINE = Memory", max_rows=1, timeout=5)
    finally:
        engine.close()


def running(clickhouse_admin, marker: str) -> list:
    """Queries still on the server whose text carries `marker` (besides this one)."""
    return clickhouse_admin.execute(
        "SELECT query_id FROM system.processes "
        f"WHERE query LIKE '%{marker}%' AND query NOT LIKE '%system.processes%'"
    )


def gone_within(clickhouse_admin, marker: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while running(clickhouse_admin, marker):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def safety_net(clickhouse_server):
    """safety_net(marker): kill the marked query from outside after 10 s, so that a missing
    deadline fails the test (too slow, still running) instead of hanging it; and at teardown,
    so that a failed test leaves nothing running."""
    timers, markers = [], []

    def kill(marker: str) -> None:
        client = Client(host=clickhouse_server.host, port=clickhouse_server.port)
        # Spelled in two halves so that the KILL statement does not match itself.
        half = len(marker) // 2
        client.execute(
            f"KILL QUERY WHERE query LIKE concat('%', '{marker[:half]}', '{marker[half:]}', '%')"
        )
        client.disconnect()

    def arm(marker: str) -> None:
        timer = threading.Timer(10, kill, (marker,))
        timer.daemon = True
        timer.start()
        timers.append(timer)
        markers.append(marker)

    yield arm
    for timer in timers:
        timer.cancel()
    for marker in markers:
        kill(marker)


@pytest.fixture
def read_only_profile_engine(clickhouse_params):
    user, password = CLICKHOUSE_READONLY_USER
    engine = ClickHouse(clickhouse_params(username=user, password=password), pool_max_size=2)
    yield engine
    engine.close()


def test_read_only_profile_is_still_bounded_in_time(
    read_only_profile_engine, clickhouse_admin, safety_net
):
    """The profile refuses max_execution_time, so the client's deadline kills the query: it
    must be gone from the server, not only from our socket (18.16 keeps counting after a
    disconnect)."""
    marker = f"deadline_{time.monotonic_ns()}"
    safety_net(marker)
    started = time.monotonic()
    with pytest.raises(ConnectorError, match="timed out after 1 s") as info:
        read_only_profile_engine.execute(
            f"SELECT count() FROM system.numbers WHERE number != 7 AND '{marker}' != ''",
            max_rows=10,
            timeout=1,
        )
    assert info.value.transient and time.monotonic() - started < 3
    assert gone_within(clickhouse_admin, marker, 1)
    assert read_only_profile_engine.execute("SELECT 1", max_rows=1, timeout=5).rows == [(1,)]


def test_read_only_profile_query_stops_at_the_row_cap(
    read_only_profile_engine, clickhouse_admin, safety_net
):
    """Ten rows arrive at once, then the query would scan on without sending anything: after
    the cap it is killed on the server, not left running behind a closed socket."""
    marker = f"rowcap_{time.monotonic_ns()}"
    safety_net(marker)
    result = read_only_profile_engine.execute(
        f"SELECT number FROM system.numbers WHERE (number < 20 OR number > 1e15) AND '{marker}' != ''",
        max_rows=10,
        timeout=30,
    )
    assert result.truncated and len(result.rows) == 10
    assert gone_within(clickhouse_admin, marker, 1)
