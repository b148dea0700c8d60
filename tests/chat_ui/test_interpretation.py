"""What the engine understood ("Read as: ...") and human column labels, on the chat page, in
its result pages and CSV, in the chart, in the history and after a reload. The answers come
from a scripted generator (tests/chat/scripted.py): our own SqlGenerator interface, so the
page is tried with exactly the interpretation and labels an engine would give."""

import json
import shutil
from dataclasses import replace

import pytest
from django.core.cache import cache
from django.urls import reverse

from chat import conversation, sessions
from chat.answering.types import Generated
from chat.models import QueryRun
from schemas_app import services as schema_services
from tests.chat.scripted import COUNTRIES, Scripted

pytestmark = pytest.mark.django_db

READ_AS = "Read as: number of invoices per billing country, top 3"


@pytest.fixture
def scripted(monkeypatch):
    """Make the conversation answer with the given generator."""

    def use(generator):
        monkeypatch.setattr(conversation, "sql_generator_for", lambda *args: generator)
        return generator

    return use


@pytest.fixture
def session(alice, chinook):
    return sessions.create_session(alice, connections=[chinook])


def header(html: str) -> str:
    return html.split("<thead>")[1].split("</thead>")[0]


def test_the_page_shows_what_was_understood_and_labelled_headers(
    alice, alice_client, session, scripted
):
    scripted(Scripted(COUNTRIES))
    reply = conversation.ask(alice, session, "top 3 countries by invoices")
    [database] = reply.result["databases"]
    assert database["interpretation"] == COUNTRIES.interpretation
    assert database["columns"] == ["BillingCountry", "n"]
    assert database["column_labels"] == ["Country", "Number of invoices"]

    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    # A plain line of text above the result, not a tooltip: screen readers read it too.
    assert f'<p class="read-as">{READ_AS}</p>' in page
    assert page.index(READ_AS) < page.index('<table class="data">')
    cells = header(page)
    assert '<th scope="col" title="BillingCountry">Country</th>' in cells
    assert '<th scope="col" class="num" title="n">Number of invoices</th>' in cells
    # The chart names its series and axes with the same labels.
    chart = json.loads(page.split('data-chart="')[1].split('"></canvas>')[0].replace("&quot;", '"'))
    assert chart["datasets"][0]["label"] == "Number of invoices"
    assert chart["x_title"] == "Country" and chart["y_title"] == "Number of invoices"

    # The status poll (the HTMX swap) shows the same.
    polled = alice_client.get(reverse("chat_message", args=[reply.pk])).content.decode()
    assert READ_AS in polled and ">Number of invoices</th>" in polled


def test_result_pages_csv_and_history_keep_the_labels_and_the_reading(
    alice, alice_client, session, scripted
):
    scripted(Scripted(COUNTRIES))
    reply = conversation.ask(alice, session, "top 3 countries by invoices")
    run = QueryRun.objects.get(message=reply, final=True)
    assert run.interpretation == COUNTRIES.interpretation
    assert run.column_labels == ["Country", "Number of invoices"]

    cache.clear()  # the rows are read again; the labels come from the run
    rows = alice_client.get(reverse("chat_run_rows", args=[run.pk])).content.decode()
    assert ">Country</th>" in header(rows) and ">Number of invoices</th>" in header(rows)
    csv = b"".join(alice_client.get(reverse("chat_run_csv", args=[run.pk])).streaming_content)
    lines = csv.decode().splitlines()
    assert lines[0] == "Country,Number of invoices" and lines[1] == "USA,91"

    history = alice_client.get(reverse("history")).content.decode()
    assert READ_AS in history


def test_a_cached_answer_keeps_the_reading_and_labels(alice, chinook, session, scripted):
    scripted(Scripted(COUNTRIES))
    conversation.ask(alice, session, "top 3 countries by invoices")
    # A new chat: no earlier turns, so the same question is the same answer.
    other = sessions.create_session(alice, connections=[chinook])
    again = conversation.ask(alice, other, "top 3 countries by invoices")
    assert again.result["cached"]
    assert again.result["databases"][0]["interpretation"] == COUNTRIES.interpretation
    run = QueryRun.objects.get(message=again, final=True)
    assert run.cached and run.column_labels == ["Country", "Number of invoices"]
    assert run.interpretation == COUNTRIES.interpretation


def test_without_an_interpretation_there_is_no_read_as_and_labels_come_from_the_sql(
    alice, alice_client, session, scripted
):
    # As an LLM answers: SQL and an explanation, no interpretation, no labels.
    scripted(
        Scripted(
            Generated(
                sql="SELECT BillingCountry, SUM(Total) AS sum_value FROM Invoice "
                "GROUP BY BillingCountry",
                explanation="Revenue per country.",
            ),
            name="openai/fake-model",
        )
    )
    reply = conversation.ask(alice, session, "revenue per country")
    [database] = reply.result["databases"]
    assert database["interpretation"] == ""
    assert database["column_labels"] == ["Billing country", "Total"]
    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert "Read as:" not in page
    assert '<th scope="col" class="num" title="sum_value">Total</th>' in header(page)


def test_an_answer_stored_before_labels_existed_still_shows(alice, alice_client, session):
    from chat.models import ChatMessage

    ChatMessage.objects.create(
        session=session,
        role="assistant",
        question="old",
        text="Found 1 row.",
        status="done",
        result={
            "databases": [
                {
                    "name": "chinook",
                    "columns": ["billing_country", "n"],
                    "rows": [["USA", 91]],
                    "row_count": 1,
                    "sql": "SELECT 1",
                    "text": "Found 1 row.",
                    "error": "",
                }
            ]
        },
    )
    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert ">Billing country</th>" in page and "Read as:" not in page


def test_the_comparison_merges_by_label_and_shows_a_shared_reading(
    alice, alice_client, chinook, make_connection, chinook_sqlite, tmp_path, scripted
):
    path = tmp_path / "copy.sqlite3"
    shutil.copy(chinook_sqlite.params.database, path)
    copy = make_connection(replace(chinook_sqlite.params, database=str(path)), name="copy")
    assert schema_services.extract_now(copy).status == "succeeded"
    session = sessions.create_session(alice, connections=[chinook, copy])
    scripted(Scripted(COUNTRIES))
    reply = conversation.ask(alice, session, "top 3 countries by invoices")
    merged = reply.result["merged"]
    assert merged["columns"] == ["database", "BillingCountry", "n"]
    assert merged["column_labels"] == ["Database", "Country", "Number of invoices"]
    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    comparison = page.split("Comparison across databases")[1]
    assert comparison.index(READ_AS) < comparison.index("<table")
    assert ">Database</th>" in header(comparison)
    csv = b"".join(
        alice_client.get(reverse("chat_merged_csv", args=[reply.pk])).streaming_content
    ).decode()
    assert csv.splitlines()[0] == "Database,Country,Number of invoices"


def test_a_refusal_shows_what_the_engine_understood_and_questions_to_try(
    alice, alice_client, session, scripted
):
    from chat.answering.types import Generated

    understood = "invoices of customers, by a colour nobody records"
    scripted(
        Scripted(
            Generated(
                sql=None,
                refused=True,
                reason="There is no colour in this database.",
                interpretation=understood,
            )
        )
    )
    reply = conversation.ask(alice, session, "Which invoices are blue?")
    [database] = reply.result["databases"]
    assert database["refused"] and database["interpretation"] == understood
    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    last = page[page.rindex('class="msg assistant"') :]
    # The refusal in words, what was understood, then questions this database answers.
    assert last.index("There is no colour") < last.index(f"Read as: {understood}")
    assert last.index(f"Read as: {understood}") < last.index('class="rephrasings"')
    assert last.count("data-example=") >= 2
