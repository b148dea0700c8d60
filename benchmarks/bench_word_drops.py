"""The mutation check (issue 11, item 2) over spider-train's DEV split: for each question the
built-in engine answers, change one word at a time (drop it, swap a comparison word for its
opposite, raise a number, replace it with a made-up word; swap a column, table or value the
question names for another of the schema) and ask again. A change that yields
the very same SQL means the engine ignored a word that may carry meaning.

    .venv/bin/python benchmarks/bench_word_drops.py                      # all dev questions
    .venv/bin/python benchmarks/bench_word_drops.py --sample 400 --examples 3
    .venv/bin/python benchmarks/bench_word_drops.py --report /tmp/dev.json --json /tmp/m.json
    .venv/bin/python benchmarks/bench_word_drops.py --folds /tmp/dev.json   # fold precision

Holdout databases are never read. The engine is asked directly (chat.answering.builtin's
`generate`), on the SQLite copies eval_spider caches, with documents and profiles from the
same introspection and profiling as extraction. `--report` (an `eval_spider --split dev
--json` report) adds whether each base answer was right. `--folds` prints a report's dev
precision on two folds of databases (sorted names, even / odd), the check of whether a change
holds beyond the databases it was seen on. Printed: questions answered, how many had a change
keeping the same SQL (per kind), counts per word and per construct of the base SQL, examples.
"""

import argparse
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

import sqlglot  # noqa: E402
from sqlglot import exp  # noqa: E402

from chat.answering.builtin import generate  # noqa: E402
from chat.answering.builtin.engine import understand  # noqa: E402
from chat.answering.builtin.index import lexicon_for  # noqa: E402
from chat.answering.builtin.mutations import (  # noqa: E402
    KINDS,
    must_change,
    mutations,
    paraphrases,
    schema_swaps,
)
from chat.answering.builtin.reader import Refusal  # noqa: E402
from chat.answering.spider import dataset, load  # noqa: E402
from connections.dialects import ConnectionParams, dialect_class  # noqa: E402
from schemas_app.profiling import profile_document  # noqa: E402


def schema_of(name: str):
    loaded = load.load_sqlite(dataset.default_root(), name)
    engine = dialect_class("sqlite")(
        ConnectionParams(kind="sqlite", database=loaded.params.database)
    )
    try:
        document = engine.introspect()
        return document, profile_document(engine, document)
    finally:
        engine.close()


def asker(document, profiles):
    """question -> the engine's SQL, None when refused; each question asked once."""
    cache: dict[str, str | None] = {}

    def ask(text: str) -> str | None:
        if text not in cache:
            got = generate(text, document=document, profiles=profiles, dialect="sqlite")
            cache[text] = None if got.refused else got.sql
        return cache[text]

    return ask


def mention_kinds(question: str, document, profiles) -> dict[int, str]:
    """Token index -> the kind of mention the engine read it as (role: its role)."""
    try:
        understood = understand(question, lexicon_for(document, profiles))
    except Refusal:
        return {}
    return {
        at: (m.role or m.kind) if m.kind == "role" else m.kind
        for m in understood.mentions
        for at in range(m.start, m.end)
    }


def constructs(sql: str) -> list[str]:
    """What the base query does, to count findings per construct."""
    tree = sqlglot.parse_one(sql, read="sqlite")
    found = [
        name
        for name, kind in (
            ("join", exp.Join),
            ("where", exp.Where),
            ("group", exp.Group),
            ("having", exp.Having),
            ("order", exp.Order),
            ("limit", exp.Limit),
            ("distinct", exp.Distinct),
            ("count", exp.Count),
            ("avg/sum/min/max", (exp.Avg, exp.Sum, exp.Min, exp.Max)),
            ("like", exp.Like),
            ("subquery", exp.Subquery),
            ("set operation", exp.SetOperation),
            ("not exists/in", exp.Not),
        )
        if tree.find(kind)
    ]
    return found or ["plain select"]


def folds(report_path: Path) -> None:
    rows = json.loads(report_path.read_text())["results"]
    names = sorted({r["database"] for r in rows if r.get("split") == "dev"})
    for label, part in (("A (even)", names[0::2]), ("B (odd)", names[1::2])):
        mine = [r for r in rows if r["database"] in set(part) and r["status"] != "gold_error"]
        answered = [r for r in mine if r["status"] != "refused"]
        right = sum(r["status"] == "match" for r in answered)
        share = 100 * len(answered) / max(len(mine), 1)
        precision = 100 * right / max(len(answered), 1)
        print(
            f"fold {label}: {len(mine)} questions, answered {len(answered)} ({share:.1f} %), "
            f"right {right}, precision {precision:.1f} %, wrong {len(answered) - right}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=None, help="N dev questions, seeded")
    parser.add_argument("--databases", default="", help="comma-separated dev databases")
    parser.add_argument(
        "--kinds",
        default=",".join((*KINDS, "schema", "paraphrase")),
        help="drop,swap,number,unknown,schema (column/table/value swaps),paraphrase",
    )
    parser.add_argument("--report", type=Path, default=None, help="eval_spider dev JSON")
    parser.add_argument("--examples", type=int, default=2, help="examples per word")
    parser.add_argument("--top", type=int, default=40, help="words listed")
    parser.add_argument("--json", dest="json_path", type=Path, default=None)
    parser.add_argument("--folds", type=Path, default=None, help="only print fold precision")
    o = parser.parse_args()
    if o.folds:
        return folds(o.folds)
    kinds = tuple(k for k in o.kinds.split(",") if k)
    databases = [d.strip() for d in o.databases.split(",") if d.strip()] or None
    chosen = dataset.select_questions(
        dataset.default_root(), databases=databases, split="dev", sample=o.sample
    )
    status = {}
    if o.report:
        for r in json.loads(o.report.read_text())["results"]:
            status[(r["database"], r["number"])] = r["status"]

    answered = 0
    flagged: list[dict] = []
    differ: list[dict] = []  # paraphrases answered with another SQL
    for name, questions in chosen.items():
        document, profiles = schema_of(name)
        ask = asker(document, profiles)
        for q in questions:
            sql = ask(q.question)
            if not sql:
                continue
            answered += 1
            changes = mutations(q.question, kinds)
            if "schema" in kinds:
                changes += schema_swaps(q.question, lexicon_for(document, profiles))
            same = [m for m in changes if ask(m.question) == sql]
            if "paraphrase" in kinds:
                for m in paraphrases(q.question):
                    other = ask(m.question)
                    if other and other != sql:  # one of the two answers is wrong
                        differ.append(
                            dict(database=name, base=q.question, changed=m.question, sql=sql,
                                 other=other)
                        )  # fmt: skip
            if same:
                kinds_at = mention_kinds(q.question, document, profiles)
                flagged.append(
                    dict(
                        database=name,
                        number=q.number,
                        question=q.question,
                        sql=sql,
                        status=status.get((name, q.number), "?"),
                        constructs=constructs(sql),
                        same=[
                            {
                                **m.__dict__,
                                "mention": kinds_at.get(m.at, "?"),
                                "must": must_change(m),
                            }
                            for m in same
                        ],
                    )
                )
    summarise(answered, flagged, o)
    print(f"\nparaphrases answered with another SQL (one of the two is wrong): {len(differ)}")
    for d in differ[: o.top]:
        print(f"  {d['base']}\n    -> {d['changed']}\n    {d['sql']}\n    {d['other']}")
    if o.json_path:
        report = dict(answered=answered, flagged=flagged, paraphrases=differ)
        o.json_path.write_text(json.dumps(report, indent=1))


def summarise(answered: int, flagged: list[dict], o) -> None:
    def questions_with(test) -> int:
        return sum(any(test(m) for m in f["same"]) for f in flagged)

    print(f"answered dev questions: {answered}")
    print(f"with a change keeping the same SQL: {len(flagged)}")
    print(f"  of which a change that must not (swap, number, made-up word, dropped operator "
          f"word): {questions_with(lambda m: m['must'])}")  # fmt: skip
    print(f"  content word dropped (not an engine function word): "
          f"{questions_with(lambda m: m['kind'] == 'drop' and not m['function_word'])}")  # fmt: skip
    print(f"  engine function word dropped: "
          f"{questions_with(lambda m: m['kind'] == 'drop' and m['function_word'])}")  # fmt: skip
    for kind in ("swap", "number", "unknown", "column", "table", "value"):
        print(f"  {kind}: {questions_with(lambda m, k=kind: m['kind'] == k)}")
    if any(f["status"] != "?" for f in flagged):
        print("  base status of flagged questions:", dict(Counter(f["status"] for f in flagged)))
    words: Counter = Counter()
    examples: dict[tuple, list[str]] = defaultdict(list)
    per_construct: Counter = Counter()
    for f in flagged:
        per_construct.update(f["constructs"])
        for m in f["same"]:
            key = (m["kind"], m["word"], m["function_word"], m.get("mention", "?"))
            words[key] += 1
            if len(examples[key]) < o.examples:
                examples[key].append(f"{f['question']}  [{f['status']}]  -> {m['question']}")
    per_mention = Counter((m["kind"], m.get("mention", "?")) for f in flagged for m in f["same"])
    print("\nper kind of change and what the engine read the word as (changes):")
    for (kind, mention), n in per_mention.most_common():
        print(f"  {n:5}  {kind:7} {mention}")
    print("\nper construct of the base query (questions):")
    for construct, n in per_construct.most_common():
        print(f"  {n:5}  {construct}")
    print(f"\nper word (top {o.top}; * = an engine function word):")
    for (kind, word, function_word, mention), n in words.most_common(o.top):
        print(f"  {n:5}  {kind:7} {word}{' *' if function_word else ''}  (read as {mention})")
        for example in examples[(kind, word, function_word, mention)]:
            print(f"           {example}")


if __name__ == "__main__":
    main()
