"""One question over several databases with an LLM: ONE structured call chooses the databases
and writes SQL per database, then each runs (and is corrected) on its own, in parallel.

Two Chinook SQLite files: "prod" (59 customers) and "backup" (the 13 USA customers deleted).
"""

import json
import shutil
import sqlite3
from dataclasses import replace

import pytest

from chat import conversation, sessions
from chat.answering import llm
from chat.answering.context import estimate_tokens
from chat.models import ChatMessage, QueryRun
from schemas_app.services import extract_now

pytestmark = pytest.mark.django_db

COUNT = "SELECT count(*) FROM Customer"


@pytest.fixture
def prod(make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="prod")
    extract_now(connection, with_profile=True)
    return connection


@pytest.fixture
def backup(make_connection, chinook_sqlite, tmp_path):
    path = tmp_path / "backup.sqlite3"
    shutil.copy(chinook_sqlite.params.database, path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM Customer WHERE Country = 'USA'")
    connection = make_connection(replace(chinook_sqlite.params, database=str(path)), name="backup")
    extract_now(connection, with_profile=True)
    return connection


@pytest.fixture
def session(alice, prod, backup):
    return sessions.create_session(alice, connections=[prod, backup])


def queries(*pairs, explanation="Customers per database."):
    return {
        "queries": [{"database": name, "sql": sql} for name, sql in pairs],
        "explanation": explanation,
    }


def runs(reply, name):
    return [
        r.status
        for r in QueryRun.objects.filter(message=reply, connection_name=name).order_by("attempt")
    ]


def test_one_llm_call_for_two_databases(alice, session, fake_llm, settings):
    settings.CONTEXT_TOKEN_BUDGET = 1600
    fake_llm.reply(queries(("prod", COUNT), ("backup", COUNT + " WHERE 1 = 1")))
    reply = conversation.ask(alice, session, "How many customers are there?")

    assert len(fake_llm.requests) == 1
    prompt = fake_llm.prompt()
    assert 'Database "prod" (SQLite)' in prompt and 'Database "backup" (SQLite)' in prompt
    assert prompt.count("TABLE main.Customer") == 2 and prompt.count("strftime") >= 2
    assert "How many customers are there?" in prompt
    # The schemas share one budget instead of taking a full one each.
    user = fake_llm.requests[0]["messages"][1]["content"]
    assert estimate_tokens(user) <= settings.CONTEXT_TOKEN_BUDGET + 100

    assert reply.status == ChatMessage.Status.DONE, reply.text
    by_name = {d["name"]: d for d in reply.result["databases"]}
    assert by_name["prod"]["rows"] == [[59]] and by_name["backup"]["rows"] == [[46]]
    # Our row cap (LIMIT max_rows + 1) stays internal: the SQL is shown as written.
    assert "WHERE 1 = 1" in by_name["backup"]["sql"] and "LIMIT" not in by_name["prod"]["sql"]
    assert reply.result["merged"]["rows"] == [["prod", 59], ["backup", 46]]
    assert runs(reply, "prod") == ["ok"] and runs(reply, "backup") == ["ok"]
    assert "prod: Customers per database." in reply.text and "backup: " in reply.text


def test_a_database_the_llm_leaves_out_is_not_concerned(alice, session, fake_llm):
    fake_llm.reply(queries(("prod", COUNT), explanation="There are 59 customers."))
    reply = conversation.ask(alice, session, "How many customers are in prod?")

    assert len(fake_llm.requests) == 1 and reply.status == ChatMessage.Status.DONE
    by_name = {d["name"]: d for d in reply.result["databases"]}
    assert by_name["backup"]["refused"] and not by_name["backup"]["error"]
    assert by_name["backup"]["text"] == llm.NOT_CONCERNED and by_name["backup"]["sql"] == ""
    assert reply.result["concerned"] == ["prod"]
    assert "backup" not in reply.text and "There are 59 customers." in reply.text
    assert runs(reply, "backup") == ["refused"]


def test_a_listed_reason_also_means_not_concerned(alice, session, fake_llm):
    fake_llm.reply(
        {
            "queries": [
                {"database": "prod", "sql": COUNT},
                {"database": "backup", "reason": "The question names prod."},
            ],
            "explanation": "59 customers.",
        }
    )
    reply = conversation.ask(alice, session, "How many customers are in prod?")
    by_name = {d["name"]: d for d in reply.result["databases"]}
    assert by_name["backup"]["refused"] and by_name["backup"]["text"] == "The question names prod."
    assert reply.result["concerned"] == ["prod"] and "backup" not in reply.text


def test_a_failing_database_gets_its_own_correction_round(alice, session, fake_llm):
    broken = "SELECT sum(Total) FROM Invoice WHERE sum(Total) > 1"  # only the database minds
    fake_llm.reply(queries(("prod", broken), ("backup", COUNT)))
    fake_llm.reply({"sql": "SELECT count(*) FROM Invoice", "explanation": "412 invoices."})
    reply = conversation.ask(alice, session, "How many invoices and customers?")

    assert len(fake_llm.requests) == 2
    correction = fake_llm.prompt(1)
    # The correction is about prod alone: its failed SQL and error, one dialect, no listing.
    assert broken in correction and "misuse of aggregate" in correction.lower()
    assert "several databases" not in correction and COUNT not in correction
    by_name = {d["name"]: d for d in reply.result["databases"]}
    assert (
        by_name["prod"]["rows"] == [[412]]
        and by_name["prod"]["text"] == "412 invoices. Result: 412."
    )
    assert by_name["backup"]["rows"] == [[46]]
    assert runs(reply, "prod") == ["error", "ok"] and runs(reply, "backup") == ["ok"]
    assert reply.status == ChatMessage.Status.DONE


def test_malformed_multi_reply_gets_one_repair_round(alice, session, fake_llm):
    fake_llm.reply("Sure! prod: SELECT count(*) FROM Customer")
    fake_llm.reply(queries(("prod", COUNT), ("backup", COUNT)))
    reply = conversation.ask(alice, session, "How many customers are there?")
    assert len(fake_llm.requests) == 2 and reply.status == ChatMessage.Status.DONE
    repair = fake_llm.requests[1]["messages"]
    assert "not JSON" in repair[-1]["content"] and '"queries"' in repair[-1]["content"]
    assert reply.result["merged"]["rows"] == [["prod", 59], ["backup", 46]]


def test_malformed_twice_is_a_clear_error_for_every_database(alice, session, fake_llm):
    fake_llm.reply("nope")
    fake_llm.reply(queries(("staging", COUNT)))  # not a database of this session
    reply = conversation.ask(alice, session, "How many customers are there?")

    assert len(fake_llm.requests) == 2
    assert reply.status == ChatMessage.Status.FAILED
    for d in reply.result["databases"]:
        assert "expected JSON form" in d["error"] and '"database" must be one of' in d["error"]
    assert "prod: " in reply.text and "backup: " in reply.text
    assert set(QueryRun.objects.filter(message=reply).values_list("status", flat=True)) == {"error"}


def test_llm_down_is_a_clear_error_and_history_is_kept(alice, session, fake_llm):
    fake_llm.reply(queries(("prod", COUNT), ("backup", COUNT)))
    first = conversation.ask(alice, session, "How many customers are there?")
    fake_llm.fail(500)
    second = conversation.ask(alice, session, "and by country?")

    assert second.status == ChatMessage.Status.FAILED
    assert all("language model failed" in d["error"] for d in second.result["databases"])
    assert "language model failed" in second.text
    first.refresh_from_db()
    assert first.status == ChatMessage.Status.DONE
    assert session.messages.count() == 4
    # The follow-up was sent with the earlier turn, shown once, not once per database.
    assert fake_llm.prompt(1).count("Q: How many customers are there?") == 1


def test_write_requests_never_reach_the_llm(alice, session, fake_llm):
    reply = conversation.ask(alice, session, "delete all customers")
    assert fake_llm.requests == []
    assert all(d["refused"] for d in reply.result["databases"])


def test_a_database_without_schema_is_left_out_of_the_prompt(
    alice, session, fake_llm, make_connection, chinook_sqlite
):
    fresh = make_connection(chinook_sqlite.params, name="fresh")
    sessions.add_database(session, fresh)
    fake_llm.reply(queries(("prod", COUNT), ("backup", COUNT)))
    reply = conversation.ask(alice, session, "How many customers are there?")

    assert len(fake_llm.requests) == 1 and '"fresh"' not in fake_llm.prompt()
    by_name = {d["name"]: d for d in reply.result["databases"]}
    assert "extract the schema first" in by_name["fresh"]["error"]
    assert by_name["prod"]["rows"] == [[59]] and reply.status == ChatMessage.Status.DONE


@pytest.mark.parametrize(
    "content, problem",
    [
        ("[1]", "not a JSON object"),
        ('{"queries": []}', "non-empty list"),
        ('{"queries": [{"database": "x", "sql": "SELECT 1"}]}', "must be one of"),
        ('{"queries": [{"database": "a", "sql": ""}]}', '"sql" string or a "reason"'),
        (
            '{"queries": [{"database": "a", "sql": "SELECT 1"}, {"database": "a", "sql": "SELECT 2"}]}',
            "twice",
        ),
        ('{"refused": true}', "reason"),
    ],
)
def test_parse_multi_reply_is_strict(content, problem):
    with pytest.raises(ValueError, match=problem):
        llm.parse_multi_reply(content, ["a", "b"])


def test_parse_multi_reply_refusal_covers_every_database():
    parsed = llm.parse_multi_reply(
        json.dumps({"refused": True, "reason": "No weather."}), ["a", "b"]
    )
    assert {name: (g.refused, g.reason) for name, g in parsed.items()} == {
        "a": (True, "No weather."),
        "b": (True, "No weather."),
    }
