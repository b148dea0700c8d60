"""Issue 14 in a real browser: Enter sends and Shift+Enter breaks the line, a paste over the
question limit is kept and said to be too long, the skip link, labelled charts, the layout at
1400 px, and screenshots of the main pages at 1400 and 390 px (artifacts/screenshots/)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from chat import sessions
from schemas_app import services as schema_services
from tests.browser.test_chat_browser import sign_in, wait_answered

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chinook(make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="chinook", color="#2563eb")
    assert schema_services.extract_now(connection, with_profile=True).status == "succeeded"
    return connection


def test_enter_sends_shift_enter_breaks_and_a_long_paste_says_so(page, alice, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    sign_in(page)
    page.goto(f"/chat/{session.pk}/")
    box = page.locator("#ask-form textarea[name=question]")
    counter = page.locator("#question-counter")

    # A paste over the limit stays whole (no silent cut) and the counter says what to do.
    box.focus()
    page.keyboard.insert_text("x" * 5000)
    expect(box).to_have_value("x" * 5000)
    expect(counter).to_contain_text("Too long: 5,000 characters, at most 4,000")
    expect(counter).to_have_class(re.compile(r"\berror\b"))
    page.keyboard.press("Enter")  # held back: nothing is sent
    expect(page.locator("#messages .msg.user")).to_have_count(0)
    expect(box).to_have_attribute("aria-invalid", "true")

    box.fill("How many customers")
    box.press("Shift+Enter")
    page.keyboard.type("are there?")
    expect(box).to_have_value("How many customers\nare there?")
    expect(page.locator("#messages .msg.user")).to_have_count(0)
    box.press("Enter")
    expect(page.locator("#messages .msg.user").last).to_contain_text("How many customers")
    answer = page.locator("#messages .msg.assistant").last
    wait_answered(answer)
    expect(answer.locator(".big-value")).to_contain_text("59")
    expect(box).to_have_value("")


def test_skip_link_and_labelled_chart(page, alice, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    sign_in(page)
    page.goto(f"/chat/{session.pk}/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"

    page.locator("#ask-form textarea[name=question]").fill("Total revenue per country")
    page.locator("#ask-form textarea[name=question]").press("Enter")
    answer = page.locator("#messages .msg.assistant").last
    wait_answered(answer)
    canvas = answer.locator("canvas.chart")
    expect(canvas).to_have_attribute("role", "img")
    expect(canvas).to_have_attribute(
        "aria-label", re.compile(r"^Bar chart of .+ by .+, 24 points$")
    )
    expect(answer.locator(".visually-hidden table.chart-data caption")).to_have_count(1)
    # Numbers align right in the visible table.
    cell = answer.locator("table.data tbody tr").first.locator("td").last
    assert cell.evaluate("c => getComputedStyle(c).textAlign") == "right"


def test_an_example_question_asks_in_one_click(page, screenshot, alice, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    sign_in(page)
    page.goto(f"/chat/{session.pk}/")
    example = page.locator("#examples button[data-example]").first
    expect(example).to_be_visible()
    screenshot(page, "chat-empty-examples")
    question = example.get_attribute("data-example")
    example.click()
    expect(page.locator("#messages .msg.user").last).to_have_text(question)
    answer = page.locator("#messages .msg.assistant").last
    wait_answered(answer)
    expect(answer.locator(".bubble.failed")).to_have_count(0)
    expect(page.locator("#examples")).to_have_count(0)


MAIN_PAGES = [
    "chat",
    "databases",
    "database",
    "schema",
    "history",
    "dashboard",
    "datapoints",
    "api-tokens",
]


def test_layout_and_screenshots_at_1400_and_390(page, screenshot, alice, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    sign_in(page)
    page.goto(f"/chat/{session.pk}/")
    box = page.locator("#ask-form textarea[name=question]")
    box.fill("Total revenue per country")
    box.press("Enter")
    wait_answered(page.locator("#messages .msg.assistant").last)
    urls = {
        "chat": f"/chat/{session.pk}/",
        "databases": "/databases/",
        "database": f"/databases/{chinook.pk}/",
        "schema": f"/databases/{chinook.pk}/schema/",
        "history": "/history/",
        "dashboard": "/dashboard/",
        "datapoints": "/datapoints/",
        "api-tokens": "/profile/tokens/",
    }
    for width, height in ((1400, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        for name in MAIN_PAGES:
            page.goto(urls[name])
            expect(page.locator("h1")).to_have_count(1)
            # Nothing wider than the window: a phone scrolls down, never sideways.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            wide = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
                    .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
            )
            assert overflow <= 1, (name, width, overflow, wide)
            screenshot(page, f"{name}-{width}")
        if width == 1400:
            page.goto(urls["chat"])
            answer_width = page.locator(".chat-main").evaluate(
                "m => m.getBoundingClientRect().width"
            )
            assert answer_width > 1000, answer_width  # was ~640 px at 1400


def test_schema_browser_pane_does_not_stretch_the_page(page, screenshot, alice, chinook):
    sign_in(page)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"/databases/{chinook.pk}/schema/")
    search = page.locator(".tree input[type=search]")
    # The placeholder fits its box (no cut text).
    assert search.evaluate(
        """i => { const c = document.createElement('canvas').getContext('2d');
                  const s = getComputedStyle(i); c.font = s.font;
                  const room = i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
                  return c.measureText(i.placeholder).width <= room; }"""
    ), search.get_attribute("placeholder")
    before = page.evaluate("document.documentElement.scrollHeight")
    page.locator(".tree-root > li > details > summary").first.click()
    table = page.locator(".tree-tables summary.tree-table", has_text="InvoiceLine")
    expect(table).to_have_attribute("title", "main.InvoiceLine")  # the full name on hover
    # Names wrap inside the tree rather than being cut.
    assert table.evaluate("s => s.scrollWidth <= s.clientWidth + 1")
    page.locator(".tree-tables summary.tree-table[title='main.Track']").click()
    detail = page.locator("#table-detail")
    expect(detail.locator("h2")).to_contain_text("main.Track")
    # The tree also lists the table's columns.
    expect(page.locator(".tree-tables details[open] .tree-columns")).to_contain_text("AlbumId")
    # The pane scrolls by itself beside the tree: at most one window tall, so the page ends
    # one window below the browser's top however long the table is (Track was ~3,000 px).
    tree_box = page.locator(".browser > .tree").bounding_box()
    detail_box = detail.bounding_box()
    assert detail_box["x"] >= tree_box["x"] + tree_box["width"]  # beside, not below
    assert detail_box["height"] <= 900
    assert detail.evaluate("d => d.scrollHeight > d.clientHeight")  # it scrolls inside
    after = page.evaluate("document.documentElement.scrollHeight")
    assert after <= detail_box["y"] + 900 + 40, (before, after, detail_box)
    # Profiles beside their columns: the Name row of Track holds its distinct count and top values.
    columns = detail.locator("table.columns-table")
    expect(columns.locator("thead")).to_contain_text("Top values")
    expect(
        columns.locator("tbody tr", has=page.locator("code", has_text="GenreId"))
    ).to_contain_text("%")
    expect(detail.locator("h3", has_text="Column profiles")).to_have_count(0)
    screenshot(page, "schema-table-1400")


def test_the_chat_list_folds_from_the_keyboard_and_stays_folded(page, browser, alice, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    sign_in(page)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"/chat/{session.pk}/")
    toggle = page.locator("[data-sidebar-toggle]")
    sidebar = page.locator("#chat-sidebar")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_have_attribute("aria-controls", "chat-sidebar")
    expect(sidebar).to_be_visible()
    width = page.locator(".chat-main").evaluate("m => m.getBoundingClientRect().width")
    # Reachable with Tab from the top of the page, and Enter folds the list.
    for _ in range(30):
        page.keyboard.press("Tab")
        if toggle.evaluate("t => t === document.activeElement"):
            break
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(sidebar).to_be_hidden()
    wider = page.locator(".chat-main").evaluate("m => m.getBoundingClientRect().width")
    assert wider > width + 200, (width, wider)  # the answer takes the list's room
    # Remembered by this browser: folded after a reload and on another chat.
    page.reload()
    expect(sidebar).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    other = sessions.create_session(alice, connections=[chinook])
    page.goto(f"/chat/{other.pk}/")
    expect(sidebar).to_be_hidden()
    # Space (a button's other key) brings it back, and that is remembered too.
    toggle.focus()
    page.keyboard.press(" ")
    expect(sidebar).to_be_visible()
    page.reload()
    expect(sidebar).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")


def test_a_refusal_offers_rephrasings_that_ask_in_one_click(page, screenshot, alice, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    sign_in(page)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"/chat/{session.pk}/")
    box = page.locator("#ask-form textarea[name=question]")
    box.fill("Which invoices did the wind colour?")
    box.press("Enter")
    refused = page.locator("#messages .msg.assistant").last
    wait_answered(refused)
    offers = refused.locator(".rephrasings button[data-example]")
    expect(offers.first).to_be_visible()
    assert 2 <= offers.count() <= 3
    expect(refused.locator(".rephrasings")).to_contain_text("close to yours")
    screenshot(page, "chat-refused-1400")
    question = offers.first.get_attribute("data-example")
    assert "invoice" in question.lower(), question  # the closest to the refused question first
    offers.first.click()
    expect(page.locator("#messages .msg.user").last).to_have_text(question)
    answer = page.locator("#messages .msg.assistant").last
    wait_answered(answer)
    expect(answer.locator(".rephrasings")).to_have_count(0)  # answered, not refused
    expect(answer.locator(".bubble.failed")).to_have_count(0)
