"""The chat in a real browser: sign in, select a database, ask, read the answer, SQL, table and
chart, page through rows, download the CSV, compare two databases. Chinook on SQLite, the
built-in engine (no LLM), the live server in a thread of this process.
"""

from __future__ import annotations

import csv
import io
import re
import shutil

import pytest
from playwright.sync_api import expect

from chat import conversation, sessions
from chat.models import ChatMessage
from schemas_app import services as schema_services

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "alice-pass-123"


@pytest.fixture
def chinook(make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="chinook", color="#2563eb")
    assert schema_services.extract_now(connection, with_profile=True).status == "succeeded"
    return connection


@pytest.fixture
def chinook_backup(make_connection, chinook_sqlite, tmp_path):
    """A second copy of Chinook, as a backup of production would be."""
    from dataclasses import replace

    copy = tmp_path / "chinook-backup.sqlite3"
    shutil.copy(chinook_sqlite.params.database, copy)
    connection = make_connection(
        replace(chinook_sqlite.params, database=str(copy)), name="chinook-backup", color="#dc2626"
    )
    assert schema_services.extract_now(connection, with_profile=True).status == "succeeded"
    return connection


def sign_in(page, username: str = "alice", password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".topbar .logout")).to_contain_text(username)


def ask(page, question: str):
    """Type and send a question; return the locator of its answer (the last assistant message)."""
    page.locator("#ask-form textarea[name=question]").fill(question)
    page.locator("#ask-form").get_by_role("button", name="Ask").click()
    # The question shows at once, before the answer: it comes back with the pending reply.
    expect(page.locator("#messages .msg.user").last).to_have_text(question)
    return page.locator("#messages .msg.assistant").last


def wait_answered(answer) -> None:
    expect(answer.locator(".answer-text")).to_be_visible(timeout=30_000)
    expect(answer.locator(".steps")).to_have_count(0)


def chart_drawn(page, canvas) -> bool:
    return canvas.evaluate("c => window.Chart !== undefined && Chart.getChart(c) !== undefined")


def test_sign_in_select_ask_and_read_the_answer(page, screenshot, alice, chinook, settings):
    settings.CHAT_PAGE_SIZE = 10  # 25 genres -> three pages, so paging is exercised
    sign_in(page)

    # Select the database on /databases/ without a page reload (HTMX swaps the list).
    page.goto("/databases/")
    page.evaluate("window.__not_reloaded = true")
    card = page.locator("article.database", has_text="chinook")
    card.get_by_role("button", name="Select").click()
    expect(card.locator(".badge.selected")).to_have_text("Selected")
    expect(page.locator("#nav-selected")).to_contain_text("chinook")
    assert page.evaluate("window.__not_reloaded === true")
    screenshot(page, "databases")

    # A new chat opens on the selected database.
    page.get_by_role("link", name="Chat", exact=True).click()
    page.get_by_role("button", name="+ New chat").click()
    expect(page.locator(".db-bar .db-chip")).to_contain_text("chinook")
    expect(page.locator(".db-bar")).to_contain_text("schema ready")
    page.evaluate("window.__not_reloaded = true")

    counter = page.locator("#question-counter")
    expect(counter).to_have_text("at most 4,000 characters")
    page.locator("#ask-form textarea[name=question]").fill("How many tracks per genre?")
    expect(counter).to_have_text("26 / 4,000 characters")
    answer = ask(page, "How many tracks per genre?")
    wait_answered(answer)
    assert page.evaluate("window.__not_reloaded === true"), "asking reloaded the page"
    # The sent question leaves an empty box, and the counter says so (QA: it kept "26 / ...").
    expect(page.locator("#ask-form textarea[name=question]")).to_have_value("")
    expect(counter).to_have_text("at most 4,000 characters")
    expect(answer.locator(".answer-text")).not_to_be_empty()
    # Result first: the sentence, what was understood, the table and chart, then the SQL and
    # the run's details folded below them (issue 14).
    order = answer.locator(
        ".answer-text, .read-as, table.data, canvas.chart, details"
    ).evaluate_all(
        "es => es.map(e => e.matches('details') ? 'details' : e.className.split(' ')[0] || e.tagName)"
    )
    assert order == ["answer-text", "read-as", "data", "chart", "details"], order
    details = answer.locator("details.answer-details")
    expect(details).not_to_have_attribute("open", "")
    expect(details.locator("summary")).to_contain_text("SQL and details")
    expect(answer.locator(".sql-block")).not_to_be_visible()
    details.locator("summary").click()
    expect(answer.locator(".sql-block code")).to_contain_text("SELECT")
    expect(answer.locator(".sql-block code")).to_contain_text("genre", ignore_case=True)
    # Readable: the dark SQL block's code must not keep the light inline-code background.
    sql_background = answer.locator(".sql-block code").evaluate(
        "c => getComputedStyle(c).backgroundColor"
    )
    assert sql_background in ("rgba(0, 0, 0, 0)", "transparent"), sql_background
    copy = answer.locator(".sql-block [data-copy]")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert (
        page.evaluate("navigator.clipboard.readText()")
        == answer.locator(".sql-block code").inner_text()
    )
    table = answer.locator("table.data").first
    expect(table.locator("tbody tr")).to_have_count(10)
    # Groups come unordered (no order was asked); the CSV below checks Rock's count.
    expect(answer.locator("table.data tbody")).to_contain_text("Alternative")
    canvas = answer.locator("canvas.chart").first
    expect(canvas).to_be_visible()
    expect(canvas).to_have_attribute("data-drawn", "1")
    assert chart_drawn(page, canvas), "Chart.js did not draw the chart"
    chart_type = canvas.evaluate("c => Chart.getChart(c).config.type")
    assert chart_type == "bar"
    expect(answer.locator(".pager")).to_contain_text("page 1 of 3")
    screenshot(page, "chat-answer")

    reply = ChatMessage.objects.filter(role="assistant").get()
    assert reply.status == "done", reply.text
    assert reply.result["databases"][0]["row_count"] == 25

    # Server-side paging: Next › swaps the table for page 2, then page 3 (5 rows).
    answer.get_by_role("button", name="Next ›").click()
    expect(answer.locator(".pager")).to_contain_text("page 2 of 3")
    expect(answer.locator("table.data tbody tr")).to_have_count(10)
    answer.get_by_role("button", name="Next ›").click()
    expect(answer.locator(".pager")).to_contain_text("page 3 of 3")
    expect(answer.locator("table.data tbody tr")).to_have_count(5)
    expect(answer.get_by_role("button", name="Next ›")).to_have_count(0)
    answer.get_by_role("button", name="‹ Previous").click()
    expect(answer.locator(".pager")).to_contain_text("page 2 of 3")

    # The CSV holds the full result: a header and one row per genre.
    with page.expect_download() as info:
        answer.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert re.fullmatch(r"datachat-run-\d+\.csv", download.suggested_filename)
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert len(rows) == 26, rows[:3]
    by_genre = {row[0]: row[-1] for row in rows[1:]}
    assert by_genre.get("Rock") == "1297", rows[:3]
    assert sum(int(row[-1]) for row in rows[1:]) == 3503

    # Feedback is stored with the message, without a reload.
    answer.get_by_role("button", name="Correct").click()
    expect(answer.locator(".feedback")).to_contain_text("Marked correct")
    reply.refresh_from_db()
    assert reply.feedback == "correct"
    assert page.evaluate("window.__not_reloaded === true")

    # The other main pages, for the screenshots (and that they render for this user).
    page.goto(f"/databases/{chinook.pk}/schema/")
    expect(page.locator("main")).to_contain_text("11 tables")
    screenshot(page, "schema-browser")
    page.goto("/dashboard/")
    expect(page.locator("body")).to_contain_text("chinook")
    screenshot(page, "dashboard")
    page.goto("/history/")
    expect(page.locator("body")).to_contain_text("How many tracks per genre?")
    screenshot(page, "history")


def test_two_database_session_compares_customers(page, screenshot, alice, chinook, chinook_backup):
    session = sessions.create_session(alice, connections=[chinook])
    sign_in(page)
    page.goto(f"/chat/{session.pk}/")
    page.evaluate("window.__not_reloaded = true")

    # Add the second database from the bar (HTMX swaps the workspace).
    page.get_by_label("Add a database").select_option(label="chinook-backup (SQLite)")
    page.get_by_role("button", name="Add database").click()
    expect(page.locator(".db-bar .db-chip")).to_have_count(2)
    expect(page.locator(".db-bar")).to_contain_text("chinook-backup")

    answer = ask(page, "How many customers are there?")
    wait_answered(answer)
    assert page.evaluate("window.__not_reloaded === true")
    comparison = answer.locator("section.comparison", has_text="Comparison across databases")
    expect(comparison).to_be_visible()
    expect(comparison.locator("thead th").first).to_have_text("Database")
    rows = comparison.locator("table.data tbody tr")
    expect(rows).to_have_count(2)
    texts = [rows.nth(i).inner_text().split("\t") for i in range(2)]
    assert [t[0].strip() for t in texts] == ["chinook", "chinook-backup"], texts
    assert all(t[-1].strip() == "59" for t in texts), texts
    # Per database: its own collapsible block with the SQL.
    expect(answer.locator("details.result-block summary", has_text="chinook-backup")).to_have_count(
        1
    )
    expect(answer.locator(".sql-block")).to_have_count(2)
    screenshot(page, "chat-two-databases")

    # The comparison downloads as one CSV with a database column, headed as the table was.
    with page.expect_download() as info:
        comparison.get_by_role("link", name="Download comparison CSV").click()
    merged_rows = list(csv.reader(open(info.value.path(), encoding="utf-8")))
    assert merged_rows[0] == ["Database", "Number of customers"], merged_rows
    assert len(merged_rows) == 3, merged_rows

    # Renaming swaps the name in the header and the sidebar without a reload.
    page.locator("#session-name").fill("Customers compared")
    page.locator("#rename-form").get_by_role("button", name="Rename").click()
    expect(page.locator("#rename-form")).to_contain_text("Renamed.")
    expect(page.locator(f"#session-link-{session.pk}")).to_have_text("Customers compared")
    page.locator("#session-name").fill(" ")
    page.locator("#rename-form").get_by_role("button", name="Rename").click()
    expect(page.locator("#rename-form .rename-error")).to_have_text("A session needs a name.")
    assert page.evaluate("window.__not_reloaded === true")

    # Removing a database from the bar leaves one chip, still without a reload.
    page.locator(".db-chip", has_text="chinook-backup").get_by_title(
        "Remove from this chat"
    ).click()
    expect(page.locator(".db-bar .db-chip")).to_have_count(1)
    assert page.evaluate("window.__not_reloaded === true")


def test_copy_works_without_the_clipboard_api(page, alice, chinook):
    """Over plain HTTP on a host other than localhost browsers offer no navigator.clipboard:
    the Copy button falls back to selecting the text and execCommand("copy")."""
    session = sessions.create_session(alice, connections=[chinook])
    page.add_init_script("delete Navigator.prototype.clipboard")
    sign_in(page)
    page.goto(f"/chat/{session.pk}/")
    assert page.evaluate("navigator.clipboard === undefined")
    page.evaluate(
        "window.__copied = null; document.addEventListener('copy', function () {"
        " window.__copied = window.getSelection().toString() ||"
        " (document.activeElement && document.activeElement.value); });"
    )
    answer = ask(page, "How many tracks are there?")
    wait_answered(answer)
    answer.locator("details.answer-details > summary").click()
    copy = answer.locator(".sql-block [data-copy]")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("window.__copied") == answer.locator(".sql-block code").inner_text()
    expect(copy).to_have_text("Copy", timeout=4_000)  # ready to be clicked again


def test_rejected_input_shows_in_place_with_debug_on(page, alice, chinook, settings):
    """In demo mode (DEBUG on) django-htmx's debug script replaces the whole document with
    any 400 answer; a rejected question or name must show under its box instead."""
    settings.DEBUG = True
    session = sessions.create_session(alice, connections=[chinook])
    sign_in(page)
    page.goto(f"/chat/{session.pk}/")
    assert page.locator("script[src*='django-htmx']").count() == 1  # the debug handler is on
    page.evaluate("window.__not_reloaded = true")

    page.locator("#ask-form textarea[name=question]").fill("   ")
    page.locator("#ask-form").get_by_role("button", name="Ask").click()
    expect(page.locator("#ask-error")).to_have_text("Type a question first.")
    expect(page.locator("#ask-form")).to_be_visible()
    expect(page.locator("#messages .msg")).to_have_count(0)

    page.locator("#session-name").fill(" ")
    page.locator("#rename-form").get_by_role("button", name="Rename").click()
    expect(page.locator("#rename-form .rename-error")).to_have_text("A session needs a name.")
    assert page.evaluate("window.__not_reloaded === true")

    # The next good question clears the error.
    answer = ask(page, "How many tracks are there?")
    wait_answered(answer)
    expect(page.locator("#ask-error")).to_have_text("")


def test_a_long_chat_opens_at_its_latest_message_with_the_box_in_view(
    page, screenshot, alice, chinook
):
    session = sessions.create_session(alice, connections=[chinook])
    for _ in range(8):  # tables of 25 genres: a page several windows long
        conversation.ask(alice, session, "How many tracks per genre?")
    conversation.ask(alice, session, "How many customers are there?")
    sign_in(page)
    page.goto(f"/chat/{session.pk}/")
    assert page.evaluate("document.documentElement.scrollHeight > 3 * window.innerHeight")
    latest = page.locator("#messages .msg.assistant").last
    expect(latest).to_contain_text("59")
    expect(latest.locator(".answer-actions")).to_be_in_viewport()
    box = page.locator("#ask-form textarea[name=question]")
    expect(box).to_be_in_viewport()
    page.screenshot(path=str(screenshot(page, "chat-long").with_name("chat-long-viewport.png")))

    # Scrolled up to the first answer, the box is still at hand (sticky).
    page.locator("#messages .msg.assistant").first.scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    expect(box).to_be_in_viewport()
    # A new question brings the view back to it and its answer.
    answer = ask(page, "How many albums are there?")
    wait_answered(answer)
    expect(answer.locator(".answer-actions")).to_be_in_viewport()


def test_four_databases_stay_in_sight_with_distinct_dots(
    page, screenshot, alice, make_connection, chinook_sqlite
):
    # QA: four chips wrapped into a third of the screen, all with the same default colour.
    shops = [make_connection(chinook_sqlite.params, name=f"Shop number {i}") for i in range(4)]
    session = sessions.create_session(alice, connections=shops)
    sign_in(page)
    page.goto(f"/chat/{session.pk}/")
    chips = page.locator(".db-bar .db-chip")
    expect(chips).to_have_count(4)
    boxes = chips.evaluate_all(
        "cs => cs.map(c => { const r = c.getBoundingClientRect(); return [r.top, r.height]; })"
    )
    # The chat uses the window's width: four chips take at most two lines (the bar wraps
    # rather than scrolling chips out of sight, issue 14).
    assert len({round(top) for top, _ in boxes}) <= 2, boxes
    assert all(height < 40 for _, height in boxes), boxes  # no name wraps inside a chip
    assert page.locator(".db-bar").evaluate("b => b.getBoundingClientRect().height") < 90
    assert page.locator(".db-bar").evaluate("b => b.scrollWidth <= b.clientWidth + 1")
    # On a phone the bar wraps: every chip stays in sight, none scrolled away (issue 14).
    page.set_viewport_size({"width": 390, "height": 844})
    bar_right = page.locator(".db-bar").evaluate("b => b.getBoundingClientRect().right")
    rights = chips.evaluate_all("cs => cs.map(c => c.getBoundingClientRect().right)")
    assert all(right <= bar_right + 1 for right in rights), (rights, bar_right)
    assert page.locator(".db-bar").evaluate("b => b.scrollWidth <= b.clientWidth + 1")
    page.set_viewport_size({"width": 1280, "height": 900})
    dots = page.locator(".db-bar .dot").evaluate_all(
        "ds => ds.map(d => getComputedStyle(d).backgroundColor)"
    )
    assert len(set(dots)) == 4, dots
    screenshot(page, "chat-four-databases")
