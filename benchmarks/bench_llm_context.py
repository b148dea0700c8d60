"""Schema linking on an adversarial 2,000-table schema, and the LLM path end to end with a
scripted model.

The schema: Chinook (SQLite, introspected, sampled and profiled by our own code) plus
generated look-alikes that share its column names and values: versioned copies of every table
(Customer_archive, stg_Invoice, Track_v2, ...) with the same columns, profiles and sample rows;
derived tables (CustomerNote, InvoiceSummary, TrackReview, ...) holding a few of the real
table's columns and a foreign key to it; and tables of neighbouring domains (sales_Order,
crm_Contact, web_Song, ...) with CustomerId, Name, Title, Country, Total, UnitPrice columns and
Chinook's own values. 2,000 tables in all.

The questions: every Chinook question with gold SQL (chat/eval/chinook_questions.yaml) plus
benchmarks/bench_llm_questions.py. Gold tables and columns come from the gold SQL (sqlglot
`qualify` against Chinook's schema). Context recall: the share of questions whose prompt holds
every gold table AND every gold column, within the token budget (counted with litellm's
counter).

End to end: answer_question on the real Chinook file with a local OpenAI-compatible server
(tests/chat/fake_llm.py) scripted to answer each question's gold SQL, in turn as written, with
double-quoted string literals, with every identifier double-quoted, and both. Delivered: no
error and the gold rows. Overhead outside the model: total time minus the model calls (the
litellm round trips to the instant local server) minus the query's execution.

    .venv/bin/python benchmarks/bench_llm_context.py [--budget 3000] [--tables 2000]
        [--chinook-only] [--no-e2e] [--show-prompt "question"] [--verbose]
"""

import argparse
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["DATACHAT_DATA_DIR"] = tempfile.mkdtemp(prefix="datachat-bench-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

import django  # noqa: E402

django.setup()

import sqlglot  # noqa: E402

from chat.answering import context as ctx  # noqa: E402
from chat.answering.evaluation import load_question_set  # noqa: E402
from connections.dialects import ConnectionParams, dialect_class  # noqa: E402
from connections.dialects.schema import SchemaDocument  # noqa: E402
from schemas_app.profiling import profile_document  # noqa: E402
from schemas_app.sampling import sample_tables  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHINOOK_SQL = ROOT.parent / "shared/datasets/chinook/Chinook_Sqlite.sql"

from bench_llm_questions import EXTRA_QUESTIONS, adversarial, gold  # noqa: E402


def chinook() -> tuple[SchemaDocument, dict, str]:
    path = Path(tempfile.mkdtemp(prefix="datachat-chinook-")) / "chinook.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(CHINOOK_SQL.read_text(encoding="utf-8-sig"))
    engine = dialect_class("sqlite")(ConnectionParams(kind="sqlite", database=str(path)))
    document = engine.introspect()
    sample_tables(engine, document)
    return document, profile_document(engine, document), str(path)


def questions() -> tuple[list[dict], object]:
    question_set = load_question_set(ROOT / "chat/eval/chinook_questions.yaml")
    items = [q for q in question_set.questions if q.get("sql")] + EXTRA_QUESTIONS
    return items, question_set.today


def shown_columns(context) -> dict[str, set[str]]:
    """{table name: columns} the prompt shows, from the context's own record."""
    columns = getattr(context, "columns", None)
    if columns is None:  # an older context without the record: tables shown whole
        return {name.split(".")[-1]: _ALL for name in context.tables}
    return {name.split(".")[-1]: set(cols) for name, cols in columns.items()}


class _All(set):
    def __rsub__(self, other):
        return set()


_ALL = _All()


def recall(document, profiles, items, today, budget, verbose=False):
    times, tokens, misses = [], [], []
    ctx.build_context(
        "warm up", document=document, profiles=profiles, dialect="sqlite", budget_tokens=budget
    )
    for item in items:
        started = time.perf_counter()
        context = ctx.build_context(
            item["question"],
            document=document,
            profiles=profiles,
            dialect="sqlite",
            budget_tokens=budget,
            today=today,
        )
        times.append((time.perf_counter() - started) * 1000)
        tokens.append(context.token_estimate)
        shown = shown_columns(context)
        lacking = []
        for table, columns in item["gold"].items():
            if table not in shown:
                lacking.append(table)
            else:
                lacking += [f"{table}.{c}" for c in sorted(columns - shown[table])]
        if lacking:
            misses.append((item["question"], lacking))
    return times, tokens, misses


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --- end to end with a scripted model ---------------------------------------------------------

_STRING = re.compile(r"'((?:[^']|'')*)'")


def quoted(sql: str, style: int) -> str:
    """The gold SQL as a model might write it: 0 as is, 1 double-quoted strings, 2 every
    identifier double-quoted, 3 both."""
    if style in (2, 3):
        sql = sqlglot.transpile(sql, read="sqlite", write="sqlite", identify=True)[0]
    if style in (1, 3):
        sql = _STRING.sub(
            lambda m: (
                '"' + m.group(1).replace("''", "'") + '"' if '"' not in m.group(1) else m.group(0)
            ),
            sql,
        )
    return sql


def scripted_model(items, settings):
    """Start the local OpenAI-compatible server answering each question's gold SQL (quoted in
    one of four ways, by position) and point the settings at it; the caller stops it."""
    from tests.chat.fake_llm import FakeLLM

    by_question = {item["question"]: (n, item) for n, item in enumerate(items)}

    def respond(request):
        question = request["messages"][1]["content"].rsplit("Question:", 1)[1].strip()
        n, item = by_question[question]
        return {"sql": quoted(item["sql"], n % 4), "explanation": "Scripted."}

    server = FakeLLM().start()
    server.respond = respond
    settings.LLM_MODEL = "openai/fake-model"
    settings.LLM_API_BASE = server.api_base
    settings.LLM_API_KEY = "sk-fake"
    return server


def end_to_end(document, profiles, items, today, database, budget, verbose=False):
    from django.conf import settings
    from django.core.management import call_command

    from chat.answering.pipeline import LoadedSchema, answer_question
    from connections.models import Connection

    server = scripted_model(items, settings)
    settings.LLM_TIMEOUT = 10
    settings.CONTEXT_TOKEN_BUDGET = budget
    call_command("migrate", verbosity=0)  # a throw-away system database in a temporary folder
    connection = Connection(name="chinook", kind="sqlite", database=database, color="#336699")
    schema = LoadedSchema(1, document, profiles, ())
    truth = sqlite3.connect(database)
    delivered, overheads, model_ms, failures = 0, [], [], []
    for item in items * 2:  # the first pass warms caches and litellm
        answer = answer_question(connection, item["question"], schema=schema, today=today)
        expected = truth.execute(item["sql"]).fetchall()
        calls = answer.usage.get("calls", [])
        model = sum(c["latency_ms"] for c in calls)
        overhead = answer.timings_ms["total"] - model - answer.timings_ms.get("execute", 0.0)
        overheads.append(overhead)
        model_ms.append(model)
        ok = answer.error == "" and sorted(map(_norm, answer.rows), key=repr) == sorted(
            map(_norm, expected), key=repr
        )
        delivered += ok
        if not ok:
            failures.append((item["question"], answer.error or answer.text, answer.sql))
    server.stop()
    half = len(items)
    return {
        "delivered": delivered / 2,
        "questions": half,
        "overhead_p50": statistics.median(overheads[half:]),
        "overhead_p95": percentile(overheads[half:], 0.95),
        "model_p50": statistics.median(model_ms[half:]),
        "failures": failures[len(failures) // 2 :] if failures else [],
    }


def _norm(row):
    return tuple(round(v, 6) if isinstance(v, float) else v for v in row)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--budget", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=11, help="of the generated look-alikes")
    parser.add_argument("--unkeyed", action="store_true", help="look-alikes without FKs to Chinook")
    parser.add_argument("--chinook-only", action="store_true")
    parser.add_argument("--no-e2e", action="store_true")
    parser.add_argument("--show-prompt", default="")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    base, base_profiles, database = chinook()
    items, today = questions()
    for item in items:
        item["gold"] = gold(item["sql"], base)
    schemas = [("Chinook alone", base, base_profiles)]
    if not args.chinook_only:
        big, big_profiles = adversarial(
            base, base_profiles, args.tables, seed=args.seed, keyed=not args.unkeyed
        )
        schemas.append((f"adversarial {len(big.tables)} tables", big, big_profiles))
    print(f"{len(items)} questions with gold tables and columns; budget {args.budget} tokens")
    for label, document, profiles in schemas:
        started = time.perf_counter()
        ctx.build_context(
            "warm up",
            document=document,
            profiles=profiles,
            dialect="sqlite",
            budget_tokens=args.budget,
        )
        build_ms = (time.perf_counter() - started) * 1000
        times, tokens, misses = recall(document, profiles, items, today, args.budget)
        hit = len(items) - len(misses)
        print(
            f"{label}: recall {hit}/{len(items)} = {100 * hit / len(items):.1f}%; "
            f"build_context p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms; "
            f"prompt p50 {statistics.median(tokens):.0f}, max {max(tokens)} tokens; "
            f"index build {build_ms:.0f} ms"
        )
        for question, lacking in misses:
            print(f"  missing {lacking}: {question}")
        if args.show_prompt:
            from chat.answering import llm

            context = ctx.build_context(
                args.show_prompt,
                document=document,
                profiles=profiles,
                dialect="sqlite",
                budget_tokens=args.budget,
                today=today,
            )
            for message in llm.build_messages(args.show_prompt, context, "sqlite"):
                print(f"--- {message['role']} ---\n{message['content']}")
        if not args.no_e2e:
            result = end_to_end(document, profiles, items, today, database, args.budget)
            print(
                f"{label} end to end (scripted model, 4 quotings): delivered "
                f"{result['delivered']}/{result['questions']}; overhead outside the model "
                f"p50 {result['overhead_p50']:.1f} ms, p95 {result['overhead_p95']:.1f} ms "
                f"(model round trip to the local server p50 {result['model_p50']:.1f} ms)"
            )
            for question, error, sql in result["failures"]:
                print(f"  not delivered: {question}: {error[:200]} [{sql}]")


if __name__ == "__main__":
    main()
