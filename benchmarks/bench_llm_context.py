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
import random
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
from sqlglot import exp  # noqa: E402
from sqlglot.optimizer.qualify import qualify  # noqa: E402

from chat.answering import context as ctx  # noqa: E402
from chat.answering.evaluation import load_question_set  # noqa: E402
from connections.dialects import ConnectionParams, dialect_class  # noqa: E402
from connections.dialects.schema import Column, ForeignKey, SchemaDocument, Table  # noqa: E402
from schemas_app.profiling import profile_document  # noqa: E402
from schemas_app.sampling import sample_tables  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHINOOK_SQL = ROOT.parent / "shared/datasets/chinook/Chinook_Sqlite.sql"

from bench_llm_questions import EXTRA_QUESTIONS  # noqa: E402

VERSION_TAGS = (
    "archive backup bak staging stg old v2 v3 2019 2020 copy tmp history snapshot legacy "
    "dev test import raw replica"
).split()
DERIVED = (
    "Note Stat Log Summary Audit Event Tag Review Rating Link Map Detail Profile Metric Report "
    "Daily Monthly Queue Alias Request Feedback Flag Score Segment Contact Address Share Rank "
    "Chart Trend"
).split()
DOMAIN_NOUNS = (
    "Order OrderLine Product Supplier Store Shipment Vendor Payment Subscription Podcast Episode "
    "Movie Book Author Publisher Concert Venue Ticket Label Band Song Radio Station Member "
    "Account Contract Region Warehouse Lead Opportunity Campaign Partner Refund Coupon Cart "
    "Wishlist Download Stream Device Session Course Student Teacher Event Festival Tour Merch"
).split()
PREFIXES = "crm sales web app etl bi fin ops hr mkt music store".split()
SHARED_COLUMNS = (
    "Name Title Country City State Total UnitPrice Quantity Email Phone FirstName LastName "
    "Composer Milliseconds InvoiceDate BillingCountry Company PostalCode Address CustomerId "
    "ArtistId TrackId GenreId AlbumId"
).split()
FILLER = "CreatedAt UpdatedAt Status Code Value Score Amount Description Kind Source".split()


def chinook() -> tuple[SchemaDocument, dict, str]:
    path = Path(tempfile.mkdtemp(prefix="datachat-chinook-")) / "chinook.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(CHINOOK_SQL.read_text(encoding="utf-8-sig"))
    engine = dialect_class("sqlite")(ConnectionParams(kind="sqlite", database=str(path)))
    document = engine.introspect()
    sample_tables(engine, document)
    return document, profile_document(engine, document), str(path)


def adversarial(document: SchemaDocument, profiles: dict, total: int, seed: int = 11):
    """Chinook's tables plus look-alikes up to `total` tables, and their profiles."""
    rng = random.Random(seed)
    real = {t.name: t for t in document.tables}
    column_profiles: dict[str, dict] = {}
    for table in document.tables:
        for name, stats in (profiles.get(table.qualified_name) or {}).items():
            column_profiles.setdefault(name, stats)
    tables: list[Table] = []
    out_profiles = dict(profiles)
    names = set(real)

    def add(table: Table, profile: dict) -> None:
        if table.name in names or len(tables) + len(real) >= total:
            return
        names.add(table.name)
        tables.append(table)
        out_profiles[table.qualified_name] = profile

    # Versioned copies: same columns, values and samples; keys to the copies of the same tag.
    for tag in VERSION_TAGS:
        for table in document.tables:
            style = rng.randrange(3)
            name = (
                f"{table.name}_{tag}"
                if style == 0
                else f"{tag}_{table.name}"
                if style == 1
                else f"{table.name}{tag.capitalize()}"
            )
            fks = [
                ForeignKey(
                    fk.columns,
                    "main",
                    _versioned(fk.referred_table, tag, style),
                    fk.referred_columns,
                )
                for fk in table.foreign_keys
            ]
            add(
                Table(
                    schema="main",
                    name=name,
                    columns=[
                        Column(c.name, c.type, primary_key=c.primary_key) for c in table.columns
                    ],
                    primary_key=list(table.primary_key),
                    foreign_keys=fks,
                    sample_rows=table.sample_rows,
                ),
                profiles.get(table.qualified_name, {}),
            )
    # Derived tables: a few of the real table's columns and a key to it.
    for suffix in DERIVED:
        for table in document.tables:
            key = table.primary_key[0] if table.primary_key else table.columns[0].name
            others = [c for c in table.columns if c.name != key]
            kept = rng.sample(others, min(len(others), rng.randint(1, 4)))
            columns = [Column(f"{table.name}{suffix}Id", "INTEGER", primary_key=True)]
            columns += [Column(key, "INTEGER")] + [Column(c.name, c.type) for c in kept]
            columns += [
                Column(f, rng.choice(["TEXT", "INTEGER", "REAL"])) for f in rng.sample(FILLER, 3)
            ]
            profile = {
                c.name: column_profiles[c.name] for c in columns if c.name in column_profiles
            }
            add(
                Table(
                    schema="main",
                    name=f"{table.name}{suffix}",
                    columns=columns,
                    primary_key=[columns[0].name],
                    foreign_keys=[ForeignKey([key], "main", table.name, [key])],
                ),
                profile,
            )
    # Neighbouring domains, sharing Chinook's column names and values.
    i = 0
    while len(tables) + len(real) < total:
        noun = rng.choice(DOMAIN_NOUNS)
        name = f"{rng.choice(PREFIXES)}_{noun}" + (f"_{i}" if rng.random() < 0.7 else "")
        i += 1
        shared = rng.sample(SHARED_COLUMNS, rng.randint(2, 6))
        columns = [Column(f"{noun}Id", "INTEGER", primary_key=True)]
        columns += [
            Column(c, "TEXT" if c[0].isupper() and not c.endswith("Id") else "INTEGER")
            for c in shared
        ]
        columns += [Column(f, "TEXT") for f in rng.sample(FILLER, rng.randint(1, 4))]
        fks = [
            ForeignKey([c], "main", c[:-2], [c])
            for c in shared
            if c.endswith("Id") and c[:-2] in real and rng.random() < 0.5
        ]
        profile = {c.name: column_profiles[c.name] for c in columns if c.name in column_profiles}
        add(
            Table(
                schema="main",
                name=name,
                columns=columns,
                primary_key=[columns[0].name],
                foreign_keys=fks,
            ),
            profile,
        )
    # The real tables somewhere in the middle, as a catalog lists them (alphabetically).
    everything = sorted(document.tables + tables, key=lambda t: t.name.lower())
    return SchemaDocument(dialect="sqlite", tables=everything), out_profiles


def _versioned(name: str, tag: str, style: int) -> str:
    return (
        f"{name}_{tag}"
        if style == 0
        else f"{tag}_{name}"
        if style == 1
        else f"{name}{tag.capitalize()}"
    )


def questions() -> tuple[list[dict], object]:
    question_set = load_question_set(ROOT / "chat/eval/chinook_questions.yaml")
    items = [q for q in question_set.questions if q.get("sql")] + EXTRA_QUESTIONS
    return items, question_set.today


def gold(sql: str, document: SchemaDocument) -> dict[str, set[str]]:
    """{table: {columns}} the gold SQL reads (stars expanded)."""
    mapping = {t.name: {c.name: "TEXT" for c in t.columns} for t in document.tables}
    tree = qualify(
        sqlglot.parse_one(sql, read="sqlite"),
        schema=mapping,
        dialect="sqlite",
        quote_identifiers=False,
        identify=False,
    )
    aliases: dict[str, str] = {}
    for table in tree.find_all(exp.Table):
        aliases[(table.alias or table.name).lower()] = table.name
    by_lower = {t.name.lower(): t for t in document.tables}
    out: dict[str, set[str]] = {}
    for table in tree.find_all(exp.Table):
        out.setdefault(by_lower[table.name.lower()].name, set())
    for column in tree.find_all(exp.Column):
        real = aliases.get(column.table.lower())
        if real is None:
            continue  # a derived table's column: its own columns are counted inside it
        table = by_lower[real.lower()]
        spelled = next(
            (c.name for c in table.columns if c.name.lower() == column.name.lower()), None
        )
        if spelled:
            out[table.name].add(spelled)
    return out


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


def end_to_end(document, profiles, items, today, database, budget, verbose=False):
    from django.conf import settings
    from django.core.management import call_command

    from chat.answering.pipeline import LoadedSchema, answer_question
    from connections.models import Connection
    from tests.chat.fake_llm import FakeLLM

    by_question = {item["question"]: (n, item) for n, item in enumerate(items)}

    def respond(request):
        user = request["messages"][1]["content"]
        question = user.rsplit("Question:", 1)[1].strip()
        n, item = by_question[question]
        return {"sql": quoted(item["sql"], n % 4), "explanation": "Scripted."}

    server = FakeLLM().start()
    server.respond = respond
    settings.LLM_MODEL = "openai/fake-model"
    settings.LLM_API_BASE = server.api_base
    settings.LLM_API_KEY = "sk-fake"
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
        big, big_profiles = adversarial(base, base_profiles, args.tables, seed=args.seed)
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
