"""The demo generator writes the same shop into SQLite, PostgreSQL, MariaDB and ClickHouse.

Real servers (admin URLs from the environment, loopback defaults as `make test` sets them up);
each server gets a uniquely named database for this session, dropped afterwards. The read
helpers here use the drivers directly on purpose: this checks the data, not our engines.
"""

from __future__ import annotations

import io
import os
import sqlite3
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from connections.models import Connection
from demo import TABLE_ORDER, generate, seed, sqlite_target, table_counts
from tests.demo_shop import DB_NAME, normalize, reader

SAME_ANSWER_QUERIES = [
    "SELECT SUM(total) FROM orders WHERE status = 'paid'",
    "SELECT country, COUNT(*) AS n FROM customers GROUP BY country ORDER BY n DESC, country LIMIT 3",
    "SELECT status, COUNT(*), SUM(total) FROM orders GROUP BY status ORDER BY status",
    "SELECT MIN(order_date), MAX(order_date) FROM orders",
    "SELECT SUM(quantity * unit_price) FROM order_items",
    "SELECT COUNT(*) FROM customers WHERE city IS NULL OR phone IS NULL",
    "SELECT COUNT(*) FROM payments WHERE paid_at IS NULL",
    "SELECT segment, COUNT(*) FROM customers GROUP BY segment ORDER BY segment",
    "SELECT first_name, last_name, city FROM customers WHERE id IN (1, 2, 3, 250) ORDER BY id",
]


def test_row_counts_are_identical_on_all_engines(seeded):
    expected = table_counts(1)
    counts = {
        kind: {t: reader(params)(f"SELECT COUNT(*) FROM {t}")[0][0] for t in TABLE_ORDER}
        for kind, params in seeded.items()
    }
    assert counts["sqlite"] == counts["postgresql"] == counts["mysql"] == counts["clickhouse"]
    for table, rows in expected.items():
        assert counts["sqlite"][table] == rows
    assert 2_000 < counts["sqlite"]["order_items"] < 5_000


@pytest.mark.parametrize("sql", SAME_ANSWER_QUERIES)
def test_same_question_same_answer_on_all_engines(seeded, sql):
    answers = {
        kind: [tuple(map(normalize, row)) for row in reader(params)(sql)]
        for kind, params in seeded.items()
    }
    assert answers["sqlite"], sql
    assert answers["sqlite"] == answers["postgresql"] == answers["mysql"] == answers["clickhouse"]


def test_data_is_plausible(seeded):
    run = reader(seeded["postgresql"])
    top = run("SELECT country FROM customers GROUP BY country ORDER BY COUNT(*) DESC LIMIT 1")
    assert top == [("United States",)]  # the skew: a few countries dominate
    years = dict(run("SELECT EXTRACT(YEAR FROM order_date)::int, COUNT(*) FROM orders GROUP BY 1"))
    assert sorted(years) == [2021, 2022, 2023, 2024, 2025]
    assert years[2021] < years[2025]
    assert run("SELECT COUNT(*) FROM customers WHERE city IS NULL")[0][0] > 0
    # Totals are the sum of their lines; unpaid orders have no payment time.
    assert (
        run("""SELECT COUNT(*) FROM orders o JOIN (SELECT order_id, SUM(quantity * unit_price) s
                  FROM order_items GROUP BY order_id) i ON i.order_id = o.id
                  WHERE i.s <> o.total""")[0][0]
        == 0
    )
    assert (
        run("""SELECT COUNT(*) FROM payments p JOIN orders o ON o.id = p.order_id
                  WHERE (p.paid_at IS NULL) <> (o.status IN ('pending', 'cancelled'))""")[0][0]
        == 0
    )


def test_native_types_and_keys(seeded):
    pg = reader(seeded["postgresql"])
    row = pg("SELECT total, order_date, paid_at FROM orders JOIN payments USING (id) WHERE id = 1")
    assert isinstance(row[0][0], Decimal) and isinstance(row[0][1], date)
    fk_sql = (
        "SELECT COUNT(*) FROM information_schema.table_constraints "
        "WHERE constraint_type = 'FOREIGN KEY' AND table_schema = {}"
    )
    assert pg(fk_sql.format("'public'"))[0][0] == 5
    assert reader(seeded["mysql"])(fk_sql.format(f"'{DB_NAME}'"))[0][0] == 5
    ch_types = dict(
        reader(seeded["clickhouse"])(
            f"SELECT name, type FROM system.columns WHERE database = '{DB_NAME}' AND table = 'orders'"
        )
    )
    assert ch_types["total"] == "Decimal(10, 2)" and ch_types["order_date"] == "Date"


def test_generation_is_deterministic():
    assert list(generate(1)) == list(generate(1))
    first_order = next(row for table, row in generate(2) if table == "orders")
    assert first_order == next(row for table, row in generate(2) if table == "orders")


def test_reseeding_replaces_tables_with_the_same_data(tmp_path):
    params = sqlite_target(tmp_path / "demo.sqlite3")

    def dump():
        conn = sqlite3.connect(params["database"])
        try:
            return {
                t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLE_ORDER
            }
        finally:
            conn.close()

    seed(params, batch_size=700)  # small batches: rows must not depend on batching
    first = dump()
    seed(params)
    assert dump() == first


def test_sqlite_demo_has_statistics_and_rowid_keys(tmp_path):
    """Extraction reads SQLite row counts from sqlite_stat1, which the seeder writes; the
    rowid primary keys (INTEGER PRIMARY KEY, declared without NOT NULL) are never NULL."""
    from connections.dialects.introspection import sqlite as sqlite_introspection

    params = sqlite_target(tmp_path / "demo.sqlite3")
    seed(params)
    conn = sqlite3.connect(params["database"])
    try:
        tables = {t.name: t for t in sqlite_introspection.introspect(conn).tables}
    finally:
        conn.close()
    expected = table_counts(1)
    assert {name: tables[name].row_count for name in expected} == expected
    assert tables["order_items"].row_count > expected["orders"]
    orders, customers = tables["orders"], tables["customers"]
    assert orders.primary_key == ["id"] and not orders.column("id").nullable
    assert customers.column("phone").nullable


@pytest.mark.django_db
def test_command_registers_default_connection(tmp_path):
    other = Connection.objects.create(
        name="Old default", kind="sqlite", database="/x.db", is_default=True
    )
    out = io.StringIO()
    path = tmp_path / "shop.sqlite3"
    call_command(
        "seed_demo",
        "--url",
        f"sqlite:///{path}",
        "--register",
        "Demo shop",
        "--default",
        stdout=out,
    )
    output = out.getvalue()
    for table in TABLE_ORDER:
        assert table in output
    assert "1,500 rows" in output and "Done:" in output
    assert "Registered connection 'Demo shop' as the default" in output

    demo = Connection.objects.get(name="Demo shop")
    assert demo.is_default and demo.kind == "sqlite"
    assert os.path.samefile(demo.database, path)
    other.refresh_from_db()
    assert not other.is_default

    # Re-running updates the same row instead of failing on the unique name.
    call_command(
        "seed_demo", "--url", f"sqlite:///{path}", "--register", "Demo shop", stdout=io.StringIO()
    )
    assert Connection.objects.filter(name="Demo shop").count() == 1


@pytest.mark.django_db
def test_command_registers_server_credentials(seeded):
    pg = seeded["postgresql"]
    url = f"postgresql://{pg['username']}:{pg['password']}@{pg['host']}:{pg['port'] or 5432}/{DB_NAME}"
    call_command("seed_demo", "--url", url, "--register", "PG shop", stdout=io.StringIO())
    conn = Connection.objects.get(name="PG shop")
    assert (conn.kind, conn.host, conn.database, conn.username) == (
        "postgresql",
        pg["host"],
        DB_NAME,
        pg["username"],
    )
    assert conn.password == pg["password"] and not conn.is_default


@pytest.mark.django_db
def test_command_registers_a_read_only_account_given_apart(seeded):
    """The seeding account owns the tables, which DataChat refuses: docker-compose registers
    a read-only account with --register-url."""
    pg = seeded["postgresql"]
    where = f"{pg['host']}:{pg['port'] or 5432}"
    call_command(
        "seed_demo",
        "--url",
        f"postgresql://{pg['username']}:{pg['password']}@{where}/{DB_NAME}",
        "--register",
        "PG shop",
        "--register-url",
        f"postgresql://datachat_ro:ro-secret@{where}/",
        stdout=io.StringIO(),
    )
    conn = Connection.objects.get(name="PG shop")
    assert (conn.username, conn.password, conn.database) == ("datachat_ro", "ro-secret", DB_NAME)
    with pytest.raises(CommandError, match="same kind"):
        call_command(
            "seed_demo",
            "--url",
            "sqlite:///nowhere.db",  # refused before anything is written
            "--register",
            "x",
            "--register-url",
            f"postgresql://datachat_ro@{where}/x",
            stdout=io.StringIO(),
        )


def test_default_needs_register():
    with pytest.raises(CommandError, match="--register"):
        call_command("seed_demo", "--default", stdout=io.StringIO())


@pytest.mark.django_db
def test_if_missing_keeps_an_existing_file_but_registers_it(tmp_path):
    path = tmp_path / "shop.sqlite3"
    path.write_bytes(b"")  # a file that is clearly not the demo
    out = io.StringIO()
    call_command(
        "seed_demo",
        "--url",
        f"sqlite:///{path}",
        "--if-missing",
        "--register",
        "Demo shop",
        "--default",
        stdout=out,
    )
    assert "Keeping the existing demo database" in out.getvalue()
    assert path.read_bytes() == b""
    assert Connection.objects.get(name="Demo shop").is_default
