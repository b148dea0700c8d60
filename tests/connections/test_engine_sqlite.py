"""SQLite engine on files in a temporary folder: what only SQLite has (its files, its
typing); what every engine does is in test_engine_contract.py."""

import sqlite3

import pytest

from connections.dialects import ConnectionParams, ConnectorError
from connections.dialects.sqlite import SQLite


@pytest.fixture
def engine(sqlite_params):
    return SQLite(sqlite_params())


def test_missing_file_is_named_and_not_created(tmp_path):
    path = tmp_path / "nope.sqlite3"
    result = SQLite(ConnectionParams(kind="sqlite", database=str(path))).test_connection()
    assert not result.ok and result.message == f"Database file not found: {path}"
    assert not path.exists()


def test_not_a_database(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello, this is not SQLite " * 100)
    result = SQLite(ConnectionParams(kind="sqlite", database=str(path))).test_connection()
    assert not result.ok and "not a database" in result.message


def test_typed_results(engine):
    result = engine.execute("SELECT id, name, price FROM items ORDER BY id", max_rows=10, timeout=5)
    assert result.columns == ["id", "name", "price"]
    assert result.column_types == ["INTEGER", "TEXT", "REAL"]
    assert result.rows == [(1, "tea", 2.5), (2, "Ünïcødé 北京", None)]


def test_dates_decimals_nulls_and_unicode(tmp_path):
    """SQLite stores dates as ISO text and DECIMAL with numeric affinity: they come back as
    stored, and each column is typed after its first non-NULL value."""
    path = tmp_path / "typed.sqlite3"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (d DATE, ts TIMESTAMP, amount DECIMAL(10, 2), note TEXT)")
        setup.executemany(
            "INSERT INTO t VALUES (?, ?, ?, ?)",
            [
                ("2024-02-29", "2024-02-29 13:45:00", 19.99, None),
                (None, "1999-12-31 23:59:59", 1000000, "straße ✓"),
            ],
        )
    engine = SQLite(ConnectionParams(kind="sqlite", database=str(path)))
    result = engine.execute("SELECT d, ts, amount, note FROM t ORDER BY ts", max_rows=5, timeout=5)
    assert result.rows == [
        (None, "1999-12-31 23:59:59", 1000000, "straße ✓"),
        ("2024-02-29", "2024-02-29 13:45:00", 19.99, None),
    ]
    assert result.column_types == ["TEXT", "TEXT", "INTEGER", "TEXT"]
    engine.close()


def test_session_cannot_be_loosened_or_reach_other_files(engine, tmp_path):
    """Every statement runs on the same per-thread connection: turning query_only off once
    must not open the way for later statements to write elsewhere."""
    copy, attached = tmp_path / "copy.db", tmp_path / "attached.db"
    statements = [
        "PRAGMA query_only = OFF",
        f"VACUUM INTO '{copy}'",
        f"ATTACH '{attached}' AS x",
        "CREATE TEMP TABLE evil (a)",
    ]
    for sql in statements:
        with pytest.raises(ConnectorError, match="read-only"):
            engine.execute(sql, max_rows=1, timeout=5)
    with pytest.raises(ConnectorError, match="unknown database x"):
        engine.execute("CREATE TABLE x.evil (a)", max_rows=1, timeout=5)
    assert not copy.exists() and not attached.exists()
    assert engine.execute("PRAGMA query_only", max_rows=1, timeout=5).rows == [(1,)]


@pytest.mark.parametrize("opening", ["BEGIN", "SAVEPOINT held"])
def test_no_transaction_outlives_a_query(engine, sqlite_database, opening):
    """An open transaction would keep its read lock on the file between queries."""
    engine.execute(opening, max_rows=1, timeout=5)
    engine.execute("SELECT * FROM items", max_rows=10, timeout=5)
    with sqlite3.connect(sqlite_database, timeout=0.2) as writer:
        # Rolled back at once (the with block): the fixture's rows stay as they are.
        writer.execute("UPDATE items SET name = name")
        writer.rollback()
        writer.execute("BEGIN EXCLUSIVE")  # needs every other lock on the file gone
        writer.rollback()
