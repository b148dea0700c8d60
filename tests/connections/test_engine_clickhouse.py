"""ClickHouse engine against the real server (tests/servers.py)."""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from clickhouse_driver import Client

from connections.dialects import ConnectorError
from connections.dialects.clickhouse import ClickHouse
from tests.servers import CLICKHOUSE_PASSWORD_USER, CLICKHOUSE_READONLY_USER, assert_secret_absent

WRONG = "wrong-password-7f3a"


@pytest.fixture(scope="module")
def engine(clickhouse_params):
    engine = ClickHouse(clickhouse_params(), pool_max_size=5)
    yield engine
    engine.close()


def test_good_connection(engine):
    result = engine.test_connection()
    assert result.ok, result.message
    assert result.server_version.startswith("ClickHouse ")
    assert "read-only" not in result.message


def test_wrong_password_names_user_not_password(clickhouse_params):
    user, _ = CLICKHOUSE_PASSWORD_USER
    engine = ClickHouse(clickhouse_params(username=user, password=WRONG))
    result = engine.test_connection()
    assert not result.ok
    assert "authentication failed" in result.message.lower() and user in result.message
    with pytest.raises(ConnectorError) as info:
        engine.execute("SELECT 1", max_rows=1, timeout=5)
    assert not info.value.transient
    assert_secret_absent(WRONG, result.message, info.value)


def test_typed_results(engine):
    result = engine.execute(
        "SELECT toInt32(42) AS i, toDecimal64(12.5, 2) AS price, toDate('2024-02-29') AS d,"
        " toDateTime('2024-02-29 13:14:15') AS ts, CAST(NULL AS Nullable(String)) AS nothing,"
        " 'Ünïcødé 北京' AS u",
        max_rows=10,
        timeout=5,
    )
    assert result.columns == ["i", "price", "d", "ts", "nothing", "u"]
    assert result.column_types == [
        "Int32",
        "Decimal(18, 2)",
        "Date",
        "DateTime",
        "Nullable(String)",
        "String",
    ]
    assert result.rows == [
        (
            42,
            Decimal("12.50"),
            datetime.date(2024, 2, 29),
            datetime.datetime(2024, 2, 29, 13, 14, 15),
            None,
            "Ünïcødé 北京",
        )
    ]


def test_empty_result_keeps_columns(engine):
    result = engine.execute("SELECT 1 AS a WHERE 0", max_rows=10, timeout=5)
    assert result.rows == [] and result.columns == ["a"] and not result.truncated


def test_truncates_large_result_quickly(engine):
    started = time.monotonic()
    result = engine.execute(
        "SELECT number FROM system.numbers LIMIT 1000000", max_rows=1000, timeout=30
    )
    assert result.truncated and len(result.rows) == 1000 and result.rows[-1] == (999,)
    assert time.monotonic() - started < 5
    assert engine.execute("SELECT 1", max_rows=1, timeout=5).rows == [(1,)]


def test_exactly_max_rows_is_not_truncated(engine):
    result = engine.execute("SELECT number FROM system.numbers LIMIT 10", max_rows=10, timeout=5)
    assert len(result.rows) == 10 and not result.truncated


def test_server_side_timeout(engine):
    started = time.monotonic()
    with pytest.raises(ConnectorError, match="timed out") as info:
        engine.execute("SELECT count() FROM system.numbers", max_rows=1, timeout=1)
    assert info.value.transient and time.monotonic() - started < 5


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO notes VALUES (2, 'new')",
        "CREATE TABLE hijack (a Int8) ENGINE = Memory",
        "DROP TABLE notes",
        "SET readonly = 0",
    ],
)
def test_writes_refused_by_the_database(engine, clickhouse_admin, clickhouse_database, sql):
    admin = clickhouse_admin
    admin.execute(
        f"CREATE TABLE IF NOT EXISTS `{clickhouse_database}`.notes (id Int32, body String) "
        "ENGINE = Memory"
    )
    admin.execute(f"TRUNCATE TABLE `{clickhouse_database}`.notes")
    admin.execute(f"INSERT INTO `{clickhouse_database}`.notes VALUES", [(1, "keep")])
    with pytest.raises(ConnectorError, match="read-only"):
        engine.execute(sql, max_rows=10, timeout=5)
    assert admin.execute(f"SELECT * FROM `{clickhouse_database}`.notes") == [(1, "keep")]
    assert admin.execute(f"EXISTS TABLE `{clickhouse_database}`.hijack") == [(0,)]


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
