"""Execution accuracy of the built-in engine on a file of {question, sql} pairs.

A prediction counts as correct when it returns the same multiset of rows as the gold SQL
(in order only when the gold has ORDER BY). Values are normalised first, because engines
disagree on types: Decimal/float/int compare after rounding to 2 places, dates as ISO text
(a midnight datetime as its date), booleans as 0/1.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import sqlglot

from connections.dialects import SQLGLOT_DIALECTS
from connections.models import Connection

from .builtin import generate

MAX_ROWS = 10_000


def load_questions(path: str | Path) -> list[dict]:
    text = Path(path).read_text(encoding="utf-8")
    if str(path).endswith(".json"):
        return json.loads(text)
    import yaml

    return yaml.safe_load(text)


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


def same_rows(gold: list[tuple], predicted: list[tuple], ordered: bool) -> bool:
    g = [tuple(map(normalize, r)) for r in gold]
    p = [tuple(map(normalize, r)) for r in predicted]
    return g == p if ordered else Counter(g) == Counter(p)


def gold_for(item: dict, kind: str) -> str | None:
    """Gold SQL is written for SQLite; a per-dialect override (`sql_<kind>`) wins, else it is
    transpiled with sqlglot."""
    if item.get(f"sql_{kind}"):
        return item[f"sql_{kind}"]
    sql = item.get("sql")
    if not sql or kind == "sqlite":
        return sql
    return sqlglot.transpile(sql, read="sqlite", write=SQLGLOT_DIALECTS[kind])[0]


def evaluate(connection: Connection, questions: list[dict]) -> dict:
    """Run every question; returns {"results": [...], "totals": {...}}."""
    from schemas_app.services import (
        extract_now,
        latest_snapshot,
        snapshot_document,
        snapshot_profiles,
    )

    snapshot = latest_snapshot(connection) or extract_now(connection, with_profile=True)
    document, profiles = snapshot_document(snapshot.pk), snapshot_profiles(snapshot.pk)
    engine = connection.engine()
    results, timings = [], []

    def run(sql: str) -> list[tuple]:
        return list(engine.execute(sql, max_rows=MAX_ROWS, timeout=30).rows)

    for item in questions:
        question = item["question"]
        must_refuse = item.get("refuse") or not item.get("sql")
        started = time.perf_counter()
        generated = generate(
            question, document=document, profiles=profiles, dialect=connection.kind
        )
        timings.append((time.perf_counter() - started) * 1000)
        row = {"question": question, "predicted": generated.sql, "must_refuse": bool(must_refuse)}
        answered = bool(generated.sql) or (not generated.refused and bool(generated.explanation))
        if must_refuse:
            row["status"] = "wrong" if answered else "refused_ok"
        elif not answered:
            row["status"] = "refused"
            row["reason"] = generated.reason
        elif not generated.sql:
            row["status"] = "answered_text"  # schema questions are answered from the document
        else:
            gold = gold_for(item, connection.kind)
            try:
                gold_rows = run(gold)
            except Exception as exc:  # a broken gold query is the set's fault; report it
                row.update(status="gold_error", error=str(exc)[:300])
                results.append(row)
                continue
            try:
                predicted_rows = run(generated.sql)
            except Exception as exc:
                row.update(status="error", error=str(exc)[:300])
                results.append(row)
                continue
            ordered = "order by" in gold.lower()
            row["status"] = "match" if same_rows(gold_rows, predicted_rows, ordered) else "wrong"
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
        "engine_ms_p50": round(statistics.median(timings), 2) if timings else 0.0,
        "engine_ms_max": round(max(timings), 2) if timings else 0.0,
    }
    return {
        "connection": connection.name,
        "kind": connection.kind,
        "results": results,
        "totals": totals,
    }
