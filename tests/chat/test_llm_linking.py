"""Schema linking on the adversarial 2,000-table schema of benchmarks/bench_llm_context.py
(Chinook among look-alikes sharing its columns and values), the prompt's values, and the
gateway's token counter."""

import importlib.util
from pathlib import Path

import pytest

from chat.answering import gateway
from chat.answering.context import build_context
from chat.answering.evaluation import load_question_set
from schemas_app.services import latest_snapshot, snapshot_document, snapshot_profiles

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_llm_questions", ROOT / "benchmarks/bench_llm_questions.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def chinook_schema(chinook):
    snapshot = latest_snapshot(chinook)
    return snapshot_document(snapshot.pk), snapshot_profiles(snapshot.pk)


def questions(bench) -> list[dict]:
    question_set = load_question_set(ROOT / "chat/eval/chinook_questions.yaml")
    return [q for q in question_set.questions if q.get("sql")] + bench.EXTRA_QUESTIONS


def lacking(context, gold: dict[str, set[str]]) -> list[str]:
    shown = {name.split(".")[-1]: set(columns) for name, columns in context.columns.items()}
    missing = []
    for table, columns in gold.items():
        if table not in shown:
            missing.append(table)
        else:
            missing += [f"{table}.{c}" for c in sorted(columns - shown[table])]
    return missing


@pytest.mark.slow
def test_every_gold_table_and_column_is_in_the_prompt_among_2000_tables(chinook_schema):
    bench = _bench()
    document, profiles = chinook_schema
    big, big_profiles = bench.adversarial(document, profiles, 2000)
    assert len(big.tables) == 2000
    items = questions(bench)
    assert len(items) >= 80
    misses = []
    for item in items:
        context = build_context(
            item["question"],
            document=big,
            profiles=big_profiles,
            dialect="sqlite",
            budget_tokens=3000,
        )
        assert context.token_estimate <= 3000
        missing = lacking(context, bench.gold(item["sql"], document))
        if missing:
            misses.append((item["question"], missing))
    assert misses == []


def test_chinook_alone_fits_whole(chinook_schema):
    bench = _bench()
    document, profiles = chinook_schema
    for item in questions(bench)[:20]:
        context = build_context(
            item["question"], document=document, profiles=profiles, dialect="sqlite"
        )
        assert lacking(context, bench.gold(item["sql"], document)) == []
        assert len(context.tables) == len(document.tables)


def test_values_of_the_question_are_found_and_shown(chinook_schema):
    document, profiles = chinook_schema
    context = build_context(
        "How many tracks are AAC audio files?",
        document=document,
        profiles=profiles,
        dialect="sqlite",
    )
    assert ("main.MediaType", "Name", "AAC audio file") in context.values
    media = context.text[context.text.index("CREATE TABLE main.MediaType") :]
    assert "'AAC audio file'" in media.split(");")[0]


def test_prompt_says_how_many_values_there_are_and_the_date_range(chinook_schema):
    document, profiles = chinook_schema
    text = build_context(
        "Invoices per country", document=document, profiles=profiles, dialect="sqlite"
    ).text
    assert "BillingCountry NVARCHAR(40), -- 24 distinct: 'USA'" in text
    assert "InvoiceDate DATETIME, -- '2021-01-01 00:00:00' .. '2025-12-22 00:00:00'" in text
    assert "CREATE TABLE main.Invoice ( -- 412 rows" in text  # SQLite: the profiled count
    assert "CustomerId INTEGER REFERENCES Customer(CustomerId)" in text
    assert "% NULL" in text  # BillingState is half empty


def test_exact_table_names_beat_copies_and_look_alikes(chinook_schema):
    bench = _bench()
    document, profiles = chinook_schema
    big, big_profiles = bench.adversarial(document, profiles, 600)
    context = build_context(
        "How many customers are in Brazil?",
        document=big,
        profiles=big_profiles,
        dialect="sqlite",
        budget_tokens=3000,
    )
    assert context.tables[0] == "main.Customer"
    copies = [t for t in context.tables if t.lower().startswith("main.customer_")]
    assert all(context.tables.index(c) > 0 for c in copies)


def test_tokens_are_counted_by_litellms_counter(settings):
    settings.LLM_MODEL = "openai/fake-model"
    text = "CREATE TABLE main.Customer (\n  CustomerId INTEGER PRIMARY KEY\n);"
    expected = gateway.litellm().token_counter(model="openai/fake-model", text=text)
    assert gateway.count_tokens(text) == expected
    assert expected != (len(text) + 3) // 4  # not the old chars/4 estimate
    assert gateway.count_tokens("") == 0
    # No tokenizer is ever downloaded, whatever the model.
    assert gateway.litellm().disable_hf_tokenizer_download is True
    assert gateway.count_tokens("hello world", model="ollama/llama-3-8b") > 0


def test_a_wide_tables_matching_column_is_shown_past_the_first_forty():
    from connections.dialects.schema import Column, SchemaDocument, Table

    columns = [Column("id", "INTEGER", primary_key=True)]
    columns += [Column(f"metric_{n}", "REAL") for n in range(80)]
    columns.append(Column("churn_reason", "TEXT"))
    wide = Table(schema="", name="accounts", columns=columns, primary_key=["id"])
    filler = [
        Table(schema="", name=f"t{n}", columns=[Column("id", "INTEGER"), Column(f"c{n}", "TEXT")])
        for n in range(30)
    ]
    document = SchemaDocument(dialect="postgresql", tables=[wide, *filler])
    context = build_context(
        "accounts by churn reason", document=document, profiles={}, dialect="postgresql"
    )
    assert "churn_reason" in context.columns["accounts"]
    assert len(context.columns["accounts"]) == 40
    assert "churn_reason TEXT" in context.text and "more columns" in context.text
