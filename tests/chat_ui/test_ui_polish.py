"""Found by an end-to-end QA run of the chat pages: float noise in results, schema answers
counted as errors, "Save as example" forgotten after a reload, history labels."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from chat import conversation, history, results, sessions
from chat.jsonsafe import json_rows
from chat.models import QueryRun
from chat.presentation import display_row, display_rows
from connections.dialects import ConnectionParams
from schemas_app import services as schema_services

pytestmark = pytest.mark.django_db


def csv_text(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_json_rows_drop_binary_float_noise():
    assert json_rows([[248958.41000000024, 2710.2399999999993, 0.1 + 0.2, 7, None, "x"]]) == [
        [248958.41, 2710.24, 0.3, 7, None, "x"]
    ]
    # SQLite's SUM of 1,500 order totals: noise reaches the 15th digit (300666.189999999).
    assert json_rows([[300666.18999999925]]) == [[300666.19]]
    # Floats keep 12 significant digits, and always their integer part and cents.
    assert json_rows([[123456789.123456, 1e-7, -0.5, 1e300, 1 / 3]]) == [
        [123456789.123, 1e-7, -0.5, 1e300, 0.333333333333]
    ]
    assert json_rows([[12345678901234.56, 2.0**53, 0.0]]) == [[12345678901234.56, 2.0**53, 0.0]]


def test_decimals_stay_exact_and_whole_ones_become_ints():
    rows = json_rows([[Decimal("15370"), Decimal("15370.00"), Decimal("86.00"), Decimal("0.1")]])
    assert rows == [[15370, 15370.0, 86.0, 0.1]] and isinstance(rows[0][0], int)
    # Beyond what a double writes back exactly: the digits as text, never rounded.
    assert json_rows([[Decimal("1234567890123456.78"), Decimal("NaN")]]) == [
        ["1234567890123456.78", "NaN"]
    ]


def test_the_table_groups_thousands_but_not_ids_or_years():
    columns = ["CustomerId", "Year", "Country", "total", "tracks", "flag"]
    row = [1234, 2024, "Germany", 248958.41, 3503, True]
    assert display_row(columns, row) == [1234, 2024, "Germany", "248,958.41", "3,503", True]
    assert display_row(["n"], [None]) == [None]


def test_one_value_reads_alike_from_every_engine_in_the_table_and_csv():
    # QA: SQLite's NUMERIC sum is the int 15370, PostgreSQL's the Decimal 15370.00.
    columns = ["database", "name", "revenue"]
    rows = json_rows(
        [
            ["Demo shop", "Essential Tent", 15370],
            ["PG shop", "Essential Tent", Decimal("15370.00")],
            ["CH shop", "Eco Tent", 14687.49],
            ["CH shop", "Mug", 2710.2],
            ["CH shop", "Unknown", None],
        ]
    )
    assert [row[2] for row in display_rows(columns, rows)] == [
        "15,370.00",
        "15,370.00",
        "14,687.49",
        "2,710.20",
        None,
    ]
    csv = "".join(results.csv_lines(columns, rows))
    assert "Demo shop,Essential Tent,15370\r\n" in csv
    assert "PG shop,Essential Tent,15370\r\n" in csv and "15370.0" not in csv
    assert "CH shop,Mug,2710.2\r\n" in csv
    # A column of whole numbers stays whole, whichever engine said it (MariaDB: a Decimal).
    counts = json_rows([["Demo shop", 15370], ["Maria shop", Decimal("15370")]])
    assert display_rows(["database", "count"], counts) == [
        ["Demo shop", "15,370"],
        ["Maria shop", "15,370"],
    ]
    # A lone average reads as the answer sentence writes it ("86.00").
    assert display_rows(["avg_price"], json_rows([[Decimal("86.00")]])) == [["86.00"]]
    assert display_rows(["x"], json_rows([[1e-7], [1 / 3]])) == [["0.0000001"], ["0.333333333333"]]


def test_a_sum_of_many_floats_on_sqlite_shows_without_noise(
    alice, alice_client, make_connection, demo_shop_sqlite
):
    raw = sqlite3.connect(demo_shop_sqlite).execute("SELECT SUM(total) FROM orders").fetchone()[0]
    expected = round(raw, 2)
    assert f"{raw:.15g}" != f"{expected:.15g}"  # the noise this test is about is there
    shop = make_connection(ConnectionParams(kind="sqlite", database=demo_shop_sqlite), name="s")
    assert schema_services.extract_now(shop, with_profile=True).status == "succeeded"
    session = sessions.create_session(alice, connections=[shop])
    reply = conversation.ask(alice, session, "What is the total of all order totals?")
    database = reply.result["databases"][0]
    assert database["rows"] == [[expected]], database

    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert f'<td class="num">{expected:,.2f}</td>' in page and f"{raw:.15g}" not in page
    csv = csv_text(alice_client.get(reverse("chat_run_csv", args=[database["run_id"]])))
    assert csv.splitlines()[1] == f"{expected}", csv


def test_summed_money_shows_without_noise_in_table_pages_and_csv(
    alice, alice_client, chinook, settings
):
    settings.CHAT_PAGE_SIZE = 10
    settings.CHAT_PREVIEW_ROWS = 10
    session = sessions.create_session(alice, connections=[chinook])
    reply = conversation.ask(alice, session, "Total revenue per country")
    database = reply.result["databases"][0]
    assert database["row_count"] == 24, reply.result
    assert ["Argentina", 37.62] in database["rows"]  # SQLite's SUM says 37.620000000000005

    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert '<td class="num">37.62</td>' in page and '<td class="num">303.96</td>' in page
    assert "37.620000000000005" not in page and "303.9599" not in page

    for fresh in (False, True):  # rows from the cache, then run again after the TTL
        if fresh:
            cache.clear()
        rows_url = reverse("chat_run_rows", args=[database["run_id"]])
        later = alice_client.get(rows_url + "?page=3").content.decode()
        assert '<td>USA</td><td class="num">523.06</td>' in later and "523.060000" not in later, (
            later
        )
        csv = csv_text(alice_client.get(reverse("chat_run_csv", args=[database["run_id"]])))
        assert "USA,523.06\r\n" in csv and "Argentina,37.62\r\n" in csv, csv
        assert "0000000" not in csv and "9999999" not in csv


def test_a_schema_answer_is_stored_as_ok_not_as_an_error(alice, alice_client, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    reply = conversation.ask(alice, session, "which tables exist?")
    database = reply.result["databases"][0]
    assert not database["sql"] and not database["error"] and database["row_count"] == 11
    run = QueryRun.objects.get(message=reply)
    assert run.status == QueryRun.Status.OK and run.final and not run.error
    assert run.row_count == 11 and run.columns == database["columns"]

    errors = alice_client.get(reverse("history") + "?status=error").content.decode()
    assert "which tables exist?" not in errors and "No runs match these filters." in errors
    listed = alice_client.get(reverse("history")).content.decode()
    assert "which tables exist?" in listed and "answered from the schema" in listed
    assert "Query time" in listed

    figures = history.figures_by_database(alice, [chinook])[chinook.pk]
    assert figures["runs"] == 1 and figures["error_rate"] == 0
    assert figures["median_ms"] is None  # no query ran, so no query time

    cache.clear()  # its rows stay readable: there is no SQL to run again
    csv = csv_text(alice_client.get(reverse("chat_run_csv", args=[run.pk])))
    # The header is what the table showed: the columns' labels.
    assert csv.splitlines()[0] == "Table,Kind,Columns" and "InvoiceLine,table," in csv
    assert len(csv.splitlines()) == 12
    # Nothing to save as an example: it has no SQL.
    url = reverse("chat_message_feedback", args=[reply.pk])
    marked = alice_client.post(url, {"value": "correct"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Marked correct." in marked and "Save as example" not in marked


def test_saved_as_example_is_remembered_after_a_reload(alice, alice_client, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    reply = conversation.ask(alice, session, "How many tracks are there?")
    page_url = reverse("chat_session", args=[session.pk])
    url = reverse("chat_message_feedback", args=[reply.pk])
    marked = alice_client.post(url, {"value": "correct"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Save as example" in marked
    saved = alice_client.post(url, {"value": "save_example"}, HTTP_HX_REQUEST="true")
    assert "Saved as an example" in saved.content.decode()

    page = alice_client.get(page_url).content.decode()
    assert "Saved as an example" in page and "Save as example" not in page
    # Marking it correct again does not offer it again either.
    again = alice_client.post(url, {"value": "correct"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Saved as an example" in again and "Save as example" not in again


def test_history_says_when_filters_match_nothing(alice, alice_client):
    empty = alice_client.get(reverse("history")).content.decode()
    assert "No runs yet." in empty
    filtered = alice_client.get(reverse("history") + "?status=invalid").content.decode()
    assert "No runs match these filters." in filtered and "No runs yet." not in filtered


def test_the_chat_labels_its_time_as_the_whole_answer(alice, alice_client, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    conversation.ask(alice, session, "How many tracks are there?")
    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert "· <span" in page and ">total " in page and " ms</span>" in page


def test_table_rows_escape_values_and_mark_nulls():
    from chat.templatetags.chat_tags import table_rows

    html = table_rows([["<script>alert(1)</script>", None, 15370]], ["name", "city", "total"])
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<td><span class="muted">NULL</span></td>' in html
    assert '<td class="num">15,370</td>' in html  # numbers align right
    assert html.startswith("<tr>") and html.endswith("</tr>")
