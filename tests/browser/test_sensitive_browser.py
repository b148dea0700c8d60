"""Sensitive columns in a real browser: staff mark a column on the schema page (HTMX, the
button's value sent), the badge appears in place, and a user then sees the value masked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from schemas_app.models import SensitiveColumn
from tests.browser.test_axe_browser import chinook as chinook  # noqa: F401 (a fixture)
from tests.browser.test_axe_browser import serious_violations
from tests.browser.test_chat_browser import sign_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def open_table(page, connection, name: str):
    page.goto(f"/databases/{connection.pk}/schema/")
    page.locator(".tree-root > li > details > summary").first.click()
    page.locator(f".tree-tables summary.tree-table[title='main.{name}']").click()
    detail = page.locator("#table-detail")
    expect(detail.locator("h2")).to_contain_text(f"main.{name}")
    return detail


def row(detail, column: str):
    return detail.locator(
        "table.columns-table tbody tr", has=detail.page.locator("code", has_text=column)
    )


def test_staff_mark_a_column_and_users_see_it_masked(
    page,
    browser,
    live_server,
    admin_user,
    alice,
    chinook,  # noqa: F811 (the imported fixture)
    screenshot,
):
    sign_in(page, "admin", "admin-pass-123")
    detail = open_table(page, chinook, "Employee")
    expect(row(detail, "Email").locator(".badge.sensitive")).to_have_attribute(
        "title", "name: e-mail"
    )
    expect(row(detail, "Title").locator(".badge.sensitive")).to_have_count(0)
    row(detail, "Title").get_by_role("button", name="mark Title sensitive").click()
    expect(row(detail, "Title").locator(".badge.sensitive")).to_be_visible()
    assert SensitiveColumn.objects.get().column == "Title"
    expect(detail).to_contain_text("General Manager")  # staff still read the values
    assert serious_violations(page) == []
    screenshot(page, "schema-sensitive-staff")

    context = browser.new_context(base_url=live_server.url)
    other = context.new_page()
    sign_in(other, "alice", "alice-pass-123")
    detail = open_table(other, chinook, "Employee")
    expect(detail).not_to_contain_text("General Manager")
    expect(detail).not_to_contain_text("andrew@chinookcorp.com")
    expect(detail).to_contain_text("a***@chinookcorp.com")
    expect(detail.locator(".sensitive-toggle")).to_have_count(0)
    context.close()
