"""Federated joins on the real servers: pushdown, caps, refusals."""

from decimal import Decimal

import pytest

from federation.planner import FederationError
from federation.services import run_federated

PAID_DE = """
    SELECT c.name, SUM(o.amount) AS total
    FROM shop.fed_customers c JOIN crm.fed_orders o ON o.customer_email = c.email
    WHERE c.country = 'DE' AND o.status = 'paid'
    GROUP BY c.name ORDER BY c.name
"""


def sides(result):
    return {s.label: s for s in result.sides}


def test_postgresql_join_mariadb_pushes_columns_and_filters_down(fed):
    result = run_federated([fed["shop"], fed["crm"]], PAID_DE)
    assert result.columns == ["name", "total"]
    assert result.rows == [("Ann", Decimal("15.50")), ("Bob", Decimal("1.00"))]
    shop, crm = sides(result)["shop.fed_customers"], sides(result)["crm.fed_orders"]
    # Only the columns the query reads, and the filters on each side's own table.
    assert shop.sql == (
        'SELECT "email", "name", "country" FROM "public"."fed_customers" WHERE "country" = \'DE\''
    )
    assert crm.sql.startswith("SELECT `customer_email`, `amount`, `status` FROM ")
    assert crm.sql.endswith("WHERE `status` = 'paid'")
    # The databases did the filtering: 3 German customers of 5, 5 paid orders of 6.
    assert len(shop.rows) == 3 and len(crm.rows) == 5
    assert not result.incomplete and result.notes == []
    assert "join in duckdb" in result.plan_text() and "fed_1" in result.join_sql


def test_anti_join_keeps_the_null_test_in_the_join(fed):
    """`o.id IS NULL` after a LEFT JOIN must not be pushed to the orders side."""
    result = run_federated(
        [fed["shop"], fed["crm"]],
        "SELECT c.email FROM shop.fed_customers c LEFT JOIN crm.fed_orders o "
        "ON o.customer_email = c.email AND o.status = 'paid' WHERE o.id IS NULL ORDER BY 1",
    )
    assert result.rows == [("di@example.com",), ("ed@example.com",)]
    crm = sides(result)["crm.fed_orders"]
    assert "IS NULL" not in crm.sql and "`status` = 'paid'" in crm.sql


def test_clickhouse_sqlite_and_postgresql(fed):
    result = run_federated(
        [fed["shop"], fed["events"], fed["geo"]],
        "SELECT r.region, SUM(e.n) AS logins FROM events.fed_events e "
        "JOIN shop.fed_customers c ON c.email = e.email "
        "JOIN geo.fed_regions r ON r.country = c.country "
        "WHERE e.kind = 'login' GROUP BY r.region ORDER BY r.region",
    )
    assert result.rows == [("Americas", 2), ("Europe", 4)]
    events = sides(result)["events.fed_events"]
    assert events.sql.endswith("WHERE \"kind\" = 'login'") and len(events.rows) == 3
    assert sides(result)["geo.fed_regions"].kind == "sqlite"


def test_row_cap_hit_is_said(fed, settings):
    settings.FEDERATION_MAX_ROWS_PER_SIDE = 2
    result = run_federated([fed["shop"], fed["crm"]], PAID_DE)
    assert result.incomplete
    crm = sides(result)["crm.fed_orders"]
    assert crm.truncated and crm.cap == "rows" and len(crm.rows) == 2
    assert any("row cap of 2" in n and "incomplete" in n for n in result.notes)


def test_memory_cap_hit_is_said(fed, settings):
    settings.FEDERATION_MAX_BYTES_PER_SIDE = 400
    result = run_federated([fed["shop"], fed["crm"]], PAID_DE)
    assert result.incomplete
    assert any("memory cap" in n and "incomplete" in n for n in result.notes)
    assert all(s.cap == "memory" for s in result.sides if s.truncated)


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM shop.fed_customers",
        "INSERT INTO crm.fed_orders SELECT * FROM crm.fed_orders",
        "UPDATE crm.fed_orders SET amount = 0",
        "WITH gone AS (DELETE FROM shop.fed_customers RETURNING *) SELECT * FROM gone",
        "SELECT 1 FROM shop.fed_customers; DROP TABLE fed_customers",
    ],
)
def test_writes_are_refused_and_change_nothing(
    fed, sql, pg_admin, pg_database, mysql_admin, mysql_database
):
    with pytest.raises(FederationError, match="read-only|one query"):
        run_federated([fed["shop"], fed["crm"]], sql)
    with pg_admin(pg_database) as conn:
        assert conn.execute("SELECT count(*) FROM fed_customers").fetchone()[0] == 5
    cur = mysql_admin(mysql_database).cursor()
    cur.execute("SELECT count(*), sum(amount) FROM fed_orders")
    assert cur.fetchone() == (6, Decimal("142.75"))


def test_a_side_the_guard_refuses_runs_nothing(fed):
    """A catalog table is not in the snapshot, and a function off the allow-list keeps its
    filter in DuckDB (where it does not exist either): nothing reaches the server."""
    with pytest.raises(FederationError, match="Unknown table pg_catalog.pg_authid"):
        run_federated([fed["shop"]], "SELECT rolpassword FROM shop.pg_catalog.pg_authid")
    with pytest.raises(FederationError, match="join failed"):
        run_federated(
            [fed["shop"], fed["crm"]],
            "SELECT c.name FROM shop.fed_customers c WHERE pg_read_file('/etc/passwd') <> ''",
        )


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("SELECT * FROM sales.orders", "Unknown database alias 'sales'"),
        ("SELECT * FROM fed_customers", "no database alias"),
        ("SELECT * FROM shop.nope", "Unknown table nope"),
        ("SELECT c.missing FROM shop.fed_customers c", "does not match"),
        ("SELEC 1", "could not be parsed"),
        ("SELECT * FROM read_csv('/etc/passwd')", "not a table"),
    ],
)
def test_bad_queries_get_a_clear_error(fed, sql, words):
    with pytest.raises(FederationError, match=words):
        run_federated([fed["shop"], fed["crm"]], sql)


def test_the_join_memory_limit_is_a_clear_error(fed, settings):
    settings.FEDERATION_MEMORY_LIMIT = "2MB"
    with pytest.raises(FederationError, match=r"more than the federation memory limit \(2MB"):
        run_federated(
            [fed["shop"]],
            "SELECT c.name, list_sort(range(3000000)) AS big FROM shop.fed_customers c",
        )


def test_a_filter_the_side_guard_refuses_stays_in_the_join(fed):
    """list_sort is DuckDB's, not on PostgreSQL's function allow-list: the guard refuses the
    side with it, so that filter is applied in the join only, and the plan says so."""
    result = run_federated(
        [fed["shop"], fed["crm"]],
        "SELECT c.name FROM shop.fed_customers c "
        "WHERE c.country = 'DE' AND list_sort([c.name])[1] = 'Ann'",
    )
    assert result.rows == [("Ann",)]
    (shop,) = result.sides
    # The other filter still goes down: 3 German customers fetched, not all 5.
    assert shop.sql.endswith("WHERE \"country\" = 'DE'") and len(shop.rows) == 3
    assert shop.filters_pushed == ['"c"."country" = \'DE\'']
    assert "filters not pushed down" in shop.note and "not on the list" in shop.note
