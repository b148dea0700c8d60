"""Execution accuracy of the configured engine on a file of {question, sql} pairs.

Each question goes through answer_question, the product's own path (the built-in engine, or
the LLM when LLM_MODEL is set; guard, schema check, execution with row cap), and the rows it
returns are compared with the gold SQL's. A prediction counts as correct when it returns the
same multiset of rows as the gold (in order only when the gold has ORDER BY) under some order
of its columns, as Spider's official execution evaluation (test-suite-sql-eval) grades: "the
name and age of ..." answered as (age, name) is the same answer, so the prediction's columns
may be permuted, their number may not. The identity is tried first; then only orders that
give each gold column a prediction column with the same multiset of values (cheap, and at most
a few hundred). Values are normalised first, because engines disagree on types:
Decimal/float/int compare after rounding to 2 places, dates as ISO text (a midnight datetime
as its date), booleans as 0/1.

A question set is a list of items, or a mapping {today: DATE, questions: [...]} when its gold
SQL depends on the date relative dates count from ("last year"). Items: `question`, `sql`
(gold; null = must be refused), `contains` (for answers read from the schema, such as "which
tables exist?": words the answer text must hold).
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import sqlglot

from connections.dialects import SQLGLOT_DIALECTS
from connections.models import Connection

MAX_ROWS = 10_000


@dataclass
class QuestionSet:
    questions: list[dict]
    today: date | None = None


def load_question_set(path: str | Path) -> QuestionSet:
    text = Path(path).read_text(encoding="utf-8")
    if str(path).endswith(".json"):
        data = json.loads(text)
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(str(exc)) from None
    if isinstance(data, dict):
        today = data.get("today")
        if isinstance(today, str):
            today = date.fromisoformat(today)
        if today is not None and not isinstance(today, date):
            raise ValueError(f"today must be a date (YYYY-MM-DD), not {today!r}")
        data = QuestionSet(data.get("questions") or [], today)
    else:
        data = QuestionSet(data)
    if not isinstance(data.questions, list) or not all(
        isinstance(q, dict) and q.get("question") for q in data.questions
    ):
        raise ValueError("expected a list of {question, sql} items")
    return data


def load_questions(path: str | Path) -> list[dict]:
    return load_question_set(path).questions


def normalize(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(" ")
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) == 19 and value.endswith(" 00:00:00"):
        return value[:10]  # SQLite keeps datetimes as text
    return value


MAX_PERMUTATIONS = 200


def same_rows(gold: list[tuple], predicted: list[tuple], ordered: bool) -> bool:
    """Equal as multisets of rows (as lists when `ordered`), under some order of the
    prediction's columns: "name and age" answered as (age, name) is the same answer."""
    g = [tuple(map(normalize, r)) for r in gold]
    p = [tuple(map(normalize, r)) for r in predicted]
    if _equal(g, p, ordered):
        return True
    if not g or len(g) != len(p) or len(g[0]) != len(p[0]) or len(g[0]) < 2:
        return False
    return any(
        _equal(g, [tuple(row[i] for i in order) for row in p], ordered)
        for order in _column_orders(g, p)
    )


def _equal(g: list[tuple], p: list[tuple], ordered: bool) -> bool:
    return g == p if ordered else Counter(g) == Counter(p)


def _column_orders(g: list[tuple], p: list[tuple]):
    """Orders of the prediction's columns worth trying: each gold column takes a prediction
    column holding the same multiset of values (so most candidates fail before any row is
    compared), at most MAX_PERMUTATIONS of them, never the identity (already tried)."""
    width = len(g[0])

    def values(rows: list[tuple], i: int) -> Counter:
        return Counter(row[i] for row in rows)

    mine = [values(p, i) for i in range(width)]
    choices = [[i for i in range(width) if mine[i] == values(g, j)] for j in range(width)]
    tried = 0

    def extend(order: tuple[int, ...]):
        nonlocal tried
        if tried >= MAX_PERMUTATIONS:
            return
        if len(order) == width:
            tried += 1
            if order != tuple(range(width)):
                yield order
            return
        for i in choices[len(order)]:
            if i not in order:
                yield from extend((*order, i))

    return extend(())


def gold_for(item: dict, kind: str) -> str | None:
    """Gold SQL is written for SQLite; a per-dialect override (`sql_<kind>`) wins, else it is
    transpiled with sqlglot."""
    if item.get(f"sql_{kind}"):
        return item[f"sql_{kind}"]
    sql = item.get("sql")
    if not sql or kind == "sqlite":
        return sql
    return sqlglot.transpile(sql, read="sqlite", write=SQLGLOT_DIALECTS[kind])[0]


def evaluate(
    connection: Connection,
    questions: list[dict],
    *,
    today: date | None = None,
    gold_first: bool = False,
) -> dict:
    """Run every question through answer_question; returns {"results": [...], "totals": {...},
    "engine": ...}. `today`: what relative dates count from (the set's own date).
    `gold_first`: run each gold query before asking, so a question whose gold fails is a
    gold_error whether or not the engine would have answered it (the spider benchmark: its
    totals must not depend on which questions the engine happened to refuse)."""
    from schemas_app.services import extract_now, latest_snapshot

    from .pipeline import answer_question, load_schema

    if latest_snapshot(connection) is None:
        extract_now(connection, with_profile=True)
    schema = load_schema(connection)
    engine = connection.engine()
    results, timings, engines = [], [], Counter()

    def run(sql: str) -> list[tuple]:
        # Gold SQL comes from the question set in the repository, not from a user or a
        # generator: it runs without the SQL guard (on the read-only session all the same).
        return list(engine.execute(sql, max_rows=MAX_ROWS, timeout=30).rows)

    for item in questions:
        question = item["question"]
        must_refuse = item.get("refuse") or not (item.get("sql") or item.get("contains"))
        gold = gold_rows = None
        if gold_first and not must_refuse and not item.get("contains"):
            gold = gold_for(item, connection.kind)
            try:
                gold_rows = run(gold)
            except Exception as exc:  # not asked: no answer could be graded
                row = {"question": question, "predicted": None, "must_refuse": False}
                row.update(status="gold_error", gold=gold, error=str(exc)[:300], ms=0.0)
                results.append(row)
                continue
        answer = answer_question(
            connection, question, schema=schema, max_rows=MAX_ROWS, today=today
        )
        engines[answer.engine] += 1
        timings.append(answer.timings_ms.get("generate", 0.0))
        row = {
            "question": question,
            "predicted": answer.sql,
            "must_refuse": bool(must_refuse),
            "ms": answer.timings_ms.get("total", 0.0),
        }
        if gold:
            row["gold"] = gold
        if answer.refused:
            row["status"] = "refused_ok" if must_refuse else "refused"
            row["reason"] = answer.text
        elif answer.error:  # the query failed: no answer, but not a wrong one either
            row.update(status="error", error=answer.error[:300])
        elif must_refuse:
            row["status"] = "wrong"
        elif item.get("contains"):  # answered from the schema document, no SQL to compare
            found = all(word.lower() in answer.text.lower() for word in item["contains"])
            row["status"] = "match" if found else "wrong"
        else:
            if gold_rows is None:
                gold = gold_for(item, connection.kind)
                try:
                    gold_rows = run(gold)
                except Exception as exc:  # a broken gold query is the set's fault; report it
                    row.update(status="gold_error", error=str(exc)[:300])
                    results.append(row)
                    continue
            row["gold"] = gold
            ordered = "order by" in gold.lower()
            row["status"] = "match" if same_rows(gold_rows, answer.rows, ordered) else "wrong"
        results.append(row)

    counts = Counter(r["status"] for r in results)
    graded = [
        r for r in results if not r["must_refuse"] and r["status"] in ("match", "wrong", "error")
    ]
    answerable = [r for r in results if not r["must_refuse"]]
    answered = [r for r in answerable if r["status"] != "refused"]
    totals = {
        "questions": len(results),
        "answerable": len(answerable),
        "answered": len(answered),
        "answered_pct": round(100 * len(answered) / max(1, len(answerable)), 1),
        "matches": counts["match"],
        "execution_accuracy_pct": round(100 * counts["match"] / max(1, len(graded)), 1),
        "wrong": sum(1 for r in results if r["status"] == "wrong" and not r["must_refuse"]),
        "errors": counts["error"],
        "gold_errors": counts["gold_error"],
        "must_refuse": sum(1 for r in results if r["must_refuse"]),
        "answered_but_should_refuse": sum(
            1 for r in results if r["must_refuse"] and r["status"] == "wrong"
        ),
        "generate_ms_p50": round(statistics.median(timings), 2) if timings else 0.0,
        "generate_ms_max": round(max(timings), 2) if timings else 0.0,
    }
    return {
        "connection": connection.name,
        "kind": connection.kind,
        "engine": ", ".join(engines) or "none",
        "today": today.isoformat() if today else None,
        "results": results,
        "totals": totals,
    }
