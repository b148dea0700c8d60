"""Sensitive columns in the schema browser (Chinook SQLite): masked for users, shown with a
badge to staff, marked and unmarked by staff only, and decisions kept across extractions."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils.html import escape

from connections import services as registry
from schemas_app import services
from schemas_app.models import SensitiveColumn

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinook(make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="chinook")
    services.clear_caches()
    snapshot = services.extract_now(connection, with_profile=True)
    assert snapshot.status == "succeeded" and snapshot.profile_status == "done"
    return connection


def detail(client, connection, table="main.Employee"):
    response = client.get(reverse("schema_table", args=[connection.pk]) + f"?table={table}")
    assert response.status_code == 200
    return response.content.decode()


def raw_values(connection, table: str, column: str) -> list[str]:
    """Every value of the column the snapshot holds: samples, min/max, top values."""
    snapshot = services.latest_snapshot(connection)
    found = services.snapshot_document(snapshot.pk).table(table)
    index = [c.name for c in found.columns].index(column)
    values = [row[index] for row in found.sample_rows]
    profile = services.snapshot_profiles(snapshot.pk)[table][column]
    values += [profile.get("min"), profile.get("max")]
    values += [v for v, _ in profile.get("top_values") or []]
    return [str(v) for v in values if v is not None]


def toggle(client, connection, column, value, table="main.Employee", htmx=True):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(
        reverse("schema_set_sensitive", args=[connection.pk]),
        {"table": table, "column": column, "sensitive": value},
        **headers,
    )


def test_users_see_masked_values_staff_see_them_with_a_badge(alice_client, admin_client, chinook):
    emails = raw_values(chinook, "main.Employee", "Email")
    births = raw_values(chinook, "main.Employee", "BirthDate")
    assert "andrew@chinookcorp.com" in emails and len(births) >= 4  # samples, min, max
    user_page = detail(alice_client, chinook)
    staff_page = detail(admin_client, chinook)
    for value in emails + births:
        assert escape(value) not in user_page, value
        assert escape(value) in staff_page, value
    assert "a***@chinookcorp.com" in user_page
    assert user_page.count('class="badge sensitive"') == staff_page.count('class="badge sensitive"')
    assert "name: e-mail; values are masked" in user_page
    assert "sensitive-toggle" not in user_page and 'aria-label="mark Title sensitive"' in staff_page
    assert "Andrew" in user_page and "General Manager" in user_page  # others untouched


def test_the_tree_lists_sensitive_columns_with_a_badge(alice_client, chinook):
    url = reverse("schema_table", args=[chinook.pk]) + "?table=main.Employee&part=columns"
    items = alice_client.get(url).content.decode().split("</li>")
    flagged = {
        item.split('title="')[1].split('"')[0] for item in items if "badge sensitive" in item
    }
    assert flagged == {"BirthDate", "Address", "Phone", "Fax", "Email"}


def test_staff_mark_and_unmark_and_it_survives_reextraction(alice_client, admin_client, chinook):
    response = toggle(admin_client, chinook, "Title", "1")
    assert response.status_code == 200 and 'class="badge sensitive"' in response.content.decode()
    assert "General Manager" not in detail(alice_client, chinook)
    assert toggle(admin_client, chinook, "Email", "0").status_code == 200
    assert "andrew@chinookcorp.com" in detail(alice_client, chinook)

    services.clear_caches()
    assert services.extract_now(chinook).status == "succeeded"  # a new snapshot replaces it
    page = detail(alice_client, chinook)
    assert "General Manager" not in page and "andrew@chinookcorp.com" in page

    # "auto" hands the column back to detection: the e-mail is masked again.
    assert toggle(admin_client, chinook, "Email", "auto").status_code == 200
    assert "andrew@chinookcorp.com" not in detail(alice_client, chinook)
    assert set(SensitiveColumn.objects.values_list("column", "sensitive")) == {("Title", True)}


def test_the_plain_form_redirects_back_to_the_page(admin_client, chinook):
    response = toggle(admin_client, chinook, "Title", "1", htmx=False)
    assert response.status_code == 302
    assert response["Location"] == reverse("schema_page", args=[chinook.pk])


def test_users_cannot_mark_or_unmark(alice_client, chinook):
    assert toggle(alice_client, chinook, "Email", "0").status_code == 403
    assert toggle(alice_client, chinook, "Title", "1").status_code == 403
    assert not SensitiveColumn.objects.exists()


@pytest.mark.parametrize(
    ("table", "column", "value", "status", "message"),
    [
        ("main.Employee", "Nope", "1", 400, "No column &#x27;Nope&#x27; in main.Employee."),
        ("main.Employee", "Title", "yes", 400, "sensitive must be 1 (mark), 0 (unmark) or auto"),
        ("main.Employee", "Title", "", 400, "sensitive must be 1"),
        ("main.Nope", "Title", "1", 404, ""),
    ],
)
def test_bad_toggles_are_refused_and_change_nothing(
    admin_client, chinook, table, column, value, status, message
):
    response = toggle(admin_client, chinook, column, value, table=table)
    assert response.status_code == status
    assert message in response.content.decode()
    assert not SensitiveColumn.objects.exists()


def test_download_is_masked_for_users_only(alice_client, admin_client, chinook):
    url = reverse("schema_download", args=[chinook.pk])
    user = json.dumps(json.loads(alice_client.get(url).content))
    staff = json.dumps(json.loads(admin_client.get(url).content))
    for value in raw_values(chinook, "main.Employee", "Email"):
        assert json.dumps(value) not in user and json.dumps(value) in staff
    assert "a***@chinookcorp.com" in user


def test_query_results_are_not_masked(alice, chinook):
    """What a query returns is the database's grants' business, not the masking's."""
    result = registry.run_read_only_query(
        chinook, 'SELECT "Email" FROM "Employee" ORDER BY "EmployeeId"', max_rows=1
    )
    assert result.rows[0][0] == "andrew@chinookcorp.com"


def test_admin_lists_and_flips_decisions(admin_client, alice_client, chinook):
    assert toggle(admin_client, chinook, "Title", "1").status_code == 200
    override = SensitiveColumn.objects.get()
    changelist = admin_client.get(reverse("admin:schemas_app_sensitivecolumn_changelist"))
    assert changelist.status_code == 200 and "Title" in changelist.content.decode()
    assert admin_client.get(reverse("admin:schemas_app_sensitivecolumn_add")).status_code == 403
    change = reverse("admin:schemas_app_sensitivecolumn_change", args=[override.pk])
    response = admin_client.post(change, {"sensitive": "", "note": "public job titles"})
    assert response.status_code == 302
    override.refresh_from_db()
    assert override.sensitive is False and override.note == "public job titles"
    assert "General Manager" in detail(alice_client, chinook)


def test_snapshots_from_before_detection_are_detected_when_read(alice_client, chinook):
    """A snapshot stored before this feature has no stored detection (NULL): it is worked
    out from its document and profiles when first needed, so upgrading masks at once."""
    from schemas_app import sensitive
    from schemas_app.models import SchemaSnapshot

    SchemaSnapshot.objects.filter(connection=chinook).update(sensitive=None)
    sensitive.clear_cache()
    assert ("main.Employee", "Email") in sensitive.sensitive_columns(chinook)
    assert "andrew@chinookcorp.com" not in detail(alice_client, chinook)


def test_an_older_snapshot_downloads_masked_too(alice_client, make_connection, tmp_path):
    """A column dropped since (so not in the latest detection) is still masked in the
    download of the snapshot that had it."""
    import sqlite3

    from connections.dialects.base import ConnectionParams

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT)")
        db.execute("INSERT INTO people VALUES (1, 'ann@example.org')")
    connection = make_connection(ConnectionParams(kind="sqlite", database=str(path)))
    old = services.extract_now(connection)
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE people DROP COLUMN email")
    services.clear_caches()
    assert services.extract_now(connection).sensitive == {}
    url = reverse("schema_download", args=[connection.pk]) + f"?snapshot={old.pk}"
    body = alice_client.get(url).content.decode()
    assert "ann@example.org" not in body and "a***@example.org" in body
