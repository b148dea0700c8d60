"""Issue 14, accessibility: axe-core (vendored in tests/browser/assets/) on every main page,
at 1400 px and on a phone (390 px), with zero violations of impact "serious" or "critical"."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from chat import sessions
from reports import service
from schemas_app import services as schema_services
from tests.browser.test_chat_browser import sign_in, wait_answered

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "assets" / "axe.min.js"


@pytest.fixture
def chinook(make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="chinook", color="#2563eb")
    assert schema_services.extract_now(connection, with_profile=True).status == "succeeded"
    return connection


def serious_violations(page) -> list[str]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:5]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


@pytest.mark.parametrize("width", [1400, 390])
def test_axe_finds_no_serious_or_critical_violation_on_the_main_pages(page, alice, chinook, width):
    page.set_viewport_size({"width": width, "height": 900 if width > 800 else 844})
    page.goto("/login/")
    problems = {"login": serious_violations(page)}
    sign_in(page)
    session = sessions.create_session(alice, connections=[chinook])
    page.goto("/chat/")
    problems["chat-list"] = serious_violations(page)
    page.goto(f"/chat/{session.pk}/")
    problems["chat-empty"] = serious_violations(page)  # the example questions
    box = page.locator("#ask-form textarea[name=question]")
    box.fill("Total revenue per country")
    box.press("Enter")
    wait_answered(page.locator("#messages .msg.assistant").last)
    problems["chat"] = serious_violations(page)
    # The SQL and details unfolded, a refusal with its rephrasings, the chat list folded.
    page.locator("#messages details.answer-details > summary").last.click()
    box.fill("Which invoices did the wind colour?")
    box.press("Enter")
    wait_answered(page.locator("#messages .msg.assistant").last)
    expect(page.locator("#messages .rephrasings").last).to_be_visible()
    problems["chat-refused"] = serious_violations(page)
    page.locator("[data-sidebar-toggle]").click()
    expect(page.locator("#chat-sidebar")).to_be_hidden()
    problems["chat-folded"] = serious_violations(page)
    page.locator("[data-sidebar-toggle]").click()
    report = service.save_report(
        alice,
        None,
        name="Revenue",
        question="Total revenue per country",
        schedule="0 8 * * *",
        database_ids=[chinook.pk],
    )
    service.start_run(report, trigger="manual")  # the page with a result and a run
    urls = {
        "databases": "/databases/",
        "database": f"/databases/{chinook.pk}/",
        "schema": f"/databases/{chinook.pk}/schema/",
        "history": "/history/",
        "dashboard": "/dashboard/",
        "datapoints": "/datapoints/",
        "api-tokens": "/profile/tokens/",
        "reports": "/reports/",
        "report-new": "/reports/new/",
        "report": f"/reports/{report.pk}/",
    }
    page.goto(urls["api-tokens"])
    page.get_by_label("Name").fill("notebook")
    page.get_by_role("button", name="Create token").click()  # the page with a secret and a row
    expect(page.locator("#token-secret")).to_be_visible()
    problems["api-tokens-created"] = serious_violations(page)
    for name, url in urls.items():
        page.goto(url)
        problems[name] = serious_violations(page)
    # A history line opened.
    page.goto(urls["history"])
    page.locator(".run-line").first.click()
    problems["history-open"] = serious_violations(page)
    # The schema browser with a table open in its pane.
    page.goto(urls["schema"])
    page.locator(".tree-root > li > details > summary").first.click()
    page.locator(".tree-tables summary.tree-table", has_text="Invoice").first.click()
    expect(page.locator("#table-detail h2")).to_contain_text("Invoice")
    problems["schema-table"] = serious_violations(page)
    problems = {name: found for name, found in problems.items() if found}
    assert not problems, "\n".join(f"{name}: {found}" for name, found in problems.items())
