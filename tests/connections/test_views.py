"""Pages: every view as admin, signed-in alice and an anonymous visitor."""

import re
import sqlite3
import uuid

import pytest
from django.urls import reverse

from connections.models import Connection, DatabaseSelection

SECRET = "Pw-s3cret-never-shown"


@pytest.fixture
def shop(db, tmp_path):
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    return Connection.objects.create(
        name="shop",
        kind="sqlite",
        database=str(path),
        description="Online shop orders",
        tags=["sales", "demo"],
        color="#0f766e",
        is_default=True,
    )


@pytest.fixture
def warehouse(db):
    return Connection.objects.create(
        name="warehouse",
        kind="postgresql",
        host="db.example.com",
        database="dwh",
        username="ann",
        password=SECRET,
    )


@pytest.fixture
def retired(db):
    return Connection.objects.create(
        name="retired",
        kind="postgresql",
        host="old.example.com",
        database="old",
        password=SECRET,
        is_active=False,
    )


def url(name, connection=None):
    return reverse(name, args=[connection.pk] if connection else [])


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- login / logout -------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_and_sign_in(client, alice):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "alice", "password": "alice-pass-123"})
    assert response.status_code == 302 and response["Location"] == reverse("databases")


@pytest.mark.django_db
def test_logout_is_a_post_form_in_the_nav(alice_client, shop):
    page = alice_client.get(url("databases")).text
    assert f'method="post" action="{reverse("logout")}"' in page
    assert alice_client.post(reverse("logout")).status_code == 302
    assert_login_redirect(alice_client.get(url("databases")))


# --- /databases/ -------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_for_alice_shows_active_databases(alice_client, shop, warehouse, retired):
    response = alice_client.get(url("databases"))
    assert response.status_code == 200
    page = response.text
    for text in [
        "shop",
        "SQLite",
        "Online shop orders",
        "sales",
        "#0f766e",
        "never extracted",
        "default",
        "warehouse",
        "hx-post",
        "X-CSRFToken",
    ]:
        assert text in page, text
    assert "retired" not in page
    assert SECRET not in page
    assert "/admin/" not in page  # no admin link for non-staff


@pytest.mark.django_db
def test_list_for_admin_also_shows_inactive(admin_client, shop, retired):
    page = admin_client.get(url("databases")).text
    assert "retired" in page and "inactive" in page and "/admin/" in page
    assert SECRET not in page


@pytest.mark.django_db
def test_list_for_visitor_redirects_to_login(client, shop):
    assert_login_redirect(client.get(url("databases")))


@pytest.mark.django_db
def test_nav_shows_the_default_until_something_is_selected(alice_client, shop, warehouse):
    # Checked on a page other than the list, since the nav is on every page.
    assert nav_badge(alice_client.get(url("database_detail", warehouse)).text) == "shop"
    alice_client.post(url("select_database", warehouse))
    assert nav_badge(alice_client.get(url("database_detail", shop)).text) == "warehouse"


def nav_badge(page):
    badge = re.search(r'id="nav-selected".*?<a [^>]*>(.*?)</a>', page, re.DOTALL)
    return badge and badge.group(1)


# --- select ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_htmx_select_returns_the_partial_and_stores_one_row(alice_client, alice, shop, warehouse):
    response = alice_client.post(url("select_database", warehouse), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="database-list"' in response.text
    assert "<html" not in response.text  # a partial, not the page
    assert 'hx-swap-oob="true"' in response.text  # the nav badge rides along
    assert SECRET not in response.text
    assert DatabaseSelection.objects.get(user=alice).connection == warehouse

    alice_client.post(url("select_database", shop), HTTP_HX_REQUEST="true")
    assert DatabaseSelection.objects.filter(user=alice).count() == 1
    assert DatabaseSelection.objects.get(user=alice).connection == shop


@pytest.mark.django_db
def test_plain_select_redirects_back(admin_client, admin_user, shop):
    response = admin_client.post(url("select_database", shop))
    assert response.status_code == 302 and response["Location"] == reverse("databases")
    assert DatabaseSelection.objects.get(user=admin_user).connection == shop


@pytest.mark.django_db
def test_select_is_post_only(alice_client, shop):
    assert alice_client.get(url("select_database", shop)).status_code == 405


@pytest.mark.django_db
def test_select_as_visitor_redirects_and_stores_nothing(client, shop):
    assert_login_redirect(client.post(url("select_database", shop)))
    assert not DatabaseSelection.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice_client", "admin_client"])
def test_select_of_unknown_malformed_or_inactive_is_404(request, who, retired):
    client = request.getfixturevalue(who)
    for path in [
        reverse("select_database", args=[uuid.uuid4()]),
        reverse("select_database", args=["not-a-uuid"]),
        url("select_database", retired),
    ]:
        assert client.post(path, HTTP_HX_REQUEST="true").status_code == 404, path
    assert not DatabaseSelection.objects.exists()


# --- detail ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_detail_for_alice(alice_client, warehouse):
    response = alice_client.get(url("database_detail", warehouse))
    assert response.status_code == 200
    assert "db.example.com:5432/dwh" in response.text and "PostgreSQL" in response.text
    assert SECRET not in response.text
    assert "Test connection" not in response.text and "Set as default" not in response.text


@pytest.mark.django_db
def test_detail_for_admin_has_staff_buttons(admin_client, warehouse, retired):
    response = admin_client.get(url("database_detail", warehouse))
    assert "Test connection" in response.text and "Set as default" in response.text
    assert SECRET not in response.text
    assert admin_client.get(url("database_detail", retired)).status_code == 200


@pytest.mark.django_db
def test_detail_for_visitor_redirects(client, warehouse):
    assert_login_redirect(client.get(url("database_detail", warehouse)))


@pytest.mark.django_db
def test_detail_404s(alice_client, retired):
    assert alice_client.get(reverse("database_detail", args=[uuid.uuid4()])).status_code == 404
    assert alice_client.get(reverse("database_detail", args=["nope"])).status_code == 404
    assert alice_client.get(url("database_detail", retired)).status_code == 404


# --- staff-only: test and set default -----------------------------------------------------


@pytest.mark.django_db
def test_test_endpoint_is_staff_only(visitor, alice_client, shop):
    assert alice_client.post(url("test_database", shop)).status_code == 403
    assert_login_redirect(visitor.post(url("test_database", shop)))
    shop.refresh_from_db()
    assert shop.last_tested_at is None


@pytest.mark.django_db
def test_test_endpoint_renders_the_result_partial_and_records_it(admin_client, shop):
    response = admin_client.post(url("test_database", shop), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="test-result"' in response.text and "<html" not in response.text
    assert "Connected (SQLite" in response.text and "Connected: Connected" not in response.text
    shop.refresh_from_db()
    assert shop.last_test_ok is True


@pytest.mark.django_db
def test_test_endpoint_without_htmx_redirects_to_detail(admin_client, shop):
    response = admin_client.post(url("test_database", shop))
    assert response.status_code == 302 and response["Location"] == url("database_detail", shop)


@pytest.mark.django_db
def test_set_default_is_staff_only(visitor, alice_client, shop, warehouse):
    assert alice_client.post(url("set_default_database", warehouse)).status_code == 403
    assert_login_redirect(visitor.post(url("set_default_database", warehouse)))
    assert list(Connection.objects.filter(is_default=True)) == [shop]


@pytest.mark.django_db
def test_set_default_as_admin(admin_client, shop, warehouse):
    response = admin_client.post(url("set_default_database", warehouse))
    assert response.status_code == 302
    assert list(Connection.objects.filter(is_default=True)) == [warehouse]
