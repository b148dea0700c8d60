"""The DataPoints page (admin, user, anonymous) and "Save as example" from chat feedback."""

import pytest
from django.test import Client

from chat.models import ChatMessage, ChatSession, QueryRun
from schemas_app import datapoints
from schemas_app.models import DataPoint

from .conftest import DEMO_POINTS

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get("/datapoints/")
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.post("/datapoints/sync/", {"scope": "global"}).status_code == 302
    assert not DataPoint.objects.exists()


def test_user_sees_points_by_scope_and_kind_without_sync_button(alice_client, shop, other_shop):
    datapoints.sync_directory(DEMO_POINTS, connection=shop)
    page = alice_client.get(f"/datapoints/?scope={shop.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Metrics" in html and "revenue" in html and "SUM(orders.total)" in html
    assert "churned" in html and "metrics.yaml:" in html
    assert "Last sync" in html and "Sync Now" not in html
    other = alice_client.get(f"/datapoints/?scope={other_shop.pk}").content.decode()
    assert "SUM(orders.total)" not in other and "Never synced" in other
    assert alice_client.get("/datapoints/?scope=global").status_code == 200
    assert alice_client.get("/datapoints/?scope=not-a-uuid").status_code == 404
    assert alice_client.post("/datapoints/sync/", {"scope": "global"}).status_code == 403


def test_inactive_database_is_hidden_from_users(alice_client, shop):
    shop.is_active = False
    shop.save()
    assert alice_client.get(f"/datapoints/?scope={shop.pk}").status_code == 404


def test_admin_syncs_now_from_the_configured_directory(admin_client, shop, settings, tmp_path):
    settings.DATAPOINTS_DIR = str(tmp_path)
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "m.yaml").write_text(
        "kind: metric\nname: revenue\nsql: SUM(orders.total)\n"
    )
    (tmp_path / "shop" / "bad.yaml").write_text("kind: metric\nname: margin\n")
    page = admin_client.get(f"/datapoints/?scope={shop.pk}").content.decode()
    assert "Sync Now" in page and "Never synced" in page
    response = admin_client.post("/datapoints/sync/", {"scope": str(shop.pk)}, follow=True)
    html = response.content.decode()
    assert "1 added" in html and "bad.yaml:1" in html
    assert DataPoint.objects.filter(scope_key=f"connection:{shop.pk}").count() == 1
    # HTMX: the panel alone comes back, with the new counts.
    panel = admin_client.post(
        "/datapoints/sync/", {"scope": str(shop.pk)}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="sync-panel"' in panel and "<strong>0</strong> added" in panel
    global_sync = admin_client.post("/datapoints/sync/", {"scope": "global"}, follow=True)
    assert "No directory" in global_sync.content.decode()


@pytest.fixture
def answered(alice, shop):
    session = ChatSession.objects.create(owner=alice)
    message = ChatMessage.objects.create(
        session=session,
        role=ChatMessage.Role.ASSISTANT,
        question="How many big orders are there?",
        text="There are 40.",
        status=ChatMessage.Status.DONE,
        result={
            "databases": [
                {
                    "connection_id": str(shop.pk),
                    "sql": "SELECT COUNT(*) FROM orders WHERE total > 500",
                    "columns": ["count"],
                    "rows": [[40]],
                }
            ]
        },
    )
    QueryRun.objects.create(
        owner=alice,
        message=message,
        connection=shop,
        connection_name=shop.name,
        question=message.question,
        sql="SELECT COUNT(*) FROM orders WHERE total > 500",
        status=QueryRun.Status.OK,
    )
    return message


def test_save_as_example_after_correct_feedback(alice_client, answered, shop):
    url = f"/messages/{answered.pk}/feedback/"
    assert alice_client.post(url, {"value": "save_example"}).status_code == 400
    marked = alice_client.post(url, {"value": "correct"}).content.decode()
    assert "Save as example" in marked
    saved = alice_client.post(url, {"value": "save_example"})
    assert saved.status_code == 200 and "Saved as an example" in saved.content.decode()
    point = DataPoint.objects.get(scope_key=f"connection:{shop.pk}", kind="example")
    assert point.content == {
        "question": "How many big orders are there?",
        "sql": "SELECT COUNT(*) FROM orders WHERE total > 500",
    }
    alice_client.post(url, {"value": "save_example"})  # saving twice keeps one example
    assert DataPoint.objects.filter(kind="example").count() == 1


def test_wrong_answers_offer_no_save_and_others_cannot_save(bob, answered):
    bob_client, owner_client = Client(), Client()
    bob_client.force_login(bob)
    owner_client.force_login(answered.session.owner)
    url = f"/messages/{answered.pk}/feedback/"
    assert bob_client.post(url, {"value": "save_example"}).status_code == 404
    ChatMessage.objects.filter(pk=answered.pk).update(feedback="wrong")
    assert "Save as example" not in owner_client.post(url, {"value": "wrong"}).content.decode()
    assert owner_client.post(url, {"value": "save_example"}).status_code == 400
    assert not DataPoint.objects.exists()


def test_htmx_sync_now_shows_its_outcome_and_errors_in_the_panel(
    admin_client, shop, settings, tmp_path
):
    settings.DATAPOINTS_DIR = str(tmp_path)
    sync = {"scope": str(shop.pk)}
    missing = admin_client.post("/datapoints/sync/", sync, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="sync-panel"' in missing and "Sync failed: No directory at" in missing
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "m.yaml").write_text(
        "kind: metric\nname: revenue\nsql: SUM(orders.total)\n"
    )
    # Files that used to crash the whole sync are now their own errors, shown in the panel.
    (tmp_path / "shop" / "date.yaml").write_text(
        "kind: glossary\nterm: t\nmeaning: m\nvalue: {column: orders.order_date, equals: 2025-01-01}\n"
    )
    (tmp_path / "shop" / "intkey.yaml").write_text(
        "kind: table_note\ntable: x\nnote: y\n1: a\nfoo: b\n"
    )
    panel = admin_client.post("/datapoints/sync/", sync, HTTP_HX_REQUEST="true")
    html = panel.content.decode()
    assert panel.status_code == 200
    assert "2 added" in html and "1 error(s)" in html
    assert f"Synced {shop.name}: " in html and "connection:" not in html
    assert "intkey.yaml:1: entry 1: field names must be text" in html
