"""Column profiling on real servers: type matching, one bad column not losing the table,
PostgreSQL TABLESAMPLE on a big table, and the table/column/time limits."""

from __future__ import annotations

import pytest
from django.urls import reverse

from connections.dialects.postgresql import PostgreSQL
from connections.dialects.schema import Column
from schemas_app import services
from schemas_app.models import SchemaSnapshot
from schemas_app.profiling import profilable, profile_document, profile_table, type_words

pytestmark = pytest.mark.django_db

SCHEMA = "profiling_cases"
BIG_ROWS = 50_000


@pytest.fixture(scope="module")
def pg_cases(pg_admin, pg_database):
    """mixed: text, a geometric type, a domain over it (unknown to our type lists) and an int;
    big: 50,000 rows, analyzed so the catalog knows its size."""
    with pg_admin(pg_database) as conn:
        conn.execute(
            f"""
            DROP SCHEMA IF EXISTS {SCHEMA} CASCADE;
            CREATE SCHEMA {SCHEMA};
            CREATE DOMAIN {SCHEMA}.spot AS point;
            CREATE TABLE {SCHEMA}.mixed (status text, loc point, place {SCHEMA}.spot, n integer);
            INSERT INTO {SCHEMA}.mixed
              SELECT CASE WHEN i % 3 = 0 THEN 'paid' ELSE 'refunded' END,
                     point(i, i), point(i, 0), i
              FROM generate_series(1, 30) AS i;
            CREATE TABLE {SCHEMA}.big (id integer, kind text);
            INSERT INTO {SCHEMA}.big
              SELECT i, (ARRAY['buy', 'view', 'click'])[1 + i % 3]
              FROM generate_series(1, {BIG_ROWS}) AS i;
            ANALYZE {SCHEMA}.big;
            """
        )
    yield pg_database
    with pg_admin(pg_database) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


@pytest.fixture
def pg_engine(make_connection, pg_params, pg_cases):
    connection = make_connection(pg_params(), name="pg-profiling")
    return connection, connection.engine()


def cases_table(engine, name):
    document = engine.introspect()
    return document.table(f"{SCHEMA}.{name}")


@pytest.mark.parametrize(
    "type_name,can_profile,has_range",
    [
        ("point", False, False),  # "int" inside "point" made it numeric
        ("interval", True, True),
        ("text[]", False, False),
        ("Nullable(Int64)", True, True),
        ("LowCardinality(String)", True, False),
        ("Enum8('point' = 1, 'map' = 2)", True, False),  # labels are not type words
        ("Array(String)", False, False),
        ("timestamp with time zone", True, True),
        ("MULTIPOLYGON", False, False),
    ],
)
def test_types_are_matched_word_by_word(type_name, can_profile, has_range):
    column = Column(name="c", type=type_name)
    assert profilable(column) is can_profile
    assert bool(type_words(type_name) & {"int", "interval", "timestamp"}) is has_range


def test_a_geometric_column_no_longer_loses_the_table(pg_engine):
    _, engine = pg_engine
    profiles = profile_table(engine, cases_table(engine, "mixed"), timeout=10)
    assert "_error" not in profiles
    assert "loc" not in profiles  # point: skipped by type
    assert profiles["status"]["top_values"] == [["refunded", 20], ["paid", 10]]
    assert (profiles["n"]["min"], profiles["n"]["max"]) == (1, 30)


def test_an_unknown_failing_type_fails_only_its_column(pg_engine):
    """`spot` is a domain over point: not on any list, so it is tried and the engine refuses
    to count its distinct values; the table's other columns keep their profiles."""
    _, engine = pg_engine
    profiles = profile_table(engine, cases_table(engine, "mixed"), timeout=10)
    assert "equality operator" in profiles["place"]["error"]
    assert profiles["status"]["distinct"] == 2
    assert profiles["n"]["null_fraction"] == 0.0


def test_a_column_error_is_shown_in_the_table_pane(alice_client, pg_engine):
    connection, _ = pg_engine
    snapshot = services.extract_now(connection, with_profile=True)
    assert snapshot.status == SchemaSnapshot.Status.SUCCEEDED, snapshot.error
    url = reverse("schema_table", args=[connection.pk]) + f"?table={SCHEMA}.mixed"
    body = alice_client.get(url).content.decode()
    assert "not profiled: could not identify an equality operator" in body
    assert "refunded (20)" in body


def test_a_big_postgresql_table_is_read_through_tablesample(pg_engine, settings, monkeypatch):
    _, engine = pg_engine
    sent: list[str] = []
    execute = PostgreSQL.execute

    def spy(self, sql, **kwargs):
        sent.append(sql)
        return execute(self, sql, **kwargs)

    monkeypatch.setattr(PostgreSQL, "execute", spy)
    settings.PROFILE_SAMPLE_ROWS = 5_000
    big = cases_table(engine, "big")
    assert big.row_count == BIG_ROWS

    profiles = profile_table(engine, big, timeout=10)

    assert f'"{SCHEMA}"."big" TABLESAMPLE SYSTEM (10.0)' in sent[0], sent[0]
    rows = profiles["id"]["rows_profiled"]
    assert 1_000 <= rows <= 15_000, rows  # about 10% of the pages, never a full scan
    assert {value for value, _ in profiles["kind"]["top_values"]} == {"buy", "view", "click"}

    settings.PROFILE_SAMPLE_ROWS = BIG_ROWS  # not bigger than the limit: read whole
    assert profile_table(engine, big, timeout=10)["id"]["rows_profiled"] == BIG_ROWS
    assert "TABLESAMPLE" not in sent[-2]


@pytest.fixture
def chinook(make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="chinook")
    return connection.engine(), connection.engine().introspect()


def test_profile_max_tables_and_columns(chinook, settings):
    engine, document = chinook
    settings.PROFILE_MAX_TABLES, settings.PROFILE_MAX_COLUMNS = 3, 2
    profiles = profile_document(engine, document)
    first_three = [t.qualified_name for t in document.tables if t.kind == "table"][:3]
    assert list(profiles) == first_three
    assert all(len(columns) == 2 for columns in profiles.values())


def test_profile_time_budget(chinook, settings, monkeypatch):
    """Every query is made slow (0.2 s): a 1 s budget profiles the first tables only."""
    import time

    engine, document = chinook
    execute = type(engine).execute

    def slow(self, sql, **kwargs):
        time.sleep(0.2)
        return execute(self, sql, **kwargs)

    monkeypatch.setattr(type(engine), "execute", slow)
    settings.PROFILE_BUDGET_SECONDS = 1.0
    started = time.monotonic()
    profiles = profile_document(engine, document)
    assert time.monotonic() - started < 5  # the table running at the deadline may finish
    skipped = [name for name, p in profiles.items() if p.get("_error", "").startswith("skipped")]
    assert len(profiles) == 11
    assert 0 < len(skipped) < 11
    assert "_error" not in profiles[next(iter(profiles))]
