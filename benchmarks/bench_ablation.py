"""What the engine answers when the column a question is about is not there, on spider-train's
DEV split: for each right answer, each non-key column it reads (shown, compared, ordered or
grouped by) is removed from a copy of the schema and the question asked again. The honest
outcome is a refusal; an answer means some fallback found a stand-in (another table's
column, a look-alike value, a default), the kind of guess a schema nobody looked at sets
off. Printed: per dropped column kind, refused / answered, the readings and defaults the
stand-in answers took (traces), and examples.

    .venv/bin/python benchmarks/bench_spider.py --split dev --no-per-db --json /tmp/dev.json
    .venv/bin/python benchmarks/bench_ablation.py --report /tmp/dev.json [--examples 40]

Holdout databases are never read.
"""

import argparse
import copy
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")

import django  # noqa: E402

django.setup()

from bench_word_drops import schema_of  # noqa: E402

from chat.answering.builtin.compiler import compile_sql  # noqa: E402
from chat.answering.builtin.engine import understand  # noqa: E402
from chat.answering.builtin.index import lexicon_for  # noqa: E402
from chat.answering.builtin.reader import Refusal  # noqa: E402
from chat.answering.builtin.traces import readings, tracing  # noqa: E402


def columns_read(it) -> set[tuple[str, str, str]]:
    """(table, column, role) of the columns an Interpretation reads, roles: shown, compared,
    ordered, grouped."""
    found = set()
    for o in it.outputs:
        if o.column is not None:
            found.add((o.column.table, o.column.column, "shown"))
    for f in it.filters:
        for g in f.values if f.op == "or" else [f]:
            if hasattr(g, "column"):
                found.add((g.column.table, g.column.column, "compared"))
    for o in it.order:
        if o.measure.column is not None:
            found.add((o.measure.column.table, o.measure.column.column, "ordered"))
    for c in it.group_by:
        found.add((c.table, c.column, "grouped"))
    return found


def without(document, profiles, table_name: str, column_name: str):
    doc = copy.deepcopy(document)
    table = next(t for t in doc.tables if t.qualified_name == table_name)
    at = next(i for i, c in enumerate(table.columns) if c.name == column_name)
    del table.columns[at]
    table.sample_rows = [row[:at] + row[at + 1 :] for row in table.sample_rows]
    table.indexes = [ix for ix in table.indexes if column_name not in ix.columns]
    kept = dict(profiles)
    kept[table_name] = {
        k: v for k, v in (profiles.get(table_name) or {}).items() if k != column_name
    }
    return doc, kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--examples", type=int, default=30)
    parser.add_argument("--took", default="", help="only print examples that took this")
    o = parser.parse_args()
    rows = [r for r in json.loads(o.report.read_text())["results"] if r.get("split") == "dev"]
    right = defaultdict(list)
    for r in rows:
        if r["status"] == "match":
            right[r["database"]].append(r["question"])
    outcome, took_counts, examples = Counter(), Counter(), []
    for name in sorted(right):
        document, profiles = schema_of(name)
        lex = lexicon_for(document, profiles)
        asked = defaultdict(list)  # (table, column) -> [(question, role)]
        for question in right[name]:
            try:
                it = understand(question, lex).interpretation
            except Refusal:
                continue
            for table, column, role in columns_read(it):
                t = lex.table(table)
                if lex.words.is_key(t, t.column(column)):
                    continue
                asked[(table, column)].append((question, role))
        for (table, column), questions in asked.items():
            doc, prof = without(document, profiles, table, column)
            lex2 = lexicon_for(doc, prof)
            for question, role in questions:
                try:
                    with tracing() as took:
                        understood = understand(question, lex2)
                    sql = compile_sql(understood.interpretation, lex2, "sqlite")
                except Refusal:
                    outcome[(role, "refused")] += 1
                    continue
                outcome[(role, "answered")] += 1
                marks = {f"took:{t}" for t in took} | readings(understood, lex2, question)
                took_counts.update(m for m in marks if m.startswith("took:"))
                if not o.took or f"took:{o.took}" in marks:
                    examples.append((name, f"{table}.{column}", role, question, sql, sorted(marks)))
    for role in ("shown", "compared", "ordered", "grouped"):
        a, r = outcome[(role, "answered")], outcome[(role, "refused")]
        print(f"{role:9} column dropped: {a + r:5} asked, answered anyway {a:4}, refused {r:5}")
    print("defaults and tie-breaks the stand-in answers took:")
    for name, n in took_counts.most_common():
        print(f"  {n:4}  {name}")
    for name, col, role, question, sql, marks in examples[: o.examples]:
        print(f"\n{name}: dropped {col} ({role}): {question}\n  {sql[:300]}")
        print("  " + ", ".join(m for m in marks if m.startswith("took:")))


if __name__ == "__main__":
    main()
