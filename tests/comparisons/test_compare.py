"""Environment comparison on the real servers: the demo shop in PostgreSQL, MariaDB, ClickHouse
and SQLite compares equal; a deliberate change shows as exactly that change."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from comparisons.services import ComparisonError, compare
from schemas_app.services import extract_now

pytestmark = pytest.mark.django_db


def registered(make_connection, params, name):
    connection = make_connection(params, name=name)
    assert extract_now(connection).status == "succeeded"
    return connection


def run_command(capsys, *args) -> tuple[int, str]:
    try:
        call_command("compare_databases", *args)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().out


def test_postgresql_and_its_mariadb_copy_compare_equal(make_connection, cmp_shop, capsys):
    pg = registered(make_connection, cmp_shop["postgresql"], "shop-pg")
    my = registered(make_connection, cmp_shop["mysql"], "shop-my")

    result = compare(pg, my, data=True)

    assert not result.differs, result.as_dict()
    assert result.differing_tables == []
    tables = {t.table for t in result.schema.tables}
    assert tables == {"categories", "customers", "order_items", "orders", "payments", "products"}
    spelled = {
        (t.table, c.column): (c.left, c.right)
        for t in result.schema.tables
        for c in t.changes
        if c.what == "type spelling"
    }
    # The same types, spelled by each engine: reported, but as spelling only.
    assert spelled[("orders", "total")] == ("numeric(10,2)", "decimal(10,2)")
    assert spelled[("customers", "id")] == ("integer", "int(11)")
    assert spelled[("payments", "paid_at")] == ("timestamp without time zone", "datetime")
    assert all(c.what == "type spelling" for t in result.schema.tables for c in t.changes)
    counts = {d.table: (d.left_rows, d.right_rows, d.status) for d in result.data}
    assert counts["orders"] == (1500, 1500, "equal")
    assert all(d.left_checksum == d.right_checksum != "" for d in result.data)
    assert all(d.method.startswith("canonical values") for d in result.data)
    code, out = run_command(capsys, "shop-pg", "shop-my", "--data")
    assert code == 0 and out.strip().endswith("EQUAL (schema and data)")


def test_a_deliberate_change_is_reported_exactly(make_connection, cmp_shop, mysql_copy, capsys):
    copy_params, conn = mysql_copy
    pg = registered(make_connection, cmp_shop["postgresql"], "prod")
    cur = conn.cursor()
    cur.execute("UPDATE customers SET city = 'Nowhere' WHERE id = 7")
    cur.execute("DELETE FROM order_items WHERE id = 5")
    conn.commit()
    cur.execute("ALTER TABLE products ADD COLUMN note VARCHAR(20) NULL")
    copy = registered(make_connection, copy_params, "staging")

    result = compare(pg, copy, data=True)

    assert result.differs
    assert result.differing_tables == ["customers", "order_items", "products"]
    schema = result.schema
    assert schema.tables_added == schema.tables_removed == []
    changed = [t for t in schema.tables if t.differs]
    assert [(t.table, t.columns_added, t.columns_removed, t.keys) for t in changed] == [
        ("products", ["note"], [], [])
    ]
    data = {d.table: d for d in result.data}
    assert data["customers"].status == "differs"
    assert data["customers"].left_rows == data["customers"].right_rows == 500
    assert (data["order_items"].left_rows, data["order_items"].right_rows) == (2874, 2873)
    # products compares its common columns, whose values are unchanged
    assert {t for t, d in data.items() if d.status != "equal"} == {"customers", "order_items"}
    # the tables that differ come first
    assert [d.table for d in result.data][:2] == ["customers", "order_items"]
    # and the rows that differ are named by their keys
    assert (data["customers"].rows_changed, data["customers"].row_difference_counts) == (
        ["7"],
        [0, 0, 1],
    )
    assert (data["order_items"].rows_only_left, data["order_items"].rows_only_right) == (["5"], [])

    code, out = run_command(capsys, "prod", "staging", "--data")
    assert code == 1
    assert "products: column only in staging: note" in out
    assert "customers: rows differ (500 vs 500 rows)" in out
    assert "order_items: row counts differ (2874 vs 2873 rows)" in out
    assert "rows only in prod (key): 5" in out and "rows changed (key): 7" in out
    code, out = run_command(capsys, "prod", "staging", "--json")
    assert code == 1
    body = json.loads(out)
    assert body["differs"] and body["data"] is None
    assert body["differing_tables"] == ["products"]  # schema only: the data was not asked


def test_one_kind_compares_the_engines_own_checksums(make_connection, cmp_shop, mysql_copy):
    copy_params, conn = mysql_copy
    original = registered(make_connection, cmp_shop["mysql"], "my-a")
    copy = registered(make_connection, copy_params, "my-b")
    assert not compare(original, copy, data=True).differs

    cur = conn.cursor()
    cur.execute("UPDATE orders SET total = total + 1 WHERE id = 3")
    conn.commit()
    result = compare(original, copy, data=True)

    assert result.differing_tables == ["orders"]
    orders = next(d for d in result.data if d.table == "orders")
    assert orders.method == "engine checksum (mysql)"
    assert orders.left_rows == orders.right_rows == 1500
    assert orders.left_checksum != orders.right_checksum
    assert orders.rows_changed == ["3"] and orders.row_difference_counts == [0, 0, 1]


@pytest.mark.parametrize("kind", ["postgresql", "clickhouse"])
def test_engine_checksums_of_postgresql_and_clickhouse(make_connection, cmp_shop, kind):
    # Two registrations of one database: the engine's checksum query runs and agrees.
    a = registered(make_connection, cmp_shop[kind], f"{kind}-a")
    b = registered(make_connection, cmp_shop[kind], f"{kind}-b")
    result = compare(a, b, data=True)
    assert not result.differs, result.as_dict()
    assert {d.method for d in result.data} == {f"engine checksum ({kind})"}
    assert all(d.left_checksum.startswith(f"{d.left_rows}:") for d in result.data)


@pytest.mark.parametrize("pair", [("clickhouse", "postgresql"), ("sqlite", "mysql")])
def test_clickhouse_and_sqlite_compare_with_the_others(make_connection, cmp_shop, pair):
    a = registered(make_connection, cmp_shop[pair[0]], pair[0])
    b = registered(make_connection, cmp_shop[pair[1]], pair[1])
    result = compare(a, b, data=True)
    assert not result.differs, result.as_dict()
    assert len(result.data) == 6
    joined = " ".join(result.notes)
    if "clickhouse" in pair:
        assert "keys and indexes were not compared" in joined
    if "sqlite" in pair:
        assert "SQLite has no hash function" in joined


@pytest.mark.parametrize("other", ["mysql", "clickhouse"])
def test_big_tables_are_sampled_and_say_so(make_connection, cmp_shop, settings, other):
    settings.COMPARE_MAX_ROWS = 1000
    settings.QUERY_MAX_ROWS = 400  # the rows come in several batches under the row cap
    pg = registered(make_connection, cmp_shop["postgresql"], "pg")
    my = registered(make_connection, cmp_shop[other], "other")
    result = compare(pg, my, data=True)
    data = {d.table: d for d in result.data}
    assert "multiple of 3" in data["order_items"].sampled  # 2874 rows, 1,000 at most
    assert "multiple of 2" in data["orders"].sampled
    assert data["customers"].sampled == ""
    # the counts are the whole tables'; the checksums cover about a third of the rows
    assert data["order_items"].left_rows == 2874
    assert int(data["order_items"].left_checksum.split(":")[0]) == 958
    assert not result.differs


def test_bad_requests_are_refused_clearly(make_connection, cmp_shop, capsys):
    pg = registered(make_connection, cmp_shop["postgresql"], "pg")
    never = make_connection(cmp_shop["mysql"], name="never-extracted")
    with pytest.raises(ComparisonError, match="two different databases"):
        compare(pg, pg)
    with pytest.raises(ComparisonError, match="never-extracted has no schema snapshot"):
        compare(pg, never)
    # manage.py exits with a CommandError's returncode: 2, not the 1 of "different"
    for other, says in [("never-extracted", "no schema snapshot"), ("no-such-db", "no-such-db")]:
        with pytest.raises(CommandError, match=says) as refused:
            call_command("compare_databases", "pg", other, "--data")
        assert refused.value.returncode == 2


def test_two_sqlite_files_views_skipped(make_connection, cmp_shop, tmp_path):
    import shutil
    import sqlite3

    from connections.dialects import ConnectionParams

    paths = [tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"]
    for path in paths:
        shutil.copy(cmp_shop["sqlite"].database, path)
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100")
    with sqlite3.connect(paths[1]) as conn:
        conn.execute("UPDATE products SET price = price * 2 WHERE id = 11")
    a, b = (
        registered(make_connection, ConnectionParams(kind="sqlite", database=str(p)), p.stem)
        for p in paths
    )

    result = compare(a, b, data=True)

    assert result.differing_tables == ["products"]
    data = {d.table: d for d in result.data}
    assert data["products"].rows_changed == ["11"]
    assert data["products"].method.startswith("canonical values")  # SQLite: no hash function
    assert (data["big_orders"].status, data["big_orders"].note) == (
        "skipped",
        "a view: its tables are compared",
    )


def test_a_read_only_account_compares_through_its_read_only_session(
    make_connection, cmp_shop, mysql_copy
):
    """The product's way: a least-privileged account, the override off. The engine checksum
    (PostgreSQL, both sides) and the row pass run in its read-only sessions."""
    from dataclasses import replace

    from tests.demo_shop import _pg_connect
    from tests.servers import PG_READONLY_USER

    from .conftest import NAME, target

    with _pg_connect(target("postgresql", NAME)) as conn:
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {PG_READONLY_USER[0]}")
    user, password = PG_READONLY_USER
    ro = replace(cmp_shop["postgresql"], username=user, password=password, allow_privileged=False)
    reader = registered(make_connection, ro, "pg-ro")
    assert reader.engine().test_connection().privilege_problems == []
    admin = registered(make_connection, cmp_shop["postgresql"], "pg-admin")

    same_kind = compare(reader, admin, data=True)
    assert not same_kind.differs and same_kind.data[0].method == "engine checksum (postgresql)"

    copy_params, conn = mysql_copy
    conn.cursor().execute("DELETE FROM payments WHERE id = 4")
    conn.commit()
    copy = registered(make_connection, copy_params, "my-copy")
    across = compare(reader, copy, data=True)
    payments = next(d for d in across.data if d.table == "payments")
    assert across.differing_tables == ["payments"] and payments.rows_only_left == ["4"]
