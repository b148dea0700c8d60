"""manage.py ask: prints SQL, rows and the answer; non-zero exit on errors and refusals."""

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_prints_sql_rows_and_answer(chinook, fake_llm, capsys):
    fake_llm.reply(
        {
            "sql": "SELECT Country, count(*) AS n FROM Customer GROUP BY Country ORDER BY n DESC",
            "explanation": "Customers per country, most first.",
        }
    )
    call_command("ask", "--connection", "chinook", "customers per country")
    out = capsys.readouterr().out
    assert "SQL (openai/fake-model):" in out and "GROUP BY Country" in out
    header = next(line for line in out.splitlines() if line.startswith("Country"))
    assert header.split(" | ")[1].strip() == "n"
    assert "USA" in out and "| 13" in out
    assert out.rstrip().endswith("Customers per country, most first. Result: 24 rows.")


@pytest.mark.parametrize(
    "question, shown",
    [
        ("What tables exist?", ["InvoiceLine", "The database has 11 tables"]),
        ("Describe the orders table", []),  # no such table in Chinook: refused below
        ("Describe the Track table", ["Milliseconds", "Table Track has columns"]),
        ("Show sample rows from Genre", ["SQL (builtin)", "Rock"]),
        ("How many rows does Genre have?", ["There are 25 genres."]),
    ],
)
def test_schema_questions_through_the_command(chinook, settings, capsys, question, shown):
    settings.LLM_MODEL = ""
    if not shown:
        with pytest.raises(CommandError, match="Refused"):
            call_command("ask", "--connection", "chinook", question)
        return
    call_command("ask", "--connection", "chinook", question)
    out = capsys.readouterr().out
    assert all(s in out for s in shown), out


def test_follow_up_without_history_is_refused(chinook, settings):
    settings.LLM_MODEL = ""
    with pytest.raises(CommandError, match="no earlier question"):
        call_command("ask", "--connection", "chinook", "and by country?")


def test_refusal_exits_non_zero(chinook, fake_llm):
    with pytest.raises(CommandError, match="Refused"):
        call_command("ask", "--connection", "chinook", "delete all orders")


def test_llm_failure_exits_non_zero(chinook, fake_llm):
    fake_llm.fail(500)
    with pytest.raises(CommandError, match="language model failed"):
        call_command("ask", "--connection", "chinook", "how many customers?")


def test_unknown_connection():
    with pytest.raises(CommandError, match="No connection named"):
        call_command("ask", "--connection", "nope", "how many customers?")
