"""Redshift: what the local PostgreSQL can stand in for (no cluster here; README lists what is
untested). The engine contract suite covers connecting, results, timeouts and read-only
sessions through tests/connections/engines.py; this file covers Redshift's own parts."""

from __future__ import annotations

import dataclasses
import os

import pytest

from connections.dialects import dialect_class
from connections.guard import UnsafeSQLError, guard_sql
from tests.servers import PG_READONLY_USER

DATABASE = f"datachat_redshift_{os.getpid()}"

# Views shaped like Redshift's (columns as AWS documents them), built over PostgreSQL's
# information_schema in a schema of their own on the search path, so the svv_* catalog
# queries run on a real server. svv_table_info answers a count no PostgreSQL estimate gives,
# which tells that path from the PostgreSQL fallback.
FAKE_CATALOG = """
CREATE SCHEMA rs_catalog;
CREATE VIEW rs_catalog.svv_tables AS
  SELECT table_catalog, table_schema, table_name, table_type, NULL::text AS remarks
  FROM information_schema.tables WHERE table_schema NOT IN ('rs_catalog', 'pg_catalog');
CREATE VIEW rs_catalog.svv_columns AS
  SELECT table_catalog, table_schema, table_name, column_name, ordinal_position,
         column_default, is_nullable, data_type, character_maximum_length, numeric_precision,
         numeric_scale, NULL::text AS remarks
  FROM information_schema.columns WHERE table_schema NOT IN ('rs_catalog', 'pg_catalog');
CREATE VIEW rs_catalog.svv_table_info AS
  SELECT table_schema AS "schema", table_name AS "table", 4242::bigint AS tbl_rows,
         NULL::bigint AS estimated_visible_rows, 3 AS size
  FROM information_schema.tables WHERE table_type = 'BASE TABLE'
   AND table_schema NOT IN ('rs_catalog', 'pg_catalog', 'information_schema');
"""


@pytest.fixture(scope="module")
def redshift_db(pg_admin, pg_server):
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    with pg_admin(DATABASE) as conn:
        conn.execute(
            "CREATE TABLE customers (id int PRIMARY KEY, name varchar(40) NOT NULL, "
            "city text); CREATE TABLE orders (id int PRIMARY KEY, "
            "customer_id int REFERENCES customers (id), total numeric(10,2));"
            "INSERT INTO customers VALUES (1, 'Ann', 'Oslo'), (2, 'Bo', 'Rome');"
            "INSERT INTO orders VALUES (1, 1, 10.5), (2, 1, 4.5), (3, 2, 7);"
            "CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 5"
        )
    yield DATABASE
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def params(pg_server, database, **overrides):
    options = {"sslmode": "disable", **overrides.pop("options", {})}
    base = pg_server.params("postgresql", database=database, **overrides)
    return dataclasses.replace(base, kind="redshift", options=tuple(sorted(options.items())))


def engine_for(*args, **kwargs):
    return dialect_class("redshift")(params(*args, **kwargs), pool_max_size=2)


def test_defaults_port_5439_and_ssl_required(pg_server):
    engine = dialect_class("redshift")(
        dataclasses.replace(pg_server.params("postgresql"), kind="redshift", port=None)
    )
    kwargs = engine._connect_kwargs()
    assert kwargs["port"] == 5439 and kwargs["sslmode"] == "require"
    assert engine.sqlglot_dialect == "redshift"


def test_admin_sslmode_wins_and_iam_role_never_reaches_libpq(pg_server):
    arn = "arn:aws:iam::123456789012:role/datachat"
    engine = engine_for(pg_server, "postgres", options={"iam_role_arn": arn})
    kwargs = engine._connect_kwargs()
    assert kwargs["sslmode"] == "disable" and "iam_role_arn" not in kwargs


def test_connects_to_the_stand_in_and_says_it_is_not_redshift(pg_server, redshift_db):
    engine = engine_for(pg_server, redshift_db)
    try:
        result = engine.test_connection()
        assert result.ok, result.message
        assert result.server_version.startswith("PostgreSQL ")
        assert "not Redshift" in result.server_version
        assert result.privilege_problems == [
            "the account is a superuser (CREATEUSER): it reads and writes anything"
        ]
    finally:
        engine.close()


def test_introspection_falls_back_to_the_postgresql_catalog(pg_server, redshift_db):
    engine = engine_for(pg_server, redshift_db)
    try:
        document = engine.introspect()
    finally:
        engine.close()
    assert document.dialect == "redshift"
    orders = document.table("public.orders")
    assert orders.primary_key == ["id"] and orders.row_count != 4242
    assert orders.foreign_keys[0].referred_table == "customers"


def test_introspection_reads_redshift_catalog_views(pg_admin, pg_server, redshift_db):
    with pg_admin(redshift_db) as conn:
        conn.execute("DROP SCHEMA IF EXISTS rs_catalog CASCADE")
        conn.execute(FAKE_CATALOG)
    engine = engine_for(
        pg_server, redshift_db, options={"options": "-c search_path=rs_catalog,public"}
    )
    try:
        document = engine.introspect()
    finally:
        engine.close()
        with pg_admin(redshift_db) as conn:
            conn.execute("DROP SCHEMA rs_catalog CASCADE")
    assert [t.qualified_name for t in document.tables] == [
        "public.big_orders",
        "public.customers",
        "public.orders",
    ]
    customers, orders = document.table("public.customers"), document.table("public.orders")
    assert document.table("public.big_orders").kind == "view"
    assert customers.row_count == 4242 and customers.size_bytes == 3 * 1024 * 1024
    assert [(c.name, c.type, c.nullable, c.primary_key) for c in customers.columns] == [
        ("id", "integer", False, True),
        ("name", "character varying(40)", False, False),
        ("city", "text", True, False),
    ]
    assert orders.columns[2].type == "numeric(10,2)"
    fk = orders.foreign_keys[0]
    assert (fk.columns, fk.referred_table, fk.referred_columns) == (
        ["customer_id"],
        "customers",
        ["id"],
    )


def test_privileges_of_a_read_only_user_then_one_that_may_write(pg_admin, pg_server, redshift_db):
    user, password = PG_READONLY_USER
    with pg_admin(redshift_db) as conn:
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {user}")
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    engine = engine_for(pg_server, redshift_db, username=user, password=password)
    try:
        assert engine.privileges().problems == []
        with pg_admin(redshift_db) as conn:
            conn.execute(f"GRANT INSERT, DELETE ON orders TO {user}")
        assert engine.privileges().problems == [
            "can write: INSERT, DELETE on 1 table (public.orders)"
        ]
    finally:
        engine.close()
        with pg_admin(redshift_db) as conn:
            conn.execute(f"REVOKE INSERT, DELETE ON orders FROM {user}")


def test_a_privileged_account_is_refused_with_redshift_sql(pg_server, redshift_db):
    engine = engine_for(pg_server, redshift_db, allow_privileged=False)
    try:
        result = engine.test_connection()
    finally:
        engine.close()
    assert not result.ok and "superuser" in result.message
    assert "CREATE USER datachat_ro PASSWORD" in result.message


def test_a_question_runs_on_the_stand_in(pg_server, redshift_db):
    sql = guard_sql(
        "SELECT c.name, LISTAGG(o.id::text, ',') WITHIN GROUP (ORDER BY o.id) AS ids, "
        "NVL(SUM(o.total), 0) AS spent FROM customers c JOIN orders o ON o.customer_id = c.id "
        "GROUP BY c.name ORDER BY spent DESC",
        "redshift",
        limit=10,
    )
    assert sql.endswith("LIMIT 10")
    engine = engine_for(pg_server, redshift_db)
    try:
        # PostgreSQL has no LISTAGG or NVL: a query PostgreSQL can also run shows the path.
        result = engine.execute(
            guard_sql("SELECT COUNT(*) AS n FROM orders WHERE total > 5", "redshift", limit=5),
            max_rows=5,
            timeout=5,
        )
    finally:
        engine.close()
    assert result.rows == [(2,)]


REFUSED = [
    ("SELECT pg_terminate_backend(123)", "pg_terminate_backend is not on the list"),
    ("SELECT pg_cancel_backend(1)", "not on the list"),
    ("SELECT pg_sleep(5)", "not on the list"),
    ("UNLOAD ('SELECT * FROM orders') TO 's3://bucket/x' IAM_ROLE 'arn'", "Only read-only"),
    ("COPY orders FROM 's3://bucket/x' IAM_ROLE 'arn'", "Only read-only"),
    ("SELECT query, querytxt FROM stl_query", "stl_query is not allowed"),
    ("SELECT * FROM svv_table_info", "not allowed"),
    ("SELECT * FROM pg_catalog.pg_user", "not allowed"),
    ("SELECT * FROM sys_query_history", "not allowed"),
    ("SELECT * INTO backup FROM orders", "INTO"),
    ("CREATE TABLE t AS SELECT 1", "found CREATE"),
    ("VACUUM orders", "Only read-only"),
    ("EXPLAIN ANALYZE SELECT 1", "found ANALYZE"),
]


@pytest.mark.parametrize(("sql", "reason"), REFUSED)
def test_guard_refuses_for_redshift(sql, reason):
    with pytest.raises(UnsafeSQLError, match=reason):
        guard_sql(sql, "redshift")


PASSED = [
    "SELECT DATEADD(month, -1, GETDATE()) AS d",
    "SELECT DATEDIFF(day, '2024-01-01', SYSDATE) AS d",
    "SELECT NVL(city, 'n/a'), NVL2(city, 1, 0), DECODE(city, 'Oslo', 1, 0) FROM customers",
    "SELECT MEDIAN(total), APPROXIMATE COUNT(DISTINCT customer_id) FROM orders",
    "SELECT JSON_EXTRACT_PATH_TEXT('{\"a\": 1}', 'a') AS a",
    "SELECT CONVERT_TIMEZONE('UTC', 'Europe/Oslo', GETDATE()) AS now",
    "EXPLAIN VERBOSE SELECT * FROM orders",
    "SELECT table_name FROM information_schema.tables",
]


@pytest.mark.parametrize("sql", PASSED)
def test_guard_passes_redshift_sql(sql):
    assert guard_sql(sql, "redshift").startswith(sql.split()[0])
