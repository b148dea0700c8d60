"""Context building: ranking, FK neighbours, budget, dialect notes, history, caching."""

import random
import time

import demo as demo_data
from chat.answering import context as ctx
from chat.answering.context import build_context, singular, words
from chat.answering.types import Turn
from connections.dialects.schema import Column, ForeignKey, SchemaDocument, Table

PROFILES = {
    "customers": {
        "country": {"distinct": 12, "top_values": [["Germany", 80], ["Brazil", 40]]},
        "segment": {"distinct": 3, "top_values": [["consumer", 360], ["enterprise", 35]]},
    },
    "orders": {"status": {"distinct": 5, "top_values": [["shipped", 870], ["refunded", 120]]}},
}


def demo_tables() -> list[Table]:
    tables = []
    for name, columns in demo_data.TABLES.items():
        tables.append(
            Table(
                schema="",
                name=name,
                primary_key=["id"],
                columns=[Column(c.name, c.type.upper(), nullable=c.nullable) for c in columns],
                foreign_keys=[
                    ForeignKey([c.name], "", c.references, ["id"]) for c in columns if c.references
                ],
            )
        )
    return tables


WORDS = (
    "ledger sensor shipment vendor invoice_line warehouse employee badge payroll ticket "
    "campaign click session device firmware audit asset contract lease budget"
).split()


def big_document(n: int = 2000, seed: int = 7) -> SchemaDocument:
    """`n` generated tables in clusters linked by FKs, plus the six demo tables."""
    rng = random.Random(seed)
    tables = []
    for i in range(n):
        noun = rng.choice(WORDS)
        name = f"{rng.choice(['app', 'etl', 'ops', 'crm', 'fin'])}_{noun}_{i}"
        columns = [Column("id", "INTEGER", primary_key=True)] + [
            Column(f"{rng.choice(WORDS)}_{k}", rng.choice(["TEXT", "INTEGER", "DATE"]))
            for k in range(8)
        ]
        fks = []
        if i % 10:
            parent = tables[i - i % 10]
            columns.append(Column(f"{parent.name}_id", "INTEGER"))
            fks.append(ForeignKey([f"{parent.name}_id"], "", parent.name, ["id"]))
        tables.append(
            Table(schema="", name=name, columns=columns, primary_key=["id"], foreign_keys=fks)
        )
    return SchemaDocument(dialect="postgresql", tables=tables + demo_tables())


def test_words_split_identifiers():
    assert words("OrderItems") == ["order", "item"]
    assert words("customer_countries") == ["customer", "country"]
    assert words("InvoiceLineId") == ["invoice", "line", "id"]
    assert singular("categories") == "category" and singular("status") == "status"


def test_small_schema_fits_whole_with_known_values_and_notes():
    document = SchemaDocument(dialect="sqlite", tables=demo_tables())
    context = build_context(
        "how many customers are in Germany?",
        document=document,
        profiles=PROFILES,
        dialect="sqlite",
        history=[],
        budget_tokens=3000,
    )
    assert context.tables[0] == "customers"
    assert set(context.tables) == set(demo_data.TABLES)
    assert "'Germany'" in context.text and "REFERENCES customers(id)" in context.text
    assert "strftime" in context.text  # SQLite dialect notes
    assert context.token_estimate <= 3000


def test_clickhouse_notes_name_what_it_lacks():
    document = SchemaDocument(dialect="clickhouse", tables=demo_tables())
    context = build_context(
        "orders",
        document=document,
        profiles={},
        dialect="clickhouse",
        history=[],
        budget_tokens=3000,
    )
    assert "window functions" in context.text and "EXPLAIN" in context.text


def test_two_thousand_tables_stay_within_budget_and_keep_needed_tables():
    document = big_document()
    questions = {
        "total revenue by product category": {"products", "categories", "order_items"},
        "how many orders did customers in Brazil place": {"orders", "customers"},
        "payments by method for refunded orders": {"payments", "orders"},
    }
    build_context(
        "warm up",
        document=document,
        profiles=PROFILES,
        dialect="postgresql",
        history=[],
        budget_tokens=3000,
    )
    for question, needed in questions.items():
        started = time.perf_counter()
        context = build_context(
            question,
            document=document,
            profiles=PROFILES,
            dialect="postgresql",
            history=[],
            budget_tokens=3000,
        )
        elapsed = time.perf_counter() - started
        assert context.token_estimate <= 3000, question
        assert needed <= set(context.tables), (question, context.tables[:10])
        assert elapsed < 0.5, elapsed  # generous; the benchmark measures the real figure


def test_fk_path_tables_are_added():
    # "categories" and "orders" only join through order_items and products.
    document = big_document(300)
    context = build_context(
        "orders per category",
        document=document,
        profiles={},
        dialect="postgresql",
        history=[],
        budget_tokens=600,
    )
    assert {"orders", "categories", "order_items", "products"} <= set(context.tables)


def test_index_is_built_once_per_document(monkeypatch):
    document = SchemaDocument(dialect="sqlite", tables=demo_tables())
    calls = []
    real = ctx._build_index
    monkeypatch.setattr(ctx, "_build_index", lambda *a: calls.append(1) or real(*a))
    for question in ("customers", "orders", "payments"):
        build_context(
            question,
            document=document,
            profiles=PROFILES,
            dialect="sqlite",
            history=[],
            budget_tokens=3000,
        )
    assert len(calls) == 1
    other = SchemaDocument(dialect="sqlite", tables=demo_tables())
    build_context(
        "orders",
        document=other,
        profiles=PROFILES,
        dialect="sqlite",
        history=[],
        budget_tokens=3000,
    )
    assert len(calls) == 2


def test_follow_up_keeps_earlier_turns_and_their_tables():
    document = big_document(500)
    history = [
        Turn(
            "how many orders were refunded?",
            "SELECT count(*) FROM orders WHERE status = 'refunded'",
            "There are 120 refunded orders.",
        )
    ]
    context = build_context(
        "and by country?",
        document=document,
        profiles=PROFILES,
        dialect="postgresql",
        history=history,
        budget_tokens=3000,
    )
    assert "how many orders were refunded?" in context.text
    assert "status = 'refunded'" in context.text
    assert "orders" in context.tables and "customers" in context.tables
    assert context.token_estimate <= 3000
