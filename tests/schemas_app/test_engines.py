"""Extraction with profiles through the service, on every engine against real servers:
Chinook (PostgreSQL, MariaDB, SQLite), pagila (PostgreSQL) and a ClickHouse MergeTree schema of
our own with ORDER BY / PARTITION BY / SAMPLE BY keys.

Expected values come from the dataset scripts (or, for pagila, from admin queries on the same
database), never from the code under test.
"""

from __future__ import annotations

import os
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from schemas_app import services
from schemas_app.models import SchemaSnapshot
from schemas_app.sampling import MAX_TEXT

pytestmark = pytest.mark.django_db

PAGILA = Path(__file__).resolve().parents[1] / "datasets" / "pagila"
SUFFIX = os.getpid()
CHINOOK_TABLES = 11


def extract(connection) -> tuple[SchemaSnapshot, dict, dict]:
    """Extract with profiles; returns the snapshot, its tables by qualified name, its profiles."""
    snapshot = services.extract_now(connection, with_profile=True)
    assert snapshot.status == SchemaSnapshot.Status.SUCCEEDED, snapshot.error
    document = services.snapshot_document(snapshot.pk)
    assert snapshot.table_count == len(document.tables)
    assert services.schema_status(connection).label == "schema ready"
    return (
        snapshot,
        {t.qualified_name: t for t in document.tables},
        services.snapshot_profiles(snapshot.pk),
    )


def camel(snake: str) -> str:
    """Chinook's MySQL and SQLite scripts spell invoice_date as InvoiceDate."""
    return "".join(part.capitalize() for part in snake.split("_"))


def check_chinook(tables: dict, profiles: dict, prefix: str, name) -> None:
    """`name` maps the PostgreSQL spelling (customer, country) to the script's (Customer, Country)."""
    assert len(tables) == CHINOOK_TABLES
    for table in tables.values():
        assert table.sample_error == "", (table.name, table.sample_error)
        assert len(table.sample_rows) == 2
        assert len(table.sample_rows[0]) == len(table.columns)
    customer = profiles[f"{prefix}{name('customer')}"]
    country = customer[name("country")]
    assert country["rows_profiled"] == 59 and country["null_fraction"] == 0.0
    assert country["distinct"] == 24
    assert country["top_values"][0] == ["USA", 13]
    assert country["top_values"][1] == ["Canada", 8]
    # Company is empty for most customers (49 of 59).
    assert customer[name("company")]["null_fraction"] == round(49 / 59, 4)
    track = profiles[f"{prefix}{name('track')}"]
    assert (track[name("milliseconds")]["min"], track[name("milliseconds")]["max"]) == (
        1071,
        5286953,
    )
    assert track[name("track_id")]["distinct"] == 3503
    invoice = profiles[f"{prefix}{name('invoice')}"]
    assert str(invoice[name("invoice_date")]["min"]).startswith("2021-01-01")
    assert str(invoice[name("invoice_date")]["max"]).startswith("2025-12-22")


def test_chinook_postgresql(make_connection, chinook_pg):
    connection = make_connection(chinook_pg.params, name="chinook-pg")
    snapshot, tables, profiles = extract(connection)
    assert snapshot.table_count == CHINOOK_TABLES
    check_chinook(tables, profiles, "public.", lambda snake: snake)


def test_chinook_mariadb(make_connection, chinook_mysql):
    connection = make_connection(chinook_mysql.params, name="chinook-mysql")
    snapshot, tables, profiles = extract(connection)
    check_chinook(tables, profiles, f"{chinook_mysql.name}.", camel)


def test_chinook_sqlite(make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="chinook-sqlite")
    snapshot, tables, profiles = extract(connection)
    prefix = next(iter(tables)).rpartition(".")[0]
    check_chinook(tables, profiles, f"{prefix}." if prefix else "", camel)


# --- pagila --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pagila_pg(pg_server, pg_admin):
    """pagila loaded once into a scratch database (schema then data), analyzed."""
    name = f"pagila_engines_{SUFFIX}"
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg_server.host]
    command += ["-p", str(pg_server.port), "-U", pg_server.username, "-d", name]
    env = {**os.environ, **({"PGPASSWORD": pg_server.password} if pg_server.password else {})}
    for script in ("pagila-schema.sql", "pagila-data.sql"):
        subprocess.run([*command, "-f", str(PAGILA / script)], env=env, check=True,
                       capture_output=True, timeout=300)  # fmt: skip
    subprocess.run([*command, "-c", "ANALYZE"], env=env, check=True, capture_output=True)
    yield pg_server.params("postgresql", database=name)
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_pagila_postgresql(make_connection, pagila_pg, pg_admin):
    connection = make_connection(pagila_pg, name="pagila")
    snapshot, tables, profiles = extract(connection)

    with pg_admin(pagila_pg.database) as admin:
        expected_tables = admin.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')"
            " AND NOT c.relispartition"
        ).fetchone()[0]
        staff_pictures = admin.execute(
            "SELECT count(*) FROM staff WHERE picture IS NOT NULL"
        ).fetchone()[0]
        film_stats = admin.execute(
            "SELECT min(length), max(length), count(DISTINCT rating),"
            " avg((original_language_id IS NULL)::int) FROM film"
        ).fetchone()
        top_districts = admin.execute("SELECT count(DISTINCT district) FROM address").fetchone()[0]
    assert snapshot.table_count == expected_tables  # partitions are not tables of their own

    # Partitions folded under their parent.
    payment = tables["public.payment"]
    assert payment.partitions == [f"payment_p2022_0{i}" for i in range(1, 8)]
    assert not any(name.startswith("public.payment_p") for name in tables)
    assert len(payment.sample_rows) == 2 and payment.sample_error == ""

    # The unrefreshed materialized view cannot be read: marked, the extraction still succeeded.
    mv = tables["public.rental_by_category"]
    assert mv.kind == "materialized_view"
    assert mv.sample_error and "rental_by_category" in mv.sample_error
    assert mv.sample_rows == []
    assert "public.rental_by_category" not in profiles  # profiles cover tables only
    others = [t for t in tables.values() if t.qualified_name != "public.rental_by_category"]
    assert all(t.sample_error == "" for t in others), [(t.name, t.sample_error) for t in others]
    assert all(len(t.sample_rows) == 2 for t in others if t.kind == "table")

    # Binary values are omitted, the rest of the row kept.
    staff = tables["public.staff"]
    picture = [c.name for c in staff.columns].index("picture")
    assert staff_pictures >= 1 and len(staff.sample_rows) == 2
    assert [row[picture] for row in staff.sample_rows] == [None, None]
    username = [c.name for c in staff.columns].index("username")
    assert {row[username] for row in staff.sample_rows} == {"Mike", "Jon"}

    # Long values are cut (film.fulltext is a long tsvector).
    film = tables["public.film"]
    fulltext = [c.name for c in film.columns].index("fulltext")
    for row in film.sample_rows:
        assert len(row[fulltext]) == MAX_TEXT + 1 and row[fulltext].endswith("…")

    # Profiles agree with the database.
    film_profile = profiles["public.film"]
    assert (film_profile["length"]["min"], film_profile["length"]["max"]) == film_stats[:2]
    assert film_profile["rating"]["distinct"] == film_stats[2] == 5
    assert film_profile["original_language_id"]["null_fraction"] == float(film_stats[3])
    assert film_profile["title"]["distinct"] == 1000
    assert "top_values" not in film_profile["title"]  # high cardinality
    assert "special_features" not in film_profile  # arrays are not profiled
    assert profiles["public.address"]["district"]["distinct"] == top_districts
    assert profiles["public.payment"]["amount"]["rows_profiled"] == payment.row_count or (
        16049 * 0.9 <= profiles["public.payment"]["amount"]["rows_profiled"] <= 16049 * 1.1
    )
    assert "_error" not in profiles["public.payment"]


# --- ClickHouse ----------------------------------------------------------------------------

CH_ROWS = 10_000
KINDS = ("click", "view", "buy")


@pytest.fixture(scope="module")
def clickhouse_schema(clickhouse_server, clickhouse_admin):
    name = f"dc_engines_{SUFFIX}"
    ch = clickhouse_admin
    ch.execute(f"DROP DATABASE IF EXISTS `{name}`")
    ch.execute(f"CREATE DATABASE `{name}`")
    ch.execute(
        f"""CREATE TABLE `{name}`.events (
            id UInt64, d Date, kind String, amount Nullable(Float64), payload String)
        ENGINE = MergeTree() PARTITION BY toYYYYMM(d) ORDER BY (kind, intHash32(id))
        SAMPLE BY intHash32(id)"""
    )
    ch.execute(
        f"CREATE TABLE `{name}`.plain (id UInt32, label String) ENGINE = MergeTree() ORDER BY id"
    )
    ch.execute(
        f"CREATE VIEW `{name}`.buys AS SELECT id, amount FROM `{name}`.events WHERE kind = 'buy'"
    )
    start = date(2024, 1, 1)
    rows = [
        (
            i,
            start + timedelta(days=i % 60),
            KINDS[i % 3],
            None if i % 10 == 0 else i / 10,
            "x" * 300,
        )
        for i in range(CH_ROWS)
    ]
    ch.execute(f"INSERT INTO `{name}`.events (id, d, kind, amount, payload) VALUES", rows)
    ch.execute(
        f"INSERT INTO `{name}`.plain (id, label) VALUES", [(i, f"l{i % 7}") for i in range(5000)]
    )
    yield clickhouse_server.params("clickhouse", database=name)
    ch.execute(f"DROP DATABASE IF EXISTS `{name}`")


def test_clickhouse_mergetree_keys_samples_and_sampled_profiles(
    make_connection, clickhouse_schema, settings, monkeypatch
):
    from connections.dialects.clickhouse import ClickHouse

    sent: list[str] = []
    execute = ClickHouse.execute

    def spy(self, sql, **kwargs):
        sent.append(sql)
        return execute(self, sql, **kwargs)

    monkeypatch.setattr(ClickHouse, "execute", spy)
    settings.PROFILE_SAMPLE_ROWS = 1000
    connection = make_connection(clickhouse_schema, name="clickhouse")
    snapshot, tables, profiles = extract(connection)
    db = clickhouse_schema.database

    assert set(tables) == {f"{db}.events", f"{db}.plain", f"{db}.buys"}
    events = tables[f"{db}.events"]
    assert events.engine == "MergeTree"
    assert events.partition_key == "toYYYYMM(d)"
    assert events.sorting_key == "kind, intHash32(id)"
    assert events.sampling_key == "intHash32(id)"
    assert tables[f"{db}.plain"].sampling_key == ""
    assert events.row_count == CH_ROWS and tables[f"{db}.buys"].kind == "view"

    assert len(events.sample_rows) == 2
    payload = [c.name for c in events.columns].index("payload")
    assert all(row[payload] == "x" * MAX_TEXT + "…" for row in events.sample_rows)
    assert all(len(t.sample_rows) == 2 and not t.sample_error for t in tables.values())

    # events is big (10,000 > 1,000) and has a sampling key: SAMPLE 0.1 instead of a scan.
    assert any("`events` SAMPLE 0.1" in sql or '"events" SAMPLE 0.1' in sql for sql in sent), sent
    profile = profiles[f"{db}.events"]
    assert 300 <= profile["kind"]["rows_profiled"] <= 3000
    assert profile["kind"]["rows_profiled"] != CH_ROWS
    assert {value for value, _ in profile["kind"]["top_values"]} == set(KINDS)
    assert 0.0 < profile["amount"]["null_fraction"] < 0.3
    assert profile["d"]["min"] >= "2024-01-01" and profile["d"]["max"] <= "2024-02-29"
    # plain has no sampling key: a bounded subquery of exactly PROFILE_SAMPLE_ROWS rows.
    plain = profiles[f"{db}.plain"]
    assert plain["id"]["rows_profiled"] == 1000
    assert not any("`plain` SAMPLE" in sql or '"plain" SAMPLE' in sql for sql in sent)
    assert sorted(v for v, _ in plain["label"]["top_values"]) <= [f"l{i}" for i in range(7)]


def test_clickhouse_small_table_with_sampling_key_is_read_whole(
    make_connection, clickhouse_schema, settings
):
    settings.PROFILE_SAMPLE_ROWS = 100_000
    connection = make_connection(clickhouse_schema, name="clickhouse-whole")
    _, _, profiles = extract(connection)
    events = profiles[f"{clickhouse_schema.database}.events"]
    assert events["kind"]["rows_profiled"] == CH_ROWS
    assert sorted(events["kind"]["top_values"]) == [["buy", 3333], ["click", 3334], ["view", 3333]]
    assert events["amount"]["null_fraction"] == 0.1
