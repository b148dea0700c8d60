"""The built-in engine (v2) on a 2,000-table schema: generate() per question, no database.

The schema is bench_context.py's: the six real demo tables (seeded, introspected and profiled
by our own code) plus 2,000 generated tables in FK-linked clusters of ten, one in twenty named
with demo words ("crm_customer_notes_17") so linking has distractors. Every question of
chat/eval/demo_questions.yaml is asked on it (with the demo DataPoints in scope), and every
question of chat/eval/chinook_questions.yaml on the same 2,000 tables plus Chinook's. Prints the one-off index build, p50/p95/max ms per question, how many were answered,
and how many read differently than on the small schema alone (the distractors' effect).

    .venv/bin/python benchmarks/bench_builtin.py [--tables 2000] [--repeat 5]
"""

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_context import ROOT, demo_document, generated_tables, percentile  # noqa: E402

from chat.answering import builtin  # noqa: E402
from chat.answering.evaluation import load_question_set  # noqa: E402
from connections.dialects import ConnectionParams, dialect_class  # noqa: E402
from connections.dialects.schema import SchemaDocument  # noqa: E402
from schemas_app.datapoints import PointCandidate, parse_directory  # noqa: E402
from schemas_app.profiling import profile_document  # noqa: E402

CHINOOK = ROOT.parent / "shared" / "datasets" / "chinook" / "Chinook_Sqlite.sql"


def chinook_document() -> tuple[SchemaDocument, dict]:
    path = Path(tempfile.mkdtemp(prefix="datachat-chinook-")) / "chinook.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(CHINOOK.read_text(encoding="utf-8"))
    conn.close()
    engine = dialect_class("sqlite")(ConnectionParams(kind="sqlite", database=str(path)))
    try:
        document = engine.introspect()
        return document, profile_document(engine, document)
    finally:
        engine.close()


def demo_points() -> tuple[PointCandidate, ...]:
    _, parsed, _ = parse_directory(ROOT / "datapoints" / "demo-shop")
    return tuple(PointCandidate(i, p.kind, p.name, "", p.content, "") for i, p in enumerate(parsed))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    demo, demo_profiles = demo_document()
    chinook, chinook_profiles = chinook_document()
    filler = generated_tables(args.tables)
    points = demo_points()
    asked = []
    for name, small, small_profiles, scope in (
        ("demo", demo, demo_profiles, points),
        ("chinook", chinook, chinook_profiles, ()),
    ):
        big = SchemaDocument(dialect="sqlite", tables=filler + small.tables)
        started = time.perf_counter()
        builtin.generate("warm up", document=big, profiles=small_profiles, dialect="sqlite")
        print(
            f"{name}: {len(big.tables)} tables, {sum(len(t.columns) for t in big.tables)} columns; "
            f"index build (once per snapshot) {(time.perf_counter() - started) * 1000:.0f} ms"
        )
        question_set = load_question_set(ROOT / f"chat/eval/{name}_questions.yaml")
        for item in question_set.questions:
            today = question_set.today
            asked.append((item["question"], big, small, small_profiles, scope, today))
    print(f"{len(asked)} questions x {args.repeat}")

    times, answered, differ = [], 0, []
    for question, big, small, profiles, scope, today in asked:
        for _ in range(args.repeat):
            started = time.perf_counter()
            generated = builtin.generate(
                question,
                document=big,
                profiles=profiles,
                dialect="sqlite",
                points=scope,
                today=today,
            )
            times.append((time.perf_counter() - started) * 1000)
        answered += generated.sql is not None
        alone = builtin.generate(
            question, document=small, profiles=profiles, dialect="sqlite", points=scope,
            today=today,
        )  # fmt: skip
        if alone.sql != generated.sql:
            differ.append((question, alone.sql is not None, generated.sql is not None))
    print(
        f"generate(): p50 {statistics.median(times):.2f} ms, p95 {percentile(times, 0.95):.2f} ms, "
        f"max {max(times):.1f} ms; answered {answered}/{len(asked)} "
        f"(must-refuse questions included)"
    )
    print(f"read differently than on the small schema alone: {len(differ)}")
    for question, small_answered, big_answered in differ:
        print(f"  small {'answered' if small_answered else 'refused'}, "
              f"big {'answered' if big_answered else 'refused'}: {question}")  # fmt: skip


if __name__ == "__main__":
    main()
