"""Context building on a 2,000-table generated schema plus the six demo tables.

The demo tables and their profiles are real: the demo shop is seeded into a temporary SQLite
file, introspected and profiled by our own code. 2,000 generated tables join them, about one
in twenty named with demo words ("crm_customer_notes_17") so the ranking has to work. Every
question of chat/eval/demo_questions.yaml is asked; the tables its gold SQL reads must be in
the context. Prints the one-off index build, p50/p95 per question, and the prompt size.

    .venv/bin/python benchmarks/bench_context.py [--tables 2000] [--budget 3000] [--repeat 5]
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["DATACHAT_DATA_DIR"] = tempfile.mkdtemp(prefix="datachat-bench-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")

import django  # noqa: E402

django.setup()

import sqlglot  # noqa: E402
from sqlglot import exp  # noqa: E402

import demo as demo_data  # noqa: E402
from chat.answering import builtin  # noqa: E402
from chat.answering import context as ctx  # noqa: E402
from chat.answering.evaluation import load_question_set  # noqa: E402
from connections.dialects import ConnectionParams, dialect_class  # noqa: E402
from connections.dialects.schema import Column, ForeignKey, SchemaDocument, Table  # noqa: E402
from schemas_app.profiling import profile_document  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FILLER = (
    "ledger sensor shipment vendor warehouse employee badge payroll ticket campaign click "
    "session device firmware audit asset contract lease budget forecast region store"
).split()
DISTRACTORS = "customer order product payment category item price status country".split()


def demo_document() -> tuple[SchemaDocument, dict]:
    path = Path(tempfile.mkdtemp(prefix="datachat-demo-")) / "demo.sqlite3"
    demo_data.seed({"kind": "sqlite", "database": str(path)})
    engine = dialect_class("sqlite")(ConnectionParams(kind="sqlite", database=str(path)))
    document = engine.introspect()
    return document, profile_document(engine, document)


def generated_tables(n: int, seed: int = 7) -> list[Table]:
    rng = random.Random(seed)
    tables: list[Table] = []
    for i in range(n):
        noun = rng.choice(DISTRACTORS if i % 20 == 0 else FILLER)
        name = f"{rng.choice(['app', 'etl', 'ops', 'crm', 'fin', 'hr'])}_{noun}_{rng.choice(FILLER)}_{i}"
        columns = [Column("id", "INTEGER", primary_key=True)]
        columns += [
            Column(f"{rng.choice(FILLER)}_{k}", rng.choice(["TEXT", "INTEGER", "DATE", "REAL"]))
            for k in range(rng.randint(4, 14))
        ]
        fks = []
        if i % 10:  # clusters of ten tables linked to their first one
            parent = tables[i - i % 10]
            columns.append(Column(f"{parent.name}_id", "INTEGER"))
            fks.append(ForeignKey([f"{parent.name}_id"], "main", parent.name, ["id"]))
        tables.append(
            Table(schema="main", name=name, columns=columns, primary_key=["id"], foreign_keys=fks)
        )
    return tables


def gold_tables(sql: str) -> set[str]:
    tree = sqlglot.parse_one(sql, read="sqlite")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return {f"main.{t.name}" for t in tree.find_all(exp.Table) if t.name not in ctes}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--budget", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    demo, profiles = demo_document()
    document = SchemaDocument(dialect="sqlite", tables=generated_tables(args.tables) + demo.tables)
    question_set = load_question_set(ROOT / "chat/eval/demo_questions.yaml")
    questions, today = question_set.questions, question_set.today
    print(
        f"{len(document.tables)} tables, {sum(len(t.columns) for t in document.tables)} columns, "
        f"{len(questions)} questions, budget {args.budget} tokens"
    )

    def build(question: str) -> ctx.SchemaContext:
        return ctx.build_context(
            question,
            document=document,
            profiles=profiles,
            dialect="sqlite",
            history=[],
            budget_tokens=args.budget,
            today=today,
        )

    started = time.perf_counter()
    build("warm up")  # builds and caches the index
    print(f"index build (once per snapshot): {(time.perf_counter() - started) * 1000:.0f} ms")

    times, tokens, missing, over = [], [], [], 0
    for item in questions:
        for _ in range(args.repeat):
            started = time.perf_counter()
            context = build(item["question"])
            times.append((time.perf_counter() - started) * 1000)
        tokens.append(context.token_estimate)
        over += context.token_estimate > args.budget
        if item.get("sql"):
            lacking = gold_tables(item["sql"]) - set(context.tables)
            if lacking:
                missing.append((item["question"], sorted(lacking)))
    answerable = sum(1 for q in questions if q.get("sql"))
    print(
        f"build_context: p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms, "
        f"max {max(times):.1f} ms ({len(times)} calls)"
    )
    print(
        f"prompt size: p50 {statistics.median(tokens):.0f}, max {max(tokens)} tokens "
        f"(litellm's counter); over budget: {over}"
    )
    print(f"needed tables present: {answerable - len(missing)}/{answerable} answerable questions")
    for question, lacking in missing:
        print(f"  missing {lacking}: {question}")

    # The built-in engine on the same big document, excluding the database: SQL generation only.
    started = time.perf_counter()
    builtin.generate("warm up", document=document, profiles=profiles, dialect="sqlite")
    print(
        f"built-in engine index build (once per snapshot): {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    engine_times, answered = [], 0
    for item in questions:
        for _ in range(args.repeat):
            started = time.perf_counter()
            generated = builtin.generate(
                item["question"],
                document=document,
                profiles=profiles,
                dialect="sqlite",
                today=today,
            )
            engine_times.append((time.perf_counter() - started) * 1000)
        answered += generated.sql is not None
    print(
        f"built-in engine: p50 {statistics.median(engine_times):.2f} ms, "
        f"p95 {percentile(engine_times, 0.95):.2f} ms, max {max(engine_times):.1f} ms; "
        f"wrote SQL for {answered}/{len(questions)} questions on the {len(document.tables)}-table schema"
    )


if __name__ == "__main__":
    main()
