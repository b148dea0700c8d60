"""The guard alone, on every attack of the corpus and every legitimate query, per engine;
and the table allow-list (the latest snapshot's tables, CTEs and aliases, system catalogs).
No database needed: tests/security/test_guard_api.py sends the same corpus to real servers."""

import pytest

from connections.dialects import SQLGLOT_DIALECTS
from connections.guard import UnsafeSQLError, guard_sql

from .corpus import ATTACKS, CANARY_TABLE, LEGITIMATE

# What a snapshot of the canary database gives the guard (schemas_app.table_names).
SNAPSHOT_TABLES = {
    "postgresql": {CANARY_TABLE, f"public.{CANARY_TABLE}"},
    "mysql": {CANARY_TABLE, f"shop.{CANARY_TABLE}"},
    "clickhouse": {CANARY_TABLE, f"shop.{CANARY_TABLE}"},
    "sqlite": {CANARY_TABLE, f"main.{CANARY_TABLE}"},
    "redshift": {CANARY_TABLE, f"public.{CANARY_TABLE}"},
    "bigquery": {CANARY_TABLE, f"shop.{CANARY_TABLE}"},
}

ATTACK_CASES = [(kind, sql, words) for kind, cases in ATTACKS.items() for sql, words in cases]
LEGITIMATE_CASES = [(kind, sql) for kind, cases in LEGITIMATE.items() for sql in cases]


def _ids(cases):
    return [f"{case[0]}-{i}" for i, case in enumerate(cases)]


def test_corpus_sizes():
    assert set(ATTACKS) == set(LEGITIMATE) == set(SQLGLOT_DIALECTS)
    for kind in SQLGLOT_DIALECTS:
        assert len(ATTACKS[kind]) >= 60, kind
        assert len(LEGITIMATE[kind]) >= 20, kind
        assert len({sql for sql, _ in ATTACKS[kind]}) == len(ATTACKS[kind]), kind


@pytest.mark.parametrize(("kind", "sql", "words"), ATTACK_CASES, ids=_ids(ATTACK_CASES))
@pytest.mark.parametrize("with_snapshot", [False, True], ids=["no-snapshot", "snapshot"])
def test_attack_is_refused_with_its_reason(kind, sql, words, with_snapshot):
    # Refused for its own reason whether or not the caller knows the schema: no attack of the
    # corpus relies on the snapshot's table list.
    tables = SNAPSHOT_TABLES[kind] if with_snapshot else None
    with pytest.raises(UnsafeSQLError) as caught:
        guard_sql(sql, kind, limit=100, allowed_tables=tables)
    assert words in caught.value.reason
    assert caught.value.reason.endswith(".")


@pytest.mark.parametrize(("kind", "sql"), LEGITIMATE_CASES, ids=_ids(LEGITIMATE_CASES))
def test_legitimate_query_passes(kind, sql):
    guarded = guard_sql(sql, kind, limit=100, allowed_tables=SNAPSHOT_TABLES[kind])
    assert guard_sql(guarded, kind, limit=100, allowed_tables=SNAPSHOT_TABLES[kind]) == guarded


def _refusal(sql, kind="postgresql", tables=frozenset({"orders", "public.orders"})):
    with pytest.raises(UnsafeSQLError) as caught:
        guard_sql(sql, kind, allowed_tables=tables)
    return caught.value.reason


def _passes(sql, kind="postgresql", tables=frozenset({"orders", "public.orders"})):
    return guard_sql(sql, kind, allowed_tables=tables)


def test_only_the_snapshots_tables_may_be_read():
    assert _passes("SELECT * FROM orders")
    assert _passes("SELECT * FROM public.orders")
    assert _passes('SELECT * FROM "Orders"')  # names compare in lower case, as given
    assert _refusal("SELECT * FROM secrets") == (
        "Unknown table secrets: it is not in the extracted schema of this database "
        "(extract the schema again if it is new)."
    )
    # A schema prefix must match too: orders in another schema is another table.
    assert "Unknown table private.orders" in _refusal("SELECT * FROM private.orders")
    assert "Unknown table secrets" in _refusal(
        "SELECT * FROM orders WHERE id IN (SELECT order_id FROM secrets)"
    )
    # Without a snapshot only the catalogs are refused.
    assert guard_sql("SELECT * FROM secrets", "postgresql", allowed_tables=None)


def test_cte_names_and_aliases_are_not_tables():
    assert _passes("WITH totals AS (SELECT 1 AS n FROM orders) SELECT n FROM totals")
    assert _passes("SELECT s.n FROM (SELECT count(*) AS n FROM orders) AS s")
    assert _passes(
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) "
        "SELECT * FROM r"
    )
    assert _passes("WITH a AS (SELECT 1 AS n), b AS (SELECT n FROM a) SELECT * FROM b")
    assert _passes("SELECT * FROM orders AS secrets")


def test_a_cte_name_outside_its_scope_is_a_table():
    # Without RECURSIVE a CTE sees only the ones before it: `b` there is a real table.
    assert "Unknown table b" in _refusal(
        "WITH a AS (SELECT * FROM b), b AS (SELECT 1 AS n FROM orders) SELECT * FROM a"
    )
    # A CTE of a subquery does not name a table outside that subquery.
    assert "Unknown table secrets" in _refusal(
        "SELECT * FROM (WITH secrets AS (SELECT 1 AS n) SELECT n FROM secrets) AS s, secrets"
    )
    assert "Table pg_authid" in _refusal(
        "SELECT * FROM (WITH pg_authid AS (SELECT 1 AS n) SELECT n FROM pg_authid) AS s, pg_authid"
    )


def test_information_schema_views_that_describe_tables_are_readable():
    for kind in ("postgresql", "mysql"):
        for view in ("tables", "columns", "schemata", "key_column_usage"):
            sql = f"SELECT * FROM information_schema.{view}"
            assert guard_sql(sql, kind, allowed_tables={"orders"})
    assert "of information_schema only columns, key_column_usage" in _refusal(
        "SELECT view_definition FROM information_schema.views"
    )


def test_clickhouse_system_tables_without_secret_columns():
    tables = {"orders"}
    sql = "SELECT database, name, engine, total_bytes FROM system.tables"
    assert guard_sql(sql, "clickhouse", allowed_tables=tables)
    assert guard_sql("SELECT * FROM system.columns", "clickhouse", allowed_tables=tables)
    assert guard_sql("SELECT 1 FROM system.one", "clickhouse", allowed_tables=tables)
    with pytest.raises(UnsafeSQLError, match="Column engine_full of system.tables"):
        guard_sql("SELECT name FROM system.tables ORDER BY engine_full", "clickhouse")


def test_reasons_name_the_function_or_table():
    assert _refusal("SELECT dblink('x', 'y')") == (
        "Function dblink is not on the list of allowed functions."
    )
    assert _refusal("SELECT * FROM pg_authid") == (
        "Table pg_authid is not allowed: it is a system catalog."
    )
    assert _refusal("SELECT * FROM mysql.user", "mysql") == (
        "Table mysql.user is not allowed: it is a system catalog."
    )


def test_typed_functions_are_checked_by_their_dialect_names():
    # sqlglot reads these into typed nodes with other names (ApproxDistinct, Explode,
    # TimeToStr...); the names the dialect writes are the ones on the list.
    assert guard_sql("SELECT uniq(a), arrayJoin([1]) FROM t", "clickhouse")
    assert guard_sql("SELECT DATE_FORMAT(d, '%Y') FROM t", "mysql")
    # A typed node whose names are not on the list is refused: sqlglot knows
    # GENERATE_SERIES, the allow-list does not.
    assert "Function generate_series" in _refusal("SELECT generate_series(1, 3)", tables=None)
