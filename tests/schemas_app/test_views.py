"""Schema browser, extraction buttons and dashboard, as admin, a user and a visitor."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from schemas_app import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinook(make_connection, chinook_sqlite):
    return make_connection(chinook_sqlite.params, name="chinook")


@pytest.fixture
def extracted(chinook):
    snapshot = services.extract_now(chinook, with_profile=True)
    assert snapshot.status == "succeeded", snapshot.error
    return chinook


def url(name, connection, query=""):
    return reverse(name, args=[connection.pk]) + query


@pytest.mark.parametrize(
    "name,query",
    [
        ("schema_page", ""),
        ("schema_status", ""),
        ("schema_tables", "?schema=main"),
        ("schema_table", "?table=main.Track"),
        ("schema_search", "?q=track"),
        ("schema_download", ""),
    ],
)
def test_visitors_are_sent_to_login(extracted, name, query):
    response = Client().get(url(name, extracted, query))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_schema_page_for_a_user(alice_client, extracted):
    response = alice_client.get(url("schema_page", extracted))
    assert response.status_code == 200
    body = response.content.decode()
    assert "schema ready" in body and "11 tables" in body and "Download JSON" in body


def test_table_name_is_the_qualified_one(extracted):
    document = services.snapshot_document(services.latest_snapshot(extracted).pk)
    assert document.table("main.Track") is not None, [t.qualified_name for t in document.tables][:3]


def test_lazy_tree_levels_and_table_detail(alice_client, extracted):
    tables = alice_client.get(url("schema_tables", extracted, "?schema=main"))
    assert tables.status_code == 200 and "InvoiceLine" in tables.content.decode()
    assert "<html" not in tables.content.decode()  # a partial, not a page

    columns = alice_client.get(url("schema_table", extracted, "?part=columns&table=main.Track"))
    assert "AlbumId" in columns.content.decode() and "FK" in columns.content.decode()

    detail = alice_client.get(url("schema_table", extracted, "?table=main.Track")).content.decode()
    assert "PK" in detail and "FK → main.Album" in detail
    assert "Sample rows" in detail and "Columns and column profiles of main.Track" in detail
    assert "For Those About To Rock" in detail  # a sample value
    # Profiles sit beside their columns (issue 14): one table, one row per column, no section
    # of profiles at the bottom.
    columns_table = detail.split('<table class="data columns-table">')[1].split("</table>")[0]
    assert "<th>Top values</th>" in columns_table and "Distinct" in columns_table
    assert "<h3>Column profiles</h3>" not in detail
    assert 'hx-trigger="click"' in tables.content.decode()  # the name opens the pane
    assert 'title="main.InvoiceLine"' in tables.content.decode()  # the full name on hover


def test_search_filters_tables_and_columns(alice_client, extracted):
    body = alice_client.get(url("schema_search", extracted, "?q=billing")).content.decode()
    assert "BillingCountry" in body and "main.Invoice" in body
    nothing = alice_client.get(url("schema_search", extracted, "?q=zzzz")).content.decode()
    assert "Nothing matches" in nothing


def test_search_escapes_html(alice_client, extracted):
    body = alice_client.get(url("schema_search", extracted, "?q=<script>")).content.decode()
    assert "<script>" not in body and "&lt;script&gt;" in body


def test_unknown_table_and_connection_are_404(alice_client, extracted):
    assert alice_client.get(url("schema_table", extracted, "?table=main.Nope")).status_code == 404
    assert alice_client.get("/databases/not-a-uuid/schema/").status_code == 404


def test_inactive_connection_is_404_for_users(alice_client, extracted):
    extracted.is_active = False
    extracted.save()
    assert alice_client.get(url("schema_page", extracted)).status_code == 404


def test_download_is_the_snapshot_json(alice_client, extracted):
    response = alice_client.get(url("schema_download", extracted))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert len(data["schema"]["tables"]) == 11 and data["fingerprint"]


def test_download_without_snapshot_is_404(alice_client, chinook):
    assert alice_client.get(url("schema_download", chinook)).status_code == 404


def test_extract_button_runs_and_status_stops_polling(
    admin_client, chinook, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the task is queued on commit
        response = admin_client.post(url("schema_extract", chinook), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "extracting" in response.content.decode()
    assert services.schema_status(chinook).label == "schema ready"  # eager without REDIS_URL
    polled = admin_client.get(url("schema_status", chinook, "?poll=1"), HTTP_HX_REQUEST="true")
    assert polled.status_code == 286  # htmx stops polling


def test_extract_needs_post(alice_client, chinook):
    assert alice_client.get(url("schema_extract", chinook)).status_code == 405


def test_status_keeps_polling_while_extracting(alice_client, chinook):
    from schemas_app.models import SchemaSnapshot

    SchemaSnapshot.objects.create(
        connection=chinook, status="running", tables_done=3, tables_total=10
    )
    response = alice_client.get(url("schema_status", chinook, "?poll=1"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "extracting 30%" in body and 'hx-trigger="every 1s"' in body


def test_database_list_shows_schema_status(alice_client, extracted):
    assert "schema ready" in alice_client.get(reverse("databases")).content.decode()


def test_dashboard(alice_client, admin_client, extracted, make_connection, tmp_path):
    from connections.dialects import ConnectionParams

    make_connection(
        ConnectionParams(kind="sqlite", database=str(tmp_path / "missing.db")), name="gone"
    )
    response = alice_client.get(reverse("dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "schema ready" in body and "never extracted" in body and "SQLite" in body
    assert Client().get(reverse("dashboard")).status_code == 302


def test_dashboard_query_count_does_not_grow(
    alice_client, extracted, make_connection, tmp_path, django_assert_max_num_queries
):
    from connections.dialects import ConnectionParams

    for i in range(15):
        make_connection(
            ConnectionParams(kind="sqlite", database=str(tmp_path / f"{i}.db")), name=f"db{i}"
        )
    with django_assert_max_num_queries(8):
        alice_client.get(reverse("dashboard"))


def test_admin_action_extracts(admin_client, chinook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:connections_connection_changelist"),
            {"action": "extract_schema", "_selected_action": [str(chinook.pk)]},
            follow=True,
        )
    assert response.status_code == 200
    assert "hinook: extraction queued" in response.content.decode()  # admin capitalises
    snapshot = services.latest_snapshot(chinook)
    assert snapshot is not None and snapshot.profile_status == "done"  # profiled too
    assert services.snapshot_profiles(snapshot.pk)["main.Genre"]["Name"]["distinct"] == 25


def test_schema_page_extracts_with_profiles_by_default(admin_client, chinook):
    page = admin_client.get(url("schema_page", chinook)).content.decode()
    assert 'name="profile" value="1" checked' in page


@pytest.mark.parametrize("bad", ["abc", "1.5", "١٢", "9" * 30])
def test_download_with_a_malformed_snapshot_id_is_400(alice_client, extracted, bad):
    response = alice_client.get(url("schema_download", extracted), {"snapshot": bad})
    assert response.status_code == 400
    assert "snapshot must be a snapshot id" in response.json()["error"]


def test_download_of_an_unknown_snapshot_is_404(alice_client, extracted):
    snapshot = services.latest_snapshot(extracted)
    ok = alice_client.get(url("schema_download", extracted), {"snapshot": str(snapshot.pk)})
    assert ok.status_code == 200 and ok.json()["snapshot_id"] == snapshot.pk
    missing = alice_client.get(url("schema_download", extracted), {"snapshot": "987654321"})
    assert missing.status_code == 404


def test_failed_profiling_is_shown_next_to_the_status(admin_client, extracted):
    from schemas_app.models import SchemaSnapshot

    snapshot = services.latest_snapshot(extracted)
    SchemaSnapshot.objects.filter(pk=snapshot.pk).update(
        profile_status="failed", profile_error="timed out"
    )
    page = admin_client.get(url("schema_page", extracted)).content.decode()
    assert "schema ready · profiling failed: timed out" in page
    # The schema is usable and staff can retry profiling.
    assert "Profile columns" in page
    detail = admin_client.get(reverse("database_detail", args=[extracted.pk])).content.decode()
    assert "profiling failed: timed out" in detail


def test_extraction_time_is_visible_on_the_database_page(alice_client, extracted):
    snapshot = services.latest_snapshot(extracted)
    body = alice_client.get(reverse("database_detail", args=[extracted.pk])).content.decode()
    from django.utils import timezone

    when = f"extracted {timezone.localtime(snapshot.finished_at):%Y-%m-%d %H:%M}"
    assert f'schema-extracted">{when} in {snapshot.duration_ms} ms</span>' in body


def test_search_says_when_it_shows_only_part_of_the_hits(alice_client, extracted, monkeypatch):
    from schemas_app import browser

    document = services.snapshot_document(services.latest_snapshot(extracted).pk)
    total = sum("id" in t.name.lower() for t in document.tables) + sum(
        "id" in c.name.lower() for t in document.tables for c in t.columns
    )
    assert total > 5
    monkeypatch.setattr(browser, "SEARCH_LIMIT", 5)
    body = alice_client.get(url("schema_search", extracted, "?q=id")).content.decode()
    assert f"Showing the first 5 of {total} matches" in body
    assert body.count("<li>") == 5
    everything = alice_client.get(url("schema_search", extracted, "?q=billingcountry"))
    assert "Showing the first" not in everything.content.decode()


def test_the_database_page_button_extracts_with_profiles(
    admin_client, chinook, django_capture_on_commit_callbacks
):
    # One extraction path: the database page's button (it sends no profile field) profiles
    # too, as the schema page, the admin, the API and the command do.
    detail = admin_client.get(reverse("database_detail", args=[chinook.pk])).content.decode()
    assert url("schema_extract", chinook) in detail
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url("schema_extract", chinook))
    snapshot = services.latest_snapshot(chinook)
    assert snapshot.with_profile and snapshot.profile_status == "done"
    assert services.snapshot_profiles(snapshot.pk)["main.Genre"]["Name"]["distinct"] == 25


def test_the_schema_page_can_skip_profiles(
    admin_client, chinook, django_capture_on_commit_callbacks
):
    page = admin_client.get(url("schema_page", chinook)).content.decode()
    assert '<input type="hidden" name="profile" value="0">' in page
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url("schema_extract", chinook), {"profile": "0"})  # box unticked
    snapshot = services.latest_snapshot(chinook)
    assert snapshot.status == "succeeded" and not snapshot.with_profile
