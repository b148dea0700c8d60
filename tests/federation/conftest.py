"""Small fed_* tables on the real servers: customers in PostgreSQL ("shop"), orders in
MariaDB ("crm"), events in ClickHouse ("events") and regions in SQLite ("geo")."""

import sqlite3

import pytest

from federation.models import CrossDatabaseLink
from schemas_app import services as schema_services

CUSTOMERS = [
    (1, "ann@example.com", "Ann", "DE"),
    (2, "bob@example.com", "Bob", "DE"),
    (3, "cy@example.com", "Cy", "FR"),
    (4, "di@example.com", "Di", "DE"),
    (5, "ed@example.com", "Ed", "US"),
]
ORDERS = [
    (1, "ann@example.com", "10.50", "paid"),
    (2, "ann@example.com", "5.00", "paid"),
    (3, "bob@example.com", "7.25", "refunded"),
    (4, "cy@example.com", "20.00", "paid"),
    (5, "bob@example.com", "1.00", "paid"),
    (6, "zed@example.com", "99.00", "paid"),
]


@pytest.fixture(scope="session")
def fed_tables(
    pg_admin,
    pg_database,
    mysql_admin,
    mysql_database,
    clickhouse_admin,
    clickhouse_database,
    tmp_path_factory,
):
    with pg_admin(pg_database) as conn:
        conn.execute("DROP TABLE IF EXISTS fed_customers")
        conn.execute(
            "CREATE TABLE fed_customers (id int PRIMARY KEY, email text, name text, country text)"
        )
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO fed_customers VALUES (%s, %s, %s, %s)", CUSTOMERS)
    conn = mysql_admin(mysql_database)
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS fed_orders")
    cur.execute(
        "CREATE TABLE fed_orders (id int PRIMARY KEY, customer_email varchar(100), "
        "amount decimal(10,2), status varchar(20))"
    )
    cur.executemany("INSERT INTO fed_orders VALUES (%s, %s, %s, %s)", ORDERS)
    conn.close()
    clickhouse_admin.execute(f"DROP TABLE IF EXISTS `{clickhouse_database}`.fed_events")
    clickhouse_admin.execute(
        f"CREATE TABLE `{clickhouse_database}`.fed_events (email String, kind String, n UInt32)"
        " ENGINE = MergeTree ORDER BY email"
    )
    clickhouse_admin.execute(
        f"INSERT INTO `{clickhouse_database}`.fed_events VALUES",
        [
            ("ann@example.com", "login", 3),
            ("cy@example.com", "login", 1),
            ("cy@example.com", "click", 9),
            ("ed@example.com", "login", 2),
        ],
    )
    path = tmp_path_factory.mktemp("fed") / "geo.sqlite3"
    with sqlite3.connect(path) as lite:
        lite.execute("CREATE TABLE fed_regions (country TEXT PRIMARY KEY, region TEXT)")
        lite.executemany(
            "INSERT INTO fed_regions VALUES (?, ?)",
            [("DE", "Europe"), ("FR", "Europe"), ("US", "Americas")],
        )
    lite.close()
    return path


@pytest.fixture
def fed(transactional_db, fed_tables, make_connection, pg_params, mysql_params, clickhouse_params):
    """{alias: Connection}, each with a fresh schema snapshot."""
    from connections.dialects import ConnectionParams

    made = {
        "shop": make_connection(pg_params(), name="Shop"),
        "crm": make_connection(mysql_params(), name="CRM"),
        "events": make_connection(clickhouse_params(), name="Events"),
        "geo": make_connection(
            ConnectionParams(kind="sqlite", database=str(fed_tables)), name="Geo"
        ),
    }
    for connection in made.values():
        assert schema_services.extract_now(connection).status == "succeeded"
    return made


@pytest.fixture
def linked(fed):
    """fed, with shop.fed_customers.email <-> crm.fed_orders.customer_email declared."""
    link = CrossDatabaseLink(
        left_connection=fed["shop"],
        left_table="fed_customers",
        left_column="email",
        right_connection=fed["crm"],
        right_table="fed_orders",
        right_column="customer_email",
    )
    link.full_clean()
    link.save()
    return fed
