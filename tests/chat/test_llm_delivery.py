"""Every question delivered when the model answers correct SQL in any quoting SQLite accepts:
litellm runs for real against the local fake server, scripted to answer each question's gold
SQL as written, with double-quoted strings, with every identifier double-quoted, or both."""

import importlib.util
import re
import sqlite3
from pathlib import Path

import pytest
import sqlglot

from chat.answering.evaluation import load_question_set
from chat.answering.pipeline import answer_question

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
_STRING = re.compile(r"'((?:[^']|'')*)'")


def quoted(sql: str, style: int) -> str:
    if style in (2, 3):
        sql = sqlglot.transpile(sql, read="sqlite", write="sqlite", identify=True)[0]
    if style in (1, 3):
        sql = _STRING.sub(
            lambda m: '"' + m.group(1).replace("''", "'") + '"' if '"' not in m.group(1) else m[0],
            sql,
        )
    return sql


def questions() -> tuple[list[dict], object]:
    spec = importlib.util.spec_from_file_location(
        "bench_llm_questions", ROOT / "benchmarks/bench_llm_questions.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    question_set = load_question_set(ROOT / "chat/eval/chinook_questions.yaml")
    items = [q for q in question_set.questions if q.get("sql")] + bench.EXTRA_QUESTIONS
    return items, question_set.today


def test_quoting_styles_are_what_they_claim():
    sql = "SELECT Name FROM Genre WHERE Name = 'Rock'"
    assert quoted(sql, 1) == 'SELECT Name FROM Genre WHERE Name = "Rock"'
    assert quoted(sql, 3) == 'SELECT "Name" FROM "Genre" WHERE "Name" = "Rock"'


@pytest.mark.slow
def test_every_question_is_delivered_in_every_quoting(chinook, chinook_sqlite, fake_llm):
    items, today = questions()
    by_question = {item["question"]: (n, item) for n, item in enumerate(items)}

    def respond(request):
        question = request["messages"][1]["content"].rsplit("Question:", 1)[1].strip()
        n, item = by_question[question]
        return {"sql": quoted(item["sql"], n % 4), "explanation": "Scripted."}

    fake_llm.respond = respond
    truth = sqlite3.connect(chinook_sqlite.params.database)
    undelivered = []
    for item in items:
        answer = answer_question(chinook, item["question"], today=today)
        expected = truth.execute(item["sql"]).fetchall()
        rows_match = sorted(answer.rows, key=repr) == sorted(expected, key=repr)
        if answer.error or not rows_match:
            undelivered.append((item["question"], answer.error or answer.text, answer.sql))
    assert undelivered == []
    assert len(items) >= 80
