"""The built-in engine: linking, SQL rendering per dialect, refusals. Documents come from real
introspection of the demo shop and Chinook (SQLite), so nothing here is hand-made schema."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from chat.answering.builtin import document_answer, generate
from chat.answering.builtin.index import lexicon_for
from chat.answering.builtin.linking import singular, split_identifier
from connections.dialects import ConnectionParams, dialect_class
from connections.dialects.schema import SchemaDocument
from schemas_app.profiling import profile_document


def _extract(path: str) -> tuple[SchemaDocument, dict]:
    engine = dialect_class("sqlite")(ConnectionParams(kind="sqlite", database=path))
    try:
        document = engine.introspect()
        return document, profile_document(engine, document)
    finally:
        engine.close()


@pytest.fixture(scope="session")
def demo(demo_shop_sqlite, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():  # profiling reads settings only; no Django DB needed
        return _extract(demo_shop_sqlite)


@pytest.fixture(scope="session")
def chinook(chinook_sqlite):
    return _extract(chinook_sqlite.params.database)


def ask(schema, question, dialect="sqlite"):
    document, profiles = schema
    return generate(question, document=document, profiles=profiles, dialect=dialect)


def run(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_identifiers_split_into_singular_words():
    assert split_identifier("InvoiceLine") == ["invoice", "line"]
    assert split_identifier("order_items") == ["order", "item"]
    assert split_identifier("UnitPrice") == ["unit", "price"]
    assert split_identifier("HTTPStatusCode") == ["http", "status", "code"]
    assert singular("categories") == "category" and singular("status") == "status"


def test_answers_name_tables_as_people_do():
    from chat.answering.builtin.linking import plural_phrase

    assert [
        plural_phrase(n)
        for n in ["Customer", "InvoiceLine", "categories", "order_items", "Address", "media_type"]
    ] == ["customers", "invoice lines", "categories", "order items", "addresses", "media types"]


def test_values_link_case_insensitively_with_the_stored_spelling(demo, demo_shop_sqlite):
    generated = ask(demo, "how many customers are in UNITED kingdom")
    assert "'United Kingdom'" in generated.sql
    assert run(demo_shop_sqlite, generated.sql) == run(
        demo_shop_sqlite, "SELECT COUNT(*) FROM customers WHERE country = 'United Kingdom'"
    )
    assert generated.answer_template == (
        "There are {value} customers where country is 'United Kingdom'."
    )


def test_value_index_comes_from_profiles(demo):
    links = lexicon_for(*demo).find_values(("bank", "transfer"))  # stored as bank_transfer
    assert [(link.table.name, link.column.name, link.value) for link in links] == [
        ("payments", "method", "bank_transfer")
    ]


def test_joins_follow_the_shortest_foreign_key_path(chinook):
    sql = ask(chinook, "top 5 artists by revenue").sql
    # InvoiceLine -> Track -> Album -> Artist, and no detour through Invoice.
    assert sql.count("JOIN") == 3 and '"Invoice"' not in sql.replace('"InvoiceLine"', "")


def test_durations_convert_units_to_the_column(chinook):
    assert '"Milliseconds" > 300000' in ask(chinook, "tracks longer than 5 minutes").sql


def test_relative_dates_are_calendar_years_from_today(demo):
    document, profiles = demo
    generated = generate(
        "orders over 100 from last year",
        document=document,
        profiles=profiles,
        dialect="sqlite",
        today=date(2027, 3, 1),
    )
    assert "'2026-01-01'" in generated.sql and "'2027-01-01'" in generated.sql
    assert generated.note == "Dates: orders.order_date in 2026 (today is 2027-03-01)."
    this_year = generate(
        "how many orders this year",
        document=document,
        profiles=profiles,
        dialect="sqlite",
        today=date(2024, 6, 1),
    )
    assert "'2024-01-01'" in this_year.sql and "'2025-01-01'" in this_year.sql


def count(path, sql):
    return run(path, sql)[0][0]


@pytest.mark.parametrize(
    "question, gold",
    [
        # The audit's wrong answers: the opposite value, ANDed alternatives, dropped numbers.
        (
            "how many orders were not shipped",
            "SELECT COUNT(*) FROM orders WHERE status <> 'shipped'",
        ),
        (
            "how many customers are not in Germany",
            "SELECT COUNT(*) FROM customers WHERE country <> 'Germany'",
        ),
        (
            "customers outside Germany",
            "SELECT first_name, last_name FROM customers WHERE country <> 'Germany'",
        ),
        (
            "how many customers in Germany or France",
            "SELECT COUNT(*) FROM customers WHERE country IN ('Germany', 'France')",
        ),
        (
            "how many customers not in Germany or France",
            "SELECT COUNT(*) FROM customers WHERE country NOT IN ('Germany', 'France')",
        ),
        (
            "orders from 2023 or 2024",
            "SELECT * FROM orders WHERE order_date >= '2023-01-01' AND order_date < '2025-01-01'",
        ),
        (
            "how many orders in 2021 or 2024",
            "SELECT COUNT(*) FROM orders WHERE substr(order_date, 1, 4) IN ('2021', '2024')",
        ),
        (
            "how many orders between 2022 and 2023",
            "SELECT COUNT(*) FROM orders WHERE order_date >= '2022-01-01' AND order_date < '2024-01-01'",
        ),
        (
            "how many orders between 100 and 200",
            "SELECT COUNT(*) FROM orders WHERE total >= 100 AND total <= 200",
        ),
        (
            "orders with total between 100 and 200",
            "SELECT * FROM orders WHERE total >= 100 AND total <= 200",
        ),
        (
            "how many orders with total 100 to 200",
            "SELECT COUNT(*) FROM orders WHERE total >= 100 AND total <= 200",
        ),
        ("how many products priced 23", "SELECT COUNT(*) FROM products WHERE price = 23"),
        (
            "how many order items with quantity 3",
            "SELECT COUNT(*) FROM order_items WHERE quantity = 3",
        ),
        ("how many orders over 2000", "SELECT COUNT(*) FROM orders WHERE total > 2000"),
        # Other wrong answers: the segment column, the average of counts, the row itself.
        (
            "number of orders by customer segment",
            "SELECT c.segment, COUNT(*) FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.segment",
        ),
        (
            "how many order items per order on average",
            "SELECT ROUND(AVG(n), 2) FROM (SELECT COUNT(*) AS n FROM order_items GROUP BY order_id)",
        ),
        ("most expensive product", "SELECT name FROM products ORDER BY price DESC LIMIT 1"),
        ("what is the cheapest product", "SELECT name FROM products ORDER BY price LIMIT 1"),
        ("what is the highest product price", "SELECT MAX(price) FROM products"),
        # "per <the table averaged>": one value per row, so the average over its rows.
        (
            "what's the average quantity per order item",
            "SELECT ROUND(AVG(quantity), 2) FROM order_items",
        ),
    ],
)
def test_filters_mean_what_the_question_says(demo, demo_shop_sqlite, question, gold):
    generated = ask(demo, question)
    assert generated.sql, generated.reason
    assert sorted(run(demo_shop_sqlite, generated.sql)) == sorted(run(demo_shop_sqlite, gold))


def test_negation_keeps_nulls_and_alternatives_become_in(demo, chinook, chinook_sqlite):
    sql = ask(demo, "how many orders were not shipped").sql
    assert "<> 'shipped'" in sql and "IS NULL" not in sql  # status is NOT NULL in the demo
    # Chinook's Genre.Name may be NULL: "not Rock or Jazz" is every other track, NULLs too.
    sql = ask(chinook, "how many tracks are not Rock or Jazz").sql
    assert """NOT "Genre"."Name" IN ('Rock', 'Jazz') OR "Genre"."Name" IS NULL""" in sql
    path = chinook_sqlite.params.database
    either = ask(chinook, "how many tracks in Rock or Jazz").sql
    assert count(path, sql) + count(path, either) == count(path, "SELECT COUNT(*) FROM Track")


@pytest.mark.parametrize(
    "question, said",
    [
        ("how many products 25", "'25'"),  # a number attached to nothing
        ("top 5 orders 300", "'300'"),
        ("orders not over 100", "'not'"),  # a negation of no named value
        ("customers who are not enterprise or consumer either", "'either'"),
        ("how many customers in Germany or enterprise", "'or'"),  # two columns
        ("how many orders on average", "'average'"),  # no group to average over
        ("customers who never ordered", "'never'"),
        ("what is the total quantity per order item", "'per'"),  # one row's: not a total
    ],
)
def test_unattached_numbers_negations_and_alternatives_refuse(demo, question, said):
    generated = ask(demo, question)
    assert generated.sql is None and generated.refused and said in generated.reason


@pytest.mark.parametrize(
    "dialect, month, year",
    [
        ("sqlite", "STRFTIME('%Y-%m-01'", "CAST(STRFTIME('%Y'"),
        ("postgresql", "CAST(DATE_TRUNC('month'", "EXTRACT(YEAR FROM"),
        ("mysql", "DATE_FORMAT(`orders`.`order_date`, '%Y-%m-01')", "YEAR(`orders`.`order_date`)"),
        ("clickhouse", 'toStartOfMonth("orders"."order_date")', 'toYear("orders"."order_date")'),
    ],
)
def test_month_and_year_render_per_dialect(demo, dialect, month, year):
    assert month in ask(demo, "average order value per month", dialect).sql
    assert year in ask(demo, "number of orders per year", dialect).sql


def test_identifiers_are_quoted_for_the_dialect(demo):
    assert "`customers`.`country`" in ask(demo, "customers per country", "mysql").sql


def test_schema_questions_answer_from_the_document(demo):
    document, profiles = demo

    def ask(question):
        return document_answer(question, document=document, profiles=profiles, dialect="sqlite")

    tables = ask("which tables exist?")
    assert tables.sql is None and not tables.refused and "order_items" in tables.explanation
    assert ask("how many orders are there?") is None  # a question about the data
    described = ask("describe the orders table")
    assert described.sql is None and "order_date (DATE)" in described.explanation
    for question in (
        "What is the structure of the orders table?",
        "Show me the columns of the customers table",
        "What fields does the products table have?",
    ):
        described = ask(question)
        assert described is not None and described.sql is None, question
        assert described.explanation.startswith("Table "), question
    assert "order_items" in ask("Which tables are there in the database?").explanation


@pytest.mark.parametrize(
    "question",
    [
        # a column word ("structure", "field", "positions") in a question about the data
        "What is the structure of the order with the largest total?",
        "What is the status field of the most recent order?",
        "Which columns of orders have the highest total?",
        "Describe the orders placed in 2024",
        "Which tables have more than 3 orders?",
    ],
)
def test_data_questions_with_schema_words_are_not_schema_answers(demo, question):
    document, profiles = demo
    assert document_answer(question, document=document, profiles=profiles, dialect="sqlite") is None


@pytest.mark.parametrize(
    "question",
    [
        "delete all orders",
        "drop table customers",
        "what is the weather",
        "how many flurbles",
        "",
        "x" * 5000,
        "Combien de clients en Allemagne ?",
    ],
)
def test_refusals(demo, question):
    generated = ask(demo, question)
    assert generated.sql is None and generated.refused and generated.reason


def test_refusal_names_what_it_could_not_link(chinook):
    generated = ask(chinook, "how many wizards are in Brazil")
    assert "'wizards'" in generated.reason


def test_user_text_never_reaches_sql_unescaped(demo):
    # Values only come from profiles, so an injection attempt cannot link at all.
    generated = ask(demo, "customers in Germany'; DROP TABLE orders; --")
    assert generated.sql is None or "DROP" not in generated.sql.upper()


def test_without_profiles_sample_rows_link_values_and_refusals_say_why(demo_shop_sqlite):
    # Extracted without profiling: the document has its two sample rows per table, no profiles.
    from schemas_app.sampling import sample_tables

    engine = dialect_class("sqlite")(ConnectionParams(kind="sqlite", database=demo_shop_sqlite))
    try:
        document = engine.introspect()
        sample_tables(engine, document, rows_per_table=2)
    finally:
        engine.close()
    customers = next(t for t in document.tables if t.name == "customers")
    at = [c.name for c in customers.columns].index("country")
    sampled = customers.sample_rows[0][at]
    unsampled = next(
        c
        for (c,) in run(demo_shop_sqlite, "SELECT DISTINCT country FROM customers")
        if all(row[at] != c for row in customers.sample_rows)
    )
    linked = generate(
        f"how many customers are in {sampled}?", document=document, profiles={}, dialect="sqlite"
    )
    assert linked.sql and f"= '{sampled}'" in linked.sql, linked.reason
    # Emails, phones and dates of the sample are never linkable values.
    values = lexicon_for(document, {}).values
    assert not any("@" in str(v.value) for links in values.values() for v in links)
    refused = generate(
        f"how many customers are in {unsampled}?", document=document, profiles={}, dialect="sqlite"
    )
    word = unsampled.split()[0].lower()
    assert refused.refused and f"'{word}" in refused.reason
    assert "column profiles have not been collected for this database" in refused.reason
    # With profiles the hint is not given: the value is simply unknown.
    document2, profiles = _extract(demo_shop_sqlite)
    other = generate(
        "how many customers are in Atlantis?",
        document=document2,
        profiles=profiles,
        dialect="sqlite",
    )
    assert other.refused and "profiles" not in other.reason
