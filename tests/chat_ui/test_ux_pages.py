"""Issue 14: keyboard and input, accessibility (one <h1>, skip link, landmarks, live regions,
labelled charts), and answers in words (numbers right-aligned, a single value large, a
sentence for a ranked group+measure result)."""

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from chat import sessions
from chat.presentation import lead_sentence, numeric_columns, single_value
from chat.templatetags.chat_tags import answer_words, chart_label, chart_table, header_cells

pytestmark = pytest.mark.django_db


def h1_count(html: str) -> int:
    return len(re.findall(r"<h1[\s>]", html))


def test_every_main_page_has_one_h1_a_skip_link_and_landmarks(alice, alice_client, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    pages = [
        reverse("chat"),
        reverse("chat_session", args=[session.pk]),
        reverse("databases"),
        reverse("database_detail", args=[chinook.pk]),
        reverse("history"),
        reverse("dashboard"),
        reverse("datapoints"),
        reverse("api_tokens"),
        reverse("schema_page", args=[chinook.pk]),
    ]
    for url in pages:
        response = alice_client.get(url, follow=True)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert h1_count(html) == 1, url
        assert '<a class="skip-link" href="#main">' in html, url
        assert '<main id="main"' in html and "<header" in html, url
        assert '<nav class="nav" aria-label="Main">' in html, url


def test_the_chat_page_announces_steps_and_answers_and_keeps_long_pastes(
    alice, alice_client, chinook
):
    session = sessions.create_session(alice, connections=[chinook])
    html = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert 'id="messages" class="messages-list" role="log" aria-live="polite"' in html
    assert f'<h1 class="visually-hidden">{session.name}</h1>' in html
    box = re.search(r"<textarea[^>]*>", html).group(0)
    assert " maxlength=" not in box and 'data-maxlength="4000"' in box
    assert '<label for="question-box"' in html


def test_counts_are_pluralized_on_the_schema_page(alice_client, chinook):
    html = alice_client.get(reverse("schema_page", args=[chinook.pk])).content.decode()
    assert re.search(r"\b11 tables · \d+ columns", html), html
    assert not re.search(r"\b1 (tables|columns|rows)\b", html)


def test_numbers_align_right_in_headers_and_cells():
    rows = [["USA", 523.06, None], ["Canada", 303.96, "x"]]
    assert numeric_columns(rows) == {1}
    assert numeric_columns([[None, 1]]) == {1}
    cells = header_cells(["country", "total", "note"], None, rows)
    assert '<th scope="col" class="num" title="total">Total</th>' in cells
    assert '<th scope="col" title="country">Country</th>' in cells


def test_a_single_value_is_shown_large():
    assert single_value(["n"], [[1234]], ["Number of customers"]) == {
        "label": "Number of customers",
        "value": "1,234",
    }
    assert single_value(["avg"], [[196.494404104]], None)["value"] == "196.494404104"
    assert single_value(["a", "b"], [[1, 2]]) is None
    assert single_value(["a"], [[1], [2]]) is None


def test_a_ranked_group_and_measure_result_reads_as_a_sentence():
    rows = [["USA", Decimal("523.06")], ["Canada", Decimal("303.96")], ["France", 195.1]]
    assert lead_sentence(["BillingCountry", "revenue"], rows, ["Country", "Revenue"]) == (
        "USA leads with 523.06 in revenue, ahead of Canada (303.96)."
    )
    # Not ranked, a tie at the top, two measures, numbers as labels: no sentence.
    assert lead_sentence(["c", "n"], [["a", 1], ["b", 2]]) == ""
    assert lead_sentence(["c", "n"], [["a", 2], ["b", 2]]) == ""
    assert lead_sentence(["c", "n", "m"], [["a", 2, 1], ["b", 1, 1]]) == ""
    assert lead_sentence(["year", "n"], [[2024, 2], [2023, 1]]) == ""
    assert lead_sentence(["c", "n"], [["a", 2]]) == ""


def test_an_unordered_whole_result_names_its_largest_group():
    rows = [["Blues", 81], ["Rock", 1297], ["Jazz", 130], ["Latin", 579]]
    labels = ["Genre", "Number of tracks"]
    assert lead_sentence(["g", "n"], rows, labels, complete=True) == (
        "Rock has the highest number of tracks (1,297), ahead of Latin (579)."
    )
    # Only part of the result (a first page, a capped run): the largest may be further on.
    assert lead_sentence(["g", "n"], rows, labels) == ""
    # A tie at the top still says nothing.
    assert lead_sentence(["g", "n"], [["a", 1], ["b", 3], ["c", 3]], complete=True) == ""


def test_the_sentence_replaces_only_the_generic_text():
    result = {
        "databases": [
            {
                "columns": ["genre", "n"],
                "column_labels": ["Genre", "Number of tracks"],
                "rows": [["Rock", 1297], ["Latin", 579]],
                "row_count": 2,
            }
        ]
    }
    generic = answer_words(SimpleNamespace(text="Found 2 rows.", result=result))
    assert generic["text"] == "" and generic["big"] is None
    assert generic["lead"] == ("Rock leads with 1,297 in number of tracks, ahead of Latin (579).")
    own = answer_words(SimpleNamespace(text="Rock has the most tracks.", result=result))
    assert own["text"] == "Rock has the most tracks." and own["lead"]
    two = answer_words(SimpleNamespace(text="t", result={"databases": result["databases"] * 2}))
    assert two == {"text": "t", "lead": "", "big": None}


def test_one_value_per_database_is_compared_in_a_sentence():
    databases = [{"name": n, "columns": ["n"], "rows": [[v]]} for n, v in (("a", 46), ("b", 59))]
    merged = {
        "columns": ["database", "n"],
        "column_labels": ["Database", "Number of customers"],
        "rows": [["a", 46], ["b", 59]],
    }
    text = "a: There are 46 customers.\nb: There are 59 customers."
    words = answer_words(
        SimpleNamespace(text=text, result={"databases": databases, "merged": merged})
    )
    assert words["lead"] == "b has the highest number of customers (59), ahead of a (46)."
    assert words["text"] == ""  # the per-database lines: the table beside says them
    same = {**merged, "rows": [["a", 1234], ["b", 1234]]}
    words = answer_words(
        SimpleNamespace(text=text, result={"databases": databases, "merged": same})
    )
    assert words["lead"] == "All 2 databases give 1,234 (number of customers)."
    # A database that failed keeps the text, which says why.
    failed = [databases[0], {**databases[1], "error": "timeout"}]
    words = answer_words(SimpleNamespace(text=text, result={"databases": failed, "merged": merged}))
    assert words == {"text": text, "lead": "", "big": None}


def test_charts_are_labelled_with_their_data_as_a_table():
    spec = {
        "type": "bar",
        "labels": ["Rock", "Latin"],
        "datasets": [{"label": "Number of tracks", "data": [1297, None]}],
        "x_title": "Genre",
        "y_title": "Number of tracks",
    }
    assert chart_label(spec) == "Bar chart of Number of tracks by Genre, 2 points"
    table = chart_table(spec)
    assert table.startswith(
        '<div class="visually-hidden"><table class="chart-data"><caption>Bar chart'
    )
    assert '<th scope="row">Rock</th><td class="num">1,297</td>' in table
    assert '<th scope="row">Latin</th><td class="num"></td>' in table


def test_an_answer_cached_before_profiling_is_not_served_after(
    alice, make_connection, chinook_sqlite
):
    from django.core.cache import cache

    from chat import conversation
    from schemas_app import services as schema_services
    from schemas_app.models import SchemaSnapshot

    cache.clear()
    bare = make_connection(chinook_sqlite.params, name="bare")
    snapshot = schema_services.extract_now(bare, with_profile=False)
    assert snapshot.status == "succeeded" and snapshot.profiled_at is None
    session = sessions.create_session(alice, connections=[bare])
    first = conversation.ask(alice, session, "How many customers are there?")
    again = conversation.ask(alice, session, "How many customers are there?")
    assert not (first.result or {}).get("cached") and again.result.get("cached")

    # "Profile columns": the same snapshot gets its profiles.
    SchemaSnapshot.objects.filter(pk=snapshot.pk).update(profile_status="pending")
    assert schema_services.run_profiling(snapshot.pk).profiled_at is not None
    after = conversation.ask(alice, session, "How many customers are there?")
    assert not after.result.get("cached"), "a refusal cached before profiling would come back"


def test_a_database_without_a_schema_says_what_to_do_in_a_users_words(
    alice, alice_client, make_connection, chinook_sqlite
):
    from chat import conversation

    fresh = make_connection(chinook_sqlite.params, name="fresh")
    session = sessions.create_session(alice, connections=[fresh])
    conversation.ask(alice, session, "How many customers are there?")
    html = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert "extract the schema first" in html and "database page" in html
    assert "manage.py" not in html


def test_the_dashboard_counts_refused_and_failed_apart(alice, alice_client, chinook):
    from chat import history
    from chat.models import QueryRun

    def run(status):
        QueryRun.objects.create(
            owner=alice,
            connection=chinook,
            connection_name=chinook.name,
            question="q",
            sql="SELECT 1",
            status=status,
            duration_ms=1.0,
        )

    for status in ["ok", "ok", "error", "refused", "refused", "refused", "refused"]:
        run(status)
    figures = history.figures_by_database(alice, [chinook])[chinook.pk]
    assert (figures["questions"], figures["failed"], figures["refused"]) == (7, 1, 4)
    page = alice_client.get(reverse("dashboard")).content.decode()
    table = page.split("<h2>Databases</h2>")[1]
    row = table.split(f">{chinook.name}</a>")[1].split("</tr>")[0]
    assert '<td class="num">7</td>' in row
    assert '1 <span class="muted">(33%)</span>' in row  # 1 of the 3 tried
    assert '4 <span class="muted">(57%)</span>' in row  # 4 of 7 refused


def test_history_searches_text_and_filters_refused(alice, alice_client, chinook):
    from chat.models import QueryRun

    for question, status, error in [
        ("How many tracks per genre?", "ok", ""),
        ("colour of the wind", "refused", "I could not place: colour, wind"),
        ("total revenue", "error", "no such column: revenue"),
    ]:
        QueryRun.objects.create(
            owner=alice,
            connection=chinook,
            connection_name=chinook.name,
            question=question,
            sql="SELECT 1" if status != "refused" else "",
            status=status,
            error=error,
        )
    url = reverse("history")
    found = alice_client.get(url, {"q": "GENRE"}).content.decode()
    assert "How many tracks per genre?" in found and "colour of the wind" not in found
    by_error = alice_client.get(url, {"q": "no such column"}).content.decode()
    assert "total revenue" in by_error and "tracks per genre" not in by_error
    refused = alice_client.get(url, {"status": "refused"}).content.decode()
    assert "colour of the wind" in refused and "total revenue" not in refused
    assert '<option value="refused" selected>Refused</option>' in refused
    assert alice_client.get(url, {"q": "a\x00b"}).status_code == 200
    # One compact line per run, details on expand; the search box keeps what was typed.
    assert found.count('<details class="run') == 1
    assert 'name="q" value="GENRE"' in found


def test_a_missing_schema_offers_the_next_step(
    alice, alice_client, admin_user, client, make_connection, chinook_sqlite
):
    from chat import conversation

    fresh = make_connection(chinook_sqlite.params, name="fresh")
    for user, browser in ((alice, alice_client), (admin_user, client)):
        browser.force_login(user)
        session = sessions.create_session(user, connections=[fresh])
        conversation.ask(user, session, "How many customers are there?")
        html = browser.get(reverse("chat_session", args=[session.pk])).content.decode()
        assert f'href="{reverse("schema_page", args=[fresh.pk])}">Open the schema of fresh' in html
        button = f'action="{reverse("schema_extract", args=[fresh.pk])}"'
        assert (button in html) is user.is_staff, user


def test_next_step_reads_the_refusal():
    from chat.templatetags.chat_tags import next_step

    assert next_step({"error": "fresh has no schema yet: extract the schema first"}) == "extract"
    refusal = "I could not place 'Germany'; column profiles have not been collected for this"
    assert next_step({"text": refusal, "error": ""}) == "profile"
    assert next_step({"text": "Found 2 rows.", "error": None}) == ""


def test_a_ranked_answer_from_the_engine_reads_as_a_sentence(alice, alice_client, chinook):
    from chat import conversation

    session = sessions.create_session(alice, connections=[chinook])
    conversation.ask(alice, session, "Top 3 genres by number of tracks")
    html = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    lead = re.search(r'<p class="answer-text answer-lead">([^<]*)</p>', html)
    assert lead, html[html.find('class="msg assistant"') :][:2000]
    assert lead.group(1) == "Rock leads with 1,297 in number of tracks, ahead of Latin (579)."
