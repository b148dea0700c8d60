"""The Connection admin: test on save, write-only password, URL shortcut, actions."""

import sqlite3

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.html import escape

from api.models import ApiToken
from connections import crypto, services
from connections.models import PALETTE, Connection, DatabaseSelection

SECRET = "Pw-s3cret-never-shown"
CHANGELIST = "admin:connections_connection_changelist"
ADD = "admin:connections_connection_add"


@pytest.fixture
def sqlite_file(tmp_path):
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    return str(path)


@pytest.fixture
def remote(db):
    """A server connection with a password; never contacted by these tests."""
    return Connection.objects.create(
        name="warehouse",
        kind="postgresql",
        host="db.example.com",
        database="dwh",
        username="ann",
        password=SECRET,
        tags=["finance"],
    )


def form_data(**overrides):
    data = {
        "name": "shop",
        "description": "",
        "kind": "sqlite",
        "host": "",
        "port": "",
        "database": "",
        "username": "",
        "password": "",
        "options": "{}",
        "tags": "",
        "color": "#4f46e5",
        "is_active": "on",
        "connection_url": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def change_url(connection):
    return reverse("admin:connections_connection_change", args=[connection.pk])


# --- access ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_pages_render_for_admin_without_the_password(admin_client, remote):
    for url in [
        reverse(CHANGELIST),
        reverse(ADD),
        change_url(remote),
        reverse("admin:connections_databaseselection_changelist"),
        reverse("admin:connections_databaseselection_add"),
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.text, url
    listing = admin_client.get(reverse(CHANGELIST)).text
    assert "db.example.com:5432/dwh" in listing and "finance" in listing and "never" in listing


@pytest.mark.django_db
def test_changelist_search_and_filters(admin_client, remote, sqlite_file):
    Connection.objects.create(name="shop", kind="sqlite", database=sqlite_file, is_active=False)
    url = reverse(CHANGELIST)

    def names(**params):
        return [c.name for c in admin_client.get(url, params).context["cl"].result_list]

    assert names(q="dwh") == ["warehouse"]
    assert names(kind__exact="sqlite") == ["shop"]
    assert names(is_active__exact="0", is_default__exact="0") == ["shop"]


@pytest.mark.django_db
def test_admin_is_closed_to_non_staff_and_visitors(visitor, alice_client, remote):
    for who in (alice_client, visitor):
        response = who.get(reverse(CHANGELIST))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


# --- add: test on save ------------------------------------------------------------------


@pytest.mark.django_db
def test_add_tests_the_connection_and_records_the_result(admin_client, admin_user, sqlite_file):
    response = admin_client.post(reverse(ADD), form_data(database=sqlite_file, tags="a, b, a"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    connection = Connection.objects.get(name="shop")
    assert connection.last_test_ok is True
    assert connection.last_tested_at is not None
    assert connection.created_by == admin_user
    assert connection.tags == ["a", "b"]
    # The new database's page, which offers to extract its schema right away.
    assert response["Location"] == reverse("database_detail", args=[connection.pk])
    page = admin_client.get(response["Location"]).content.decode()
    assert "Extract schema" in page and "never extracted" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "sqlite", "database": "/nonexistent/dir/missing.db"},
        {
            "kind": "postgresql",
            "host": "127.0.0.1",
            "port": "1",
            "database": "x",
            "username": "ann",
            "password": SECRET,
        },
    ],
    ids=["missing-sqlite-file", "refused-port"],
)
def test_add_with_a_bad_connection_shows_the_driver_error_and_saves_nothing(admin_client, bad):
    expected = services.test_connection(
        Connection(**{**bad, "port": int(bad.get("port") or 0) or None}), record=False
    )
    assert not expected.ok
    response = admin_client.post(reverse(ADD), form_data(**bad))
    assert response.status_code == 200
    assert "Connection test failed" in response.text and "Save without testing" in response.text
    assert response.context["adminform"].form.non_field_errors()
    assert escape(expected.message) in response.text  # the driver's own words
    assert SECRET not in response.text
    assert not Connection.objects.exists()


@pytest.mark.django_db
def test_save_without_testing_saves_a_bad_connection(admin_client):
    data = form_data(database="/nonexistent/dir/missing.db", skip_test="on")
    response = admin_client.post(reverse(ADD), data)
    assert response.status_code == 302
    assert Connection.objects.get(name="shop").last_test_ok is None


@pytest.mark.django_db
def test_add_via_connection_url(admin_client):
    url = "postgresql://ann:p%40ss-Secr3t@db.example.com:5433/sales?sslmode=require"
    response = admin_client.post(
        reverse(ADD), form_data(kind="", connection_url=url, skip_test="on")
    )
    assert response.status_code == 302
    connection = Connection.objects.get(name="shop")
    assert (connection.kind, connection.host, connection.port) == (
        "postgresql",
        "db.example.com",
        5433,
    )
    assert (connection.database, connection.username) == ("sales", "ann")
    assert connection.password == "p@ss-Secr3t"
    assert connection.options == {"sslmode": "require"}


@pytest.mark.django_db
def test_a_bad_connection_url_is_a_form_error_that_does_not_echo_it(admin_client):
    response = admin_client.post(
        reverse(ADD), form_data(kind="", connection_url="oracle://ann:Secr3tPw@db/sales")
    )
    assert response.status_code == 200
    assert "Unsupported connection URL scheme" in response.text
    assert "Secr3tPw" not in response.text
    assert not Connection.objects.exists()


@pytest.mark.django_db
def test_kind_or_url_is_required(admin_client):
    response = admin_client.post(reverse(ADD), form_data(kind="", skip_test="on"))
    assert response.status_code == 200
    assert "Choose a kind, or give a connection URL." in response.text


@pytest.mark.django_db
def test_options_must_be_a_json_object(admin_client):
    response = admin_client.post(reverse(ADD), form_data(options="[1, 2]", skip_test="on"))
    assert response.status_code == 200
    assert "Options must be a JSON object" in response.text


# --- edit: the password is write-only -------------------------------------------------


@pytest.mark.django_db
def test_change_form_never_contains_the_stored_password(admin_client, remote):
    response = admin_client.get(change_url(remote))
    assert SECRET not in response.text
    assert crypto.encrypt(SECRET)[:10] not in response.text  # nor a token of it


@pytest.mark.django_db
def test_blank_password_on_edit_keeps_the_stored_one(admin_client, remote):
    data = form_data(
        name="warehouse",
        kind="postgresql",
        host="db.example.com",
        database="dwh",
        username="ann",
        description="edited",
        skip_test="on",
    )
    response = admin_client.post(change_url(remote), data)
    assert response.status_code == 302
    remote.refresh_from_db()
    assert remote.description == "edited"
    assert remote.password == SECRET


@pytest.mark.django_db
def test_a_new_password_on_edit_replaces_it(admin_client, remote):
    data = form_data(
        name="warehouse",
        kind="postgresql",
        host="db.example.com",
        database="dwh",
        password="changed-pw",
        skip_test="on",
    )
    assert admin_client.post(change_url(remote), data).status_code == 302
    remote.refresh_from_db()
    assert remote.password == "changed-pw"


@pytest.mark.django_db
def test_ticking_default_in_the_form_moves_the_default(admin_client, remote, sqlite_file):
    services.set_default_connection(remote)
    response = admin_client.post(reverse(ADD), form_data(database=sqlite_file, make_default="on"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(Connection.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "shop"
    ]


# --- actions ----------------------------------------------------------------------------


def run_action(client, action, *connections):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [str(c.pk) for c in connections]},
        follow=True,
    )


@pytest.fixture
def pair(remote, sqlite_file):
    return remote, Connection.objects.create(name="shop", kind="sqlite", database=sqlite_file)


@pytest.mark.django_db
def test_set_as_default_makes_exactly_one_default(admin_client, pair):
    remote, shop = pair
    run_action(admin_client, "make_default", remote)
    run_action(admin_client, "make_default", shop)
    assert list(Connection.objects.filter(is_default=True)) == [shop]


@pytest.mark.django_db
def test_set_as_default_needs_exactly_one_row(admin_client, pair):
    response = run_action(admin_client, "make_default", *pair)
    assert "Select exactly one connection" in response.text
    assert not Connection.objects.filter(is_default=True).exists()


@pytest.mark.django_db
def test_the_database_rejects_two_defaults(pair):
    remote, shop = pair
    Connection.objects.filter(pk=remote.pk).update(is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.filter(pk=shop.pk).update(is_default=True)


@pytest.mark.django_db
def test_activate_and_deactivate(admin_client, pair):
    run_action(admin_client, "deactivate", *pair)
    assert not Connection.objects.filter(is_active=True).exists()
    run_action(admin_client, "activate", pair[1])
    assert list(Connection.objects.filter(is_active=True)) == [pair[1]]


@pytest.mark.django_db
def test_test_connection_action_reports_each_row(admin_client, pair, sqlite_file):
    remote, shop = pair
    broken = Connection.objects.create(name="broken", kind="sqlite", database=sqlite_file + ".gone")
    response = run_action(admin_client, "test_selected", shop, broken)
    assert response.status_code == 200
    shop.refresh_from_db()
    broken.refresh_from_db()
    assert shop.last_test_ok is True and broken.last_test_ok is False
    # One message per row (the admin capitalises them).
    assert "Shop: Connected" in response.text and "Broken: " in response.text


@pytest.mark.django_db
def test_selections_are_manageable(admin_client, alice, remote):
    response = admin_client.post(
        reverse("admin:connections_databaseselection_add"),
        {"user": alice.pk, "connection": str(remote.pk)},
    )
    assert response.status_code == 302
    assert DatabaseSelection.objects.get(user=alice).connection == remote
    listing = admin_client.get(reverse("admin:connections_databaseselection_changelist"))
    assert "alice" in listing.text


@pytest.mark.django_db
def test_delete_removes_the_row_and_keeps_other_users_data(admin_client, alice, pair):
    remote, shop = pair
    DatabaseSelection.objects.create(user=alice, connection=remote)
    confirm = admin_client.get(reverse("admin:connections_connection_delete", args=[remote.pk]))
    assert confirm.status_code == 200 and remote.name in confirm.text
    response = admin_client.post(
        reverse("admin:connections_connection_delete", args=[remote.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert list(Connection.objects.all()) == [shop]
    assert not DatabaseSelection.objects.filter(user=alice).exists()
    assert alice.__class__.objects.filter(pk=alice.pk).exists()


@pytest.mark.django_db
def test_admin_pages_show_the_selected_database(admin_client, admin_user, remote):
    assert "Selected:" not in admin_client.get(reverse(CHANGELIST)).text
    DatabaseSelection.objects.create(user=admin_user, connection=remote)
    page = admin_client.get(reverse(CHANGELIST)).text
    assert "Selected:" in page and reverse("database_detail", args=[remote.pk]) in page


@pytest.mark.django_db
def test_new_connections_get_distinct_colours(admin_client, admin_user, sqlite_file):
    # QA: every connection was #4f46e5, so the chat's database dots told nothing apart.
    first, second = (
        Connection.objects.create(name=name, kind="sqlite", database=sqlite_file)
        for name in ("a", "b")
    )
    assert [first.color, second.color] == list(PALETTE[:2])
    # The admin's add form offers the next unused colour (it can still be changed there).
    page = admin_client.get(reverse(ADD)).content.decode()
    assert f'name="color" value="{PALETTE[2]}"' in page, page
    response = admin_client.post(reverse(ADD), form_data(database=sqlite_file, color=PALETTE[2]))
    assert response.status_code == 302
    # The API without a colour: the next one too.
    token = ApiToken.issue(admin_user, "tests")[1]
    created = admin_client.post(
        "/api/v1/databases",
        {"name": "api-made", "kind": "sqlite", "database": sqlite_file},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert created.status_code == 201, created.content
    assert created.json()["color"] == PALETTE[3]
    # A colour that is given is kept; once all are used the least used comes next.
    Connection.objects.create(name="given", kind="sqlite", database=sqlite_file, color="#123456")
    assert Connection.objects.get(name="given").color == "#123456"
    for index in range(4, len(PALETTE)):
        Connection.objects.create(name=f"c{index}", kind="sqlite", database=sqlite_file)
    assert (
        Connection.objects.create(name="again", kind="sqlite", database=sqlite_file).color
        == (PALETTE[0])
    )
