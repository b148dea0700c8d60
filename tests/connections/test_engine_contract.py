"""The engine contract: what every database engine (connections/dialects/) must do, run against
each real engine (PostgreSQL, MariaDB, ClickHouse and SQLite; servers from tests/servers.py).

Connecting (and naming the account, never the password, when it fails), typed results, capped
reads, server-side time limits, writes refused by the database session itself, and a session
that cannot be switched back to read-write.

A new engine gets every test here by adding one `EngineSpec` to `ENGINES` in
tests/connections/engines.py: its dialect's SQL for each probe, the values it answers with, and
a `reach` function that returns (a ConnectionParams factory, an admin connection to the same
scratch database). Fields left at their defaults (password_user, chinook) leave the engine out
of the tests that need them. What only one engine has (PostgreSQL's stacked statements and
DISCARD ALL, ClickHouse's read-only profiles, SQLite's files) stays in test_engine_<kind>.py.
"""

from __future__ import annotations

import time

import pytest

from connections.dialects import ConnectorError, dialect_class
from tests.connections.engines import ENGINES, TYPED_COLUMNS, EngineSpec
from tests.servers import assert_secret_absent, missing

WRONG = "wrong-password-7f3a"


def each(engines=ENGINES):
    return pytest.mark.parametrize("spec", engines, ids=[e.kind for e in engines], indirect=True)


@pytest.fixture
def spec(request) -> EngineSpec:
    return request.param


@pytest.fixture
def reached(spec, request):
    params, admin = spec.reach(request)
    yield params, admin
    admin.close()


@pytest.fixture
def engine(spec, reached):
    engine = dialect_class(spec.kind)(reached[0](), pool_max_size=5)
    yield engine
    engine.close()


@each()
def test_the_registry_names_the_engine(spec, engine):
    assert engine.name == spec.kind


@each()
def test_good_connection(spec, engine):
    result = engine.test_connection()
    assert result.ok, result.message
    assert result.server_version.startswith(spec.version_prefixes)
    assert result.message == f"Connected ({result.server_version})."
    assert result.latency_ms > 0


PASSWORDS = [e for e in ENGINES if e.password_user]


@each(PASSWORDS)
def test_wrong_password_names_user_not_password(spec, reached):
    user, _ = spec.password_user
    engine = dialect_class(spec.kind)(reached[0](username=user, password=WRONG))
    result = engine.test_connection()
    if result.ok and spec.kind in ("postgresql", "redshift"):
        missing("pg_hba trusts loopback: run scripts/ensure-test-services.sh for password auth")
    assert not result.ok
    assert "authentication failed" in result.message.lower() and user in result.message
    with pytest.raises(ConnectorError) as info:
        engine.execute("SELECT 1", max_rows=1, timeout=5)
    assert not info.value.transient
    assert_secret_absent(WRONG, result.message, info.value)


@each(PASSWORDS)
def test_right_password_account_connects(spec, reached):
    user, password = spec.password_user
    engine = dialect_class(spec.kind)(reached[0](username=user, password=password))
    try:
        assert engine.test_connection().ok
    finally:
        engine.close()


@each()
def test_typed_results(spec, engine):
    result = engine.execute(spec.typed_sql, max_rows=10, timeout=5)
    assert result.columns == TYPED_COLUMNS
    assert result.column_types[: len(spec.typed_types)] == spec.typed_types
    assert result.rows == [spec.typed_row]
    assert not result.truncated and result.duration_ms > 0


@each()
def test_empty_result_keeps_columns(spec, engine):
    result = engine.execute(spec.empty_sql, max_rows=10, timeout=5)
    assert result.rows == [] and result.columns == spec.empty_columns and not result.truncated
    if spec.empty_types is not None:
        assert result.column_types == spec.empty_types


@each()
def test_truncates_large_result_quickly(spec, engine):
    started = time.monotonic()
    result = engine.execute(spec.numbers_sql.format(n=1_000_000), max_rows=1000, timeout=30)
    assert result.truncated and len(result.rows) == 1000
    assert result.rows[0] == (spec.first,) and result.rows[-1] == (spec.first + 999,)
    assert time.monotonic() - started < spec.quick_seconds
    # The abandoned read left the engine usable (a dropped or cleaned connection).
    assert engine.execute("SELECT 1", max_rows=1, timeout=5).rows == [(1,)]


@each()
def test_exactly_max_rows_is_not_truncated(spec, engine):
    result = engine.execute(spec.numbers_sql.format(n=10), max_rows=10, timeout=5)
    assert len(result.rows) == 10 and not result.truncated


@each()
def test_server_side_timeout(spec, engine):
    started = time.monotonic()
    with pytest.raises(ConnectorError, match="timed out") as info:
        engine.execute(spec.slow_sql, max_rows=1, timeout=spec.timeout)
    assert info.value.transient and time.monotonic() - started < spec.timeout_bound
    assert engine.execute("SELECT 1", max_rows=1, timeout=5).rows == [(1,)]  # still healthy


@each()
def test_sql_error_is_permanent_and_named(spec, engine):
    with pytest.raises(ConnectorError, match="nosuch") as info:
        engine.execute("SELECT nosuch", max_rows=1, timeout=5)
    assert not info.value.transient


def _writes():
    return [
        pytest.param(e, sql, id=f"{e.kind}-{n}") for e in ENGINES for n, sql in enumerate(e.writes)
    ]


@pytest.mark.parametrize("spec, sql", _writes(), indirect=["spec"])
def test_writes_refused_by_the_database(spec, reached, engine, sql):
    admin = reached[1]
    admin.run(spec.notes_ddl)
    admin.run(spec.notes_empty)
    admin.run(
        "INSERT INTO notes SELECT 1, 'keep'"
    )  # no VALUES: the ClickHouse client would wait for rows
    with pytest.raises(ConnectorError, match="read-only"):
        engine.execute(sql, max_rows=10, timeout=5)
    assert [tuple(row) for row in admin.run("SELECT * FROM notes")] == [(1, "keep")]
    assert "hijack" not in {row[0] for row in admin.run(spec.tables_sql)}


@each()
def test_read_write_cannot_be_switched_back_on(spec, reached, engine):
    for _ in range(engine.pool_max_size):  # reach every pooled connection
        for sql in spec.loosen:
            try:
                engine.execute(sql, max_rows=1, timeout=5)
            except ConnectorError:
                pass
    with pytest.raises(ConnectorError, match="read-only"):
        engine.execute(spec.hijack, max_rows=1, timeout=5)
    assert "hijack" not in {row[0] for row in reached[1].run(spec.tables_sql)}


@each([e for e in ENGINES if e.chinook])
def test_chinook_loaded(spec, request):
    dataset = request.getfixturevalue(spec.chinook)
    engine = dialect_class(spec.kind)(dataset.params)
    try:
        for sql, rows in spec.chinook_checks:
            assert engine.execute(sql, max_rows=5, timeout=10).rows == rows
    finally:
        engine.close()
