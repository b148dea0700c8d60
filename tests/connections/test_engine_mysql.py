"""MySQL / MariaDB engine against the real server (tests/servers.py)."""

import datetime
import os
import time
from decimal import Decimal

import pytest

from connections.dialects import ConnectorError
from connections.dialects.mysql import MySQL
from tests.servers import MYSQL_PASSWORD_USER, assert_secret_absent

WRONG = "wrong-password-7f3a"


@pytest.fixture(scope="module")
def engine(mysql_params):
    engine = MySQL(mysql_params(), pool_max_size=5)
    yield engine
    engine.close()


def test_good_connection(engine):
    result = engine.test_connection()
    assert result.ok, result.message
    assert result.server_version.startswith(("MariaDB ", "MySQL "))
    assert result.latency_ms > 0


def test_wrong_password_names_user_not_password(mysql_params):
    user, _ = MYSQL_PASSWORD_USER
    engine = MySQL(mysql_params(username=user, password=WRONG))
    result = engine.test_connection()
    assert not result.ok
    assert "authentication failed" in result.message.lower() and user in result.message
    with pytest.raises(ConnectorError) as info:
        engine.execute("SELECT 1", max_rows=1, timeout=5)
    assert not info.value.transient
    assert_secret_absent(WRONG, result.message, info.value)


def test_password_account_connects(mysql_params):
    user, password = MYSQL_PASSWORD_USER
    assert MySQL(mysql_params(username=user, password=password)).test_connection().ok


def test_typed_results(engine):
    result = engine.execute(
        "SELECT 42 AS i, CAST(12.5 AS DECIMAL(10,2)) AS price, DATE '2024-02-29' AS d,"
        " TIMESTAMP '2024-02-29 13:14:15' AS ts, NULL AS nothing, 'Ünïcødé 北京' AS u",
        max_rows=10,
        timeout=5,
    )
    assert result.columns == ["i", "price", "d", "ts", "nothing", "u"]
    assert result.column_types[:4] == ["LONG", "NEWDECIMAL", "DATE", "DATETIME"]
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
    assert not result.truncated and result.duration_ms > 0


def test_truncates_large_result_quickly(engine):
    started = time.monotonic()
    result = engine.execute("SELECT seq FROM seq_1_to_1000000", max_rows=1000, timeout=30)
    assert result.truncated and len(result.rows) == 1000 and result.rows[-1] == (1000,)
    assert time.monotonic() - started < 5
    # The abandoned connection was dropped, not returned half-read.
    assert engine.execute("SELECT 1", max_rows=1, timeout=5).rows == [(1,)]


def test_server_side_timeout(engine):
    started = time.monotonic()
    with pytest.raises(ConnectorError, match="timed out") as info:
        engine.execute("SELECT SLEEP(5)", max_rows=1, timeout=1)
    assert info.value.transient and time.monotonic() - started < 4


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO notes VALUES (2, 'new')",
        "DELETE FROM notes",
        "UPDATE notes SET body = 'x'",
        # DDL commits implicitly on MariaDB; only the session-level read-only default stops it.
        "CREATE TABLE hijack (a int)",
        "DROP TABLE notes",
    ],
)
def test_writes_refused_by_the_database(engine, mysql_admin, mysql_database, sql):
    admin = mysql_admin(mysql_database)
    cur = admin.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS notes (id int, body text)")
    cur.execute("DELETE FROM notes")
    cur.execute("INSERT INTO notes VALUES (1, 'keep')")
    with pytest.raises(ConnectorError, match="read-only"):
        engine.execute(sql, max_rows=10, timeout=5)
    cur.execute("SELECT * FROM notes")
    assert cur.fetchall() == ((1, "keep"),)
    cur.execute("SHOW TABLES LIKE 'hijack'")
    assert cur.fetchall() == ()
    admin.close()


def test_read_write_cannot_be_switched_back_on(engine, mysql_admin, mysql_database):
    # Stacked statements are off, and a lone SET ... READ WRITE lasts only until the next call.
    with pytest.raises(ConnectorError):
        engine.execute("SELECT 1; SET SESSION TRANSACTION READ WRITE", max_rows=1, timeout=5)
    for _ in range(5):  # reach every pooled connection
        engine.execute("SET SESSION TRANSACTION READ WRITE", max_rows=1, timeout=5)
    with pytest.raises(ConnectorError, match="read-only"):
        engine.execute("CREATE TABLE hijack2 (a int)", max_rows=1, timeout=5)


@pytest.mark.parametrize(
    "sql, timeout",
    [("SELECT GET_LOCK('{name}', 0)", 5), ("SELECT GET_LOCK('{name}', 0), SLEEP(5)", 0.5)],
    ids=["returned", "timed-out"],
)
def test_a_pooled_session_comes_back_clean(mysql_params, mysql_admin, sql, timeout):
    """A rollback leaves GET_LOCK locks and session state behind; the connection is reset
    (COM_CHANGE_USER) before execute() returns, whether the query ended well or not. One
    pooled connection, so every call reuses it."""
    name = f"datachat_left_{os.getpid()}"
    engine = MySQL(mysql_params(), pool_max_size=1)
    try:
        try:
            engine.execute(sql.format(name=name), max_rows=1, timeout=timeout)
        except ConnectorError as exc:
            assert "timed out" in exc.user_message
        admin = mysql_admin()
        cur = admin.cursor()
        cur.execute("SELECT IS_USED_LOCK(%s)", [name])
        assert cur.fetchall() == ((None,),)
        admin.close()
        for leftover in (
            "SET @planted = 1",
            "SET SESSION sql_mode = 'ANSI'",
            "PREPARE p FROM 'SELECT 1'",
        ):
            engine.execute(leftover, max_rows=1, timeout=5)
        state = engine.execute("SELECT @planted, @@sql_mode LIKE '%ANSI%'", max_rows=1, timeout=5)
        assert state.rows == [(None, 0)]
        with pytest.raises(ConnectorError, match="Unknown prepared statement"):
            engine.execute("EXECUTE p", max_rows=1, timeout=5)
        # The reset session keeps refusing stacked statements.
        with pytest.raises(ConnectorError, match="syntax"):
            engine.execute("SELECT 1; SELECT 2", max_rows=1, timeout=5)
    finally:
        engine.close()


def test_chinook_loaded(chinook_mysql):
    engine = MySQL(chinook_mysql.params)
    try:
        assert engine.execute("SELECT count(*) FROM Track", max_rows=1, timeout=10).rows == [
            (3503,)
        ]
        name = engine.execute("SELECT Name FROM Artist WHERE ArtistId = 1", max_rows=1, timeout=5)
        assert name.rows == [("AC/DC",)]
    finally:
        engine.close()
