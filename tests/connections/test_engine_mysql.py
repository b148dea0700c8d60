"""MySQL / MariaDB engine against the real server (tests/servers.py): what only it has; what
every engine does is in test_engine_contract.py."""

import os

import pytest

from connections.dialects import ConnectorError
from connections.dialects.mysql import MySQL


@pytest.fixture(scope="module")
def engine(mysql_params):
    engine = MySQL(mysql_params(), pool_max_size=5)
    yield engine
    engine.close()


def test_stacked_statements_are_refused(engine):
    """Stacked statements are off, so a write cannot ride behind a SELECT (a lone SET ... READ
    WRITE lasting only until the next call is in the contract suite)."""
    with pytest.raises(ConnectorError, match="syntax"):
        engine.execute("SELECT 1; SET SESSION TRANSACTION READ WRITE", max_rows=1, timeout=5)
    with pytest.raises(ConnectorError, match="syntax"):
        engine.execute("SELECT 1; CREATE TABLE hijack2 (a int)", max_rows=1, timeout=5)


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
