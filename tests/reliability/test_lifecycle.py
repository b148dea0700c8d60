"""Data lifecycle: the admin deactivates users (chats and runs kept, sign-in and tokens
stop); deleting one deletes their chats and runs. Extraction and profiling are staff-only,
with a per-database cooldown, on the pages and in the API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from chat import conversation, sessions
from chat.models import ChatMessage, ChatSession, QueryRun
from schemas_app import services as schema_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinook(make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="chinook")
    assert schema_services.extract_now(connection).status == "succeeded"
    return connection


@pytest.fixture
def alice_history(alice, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    conversation.ask(alice, session, "How many tracks are there?")
    assert QueryRun.objects.filter(owner=alice).exists()
    return session


def test_the_admin_deactivates_by_default_and_keeps_the_history(
    admin_client, admin_user, alice, alice_history
):
    token = ApiToken.issue(alice, "tests")[1]
    changelist = reverse("admin:auth_user_changelist")
    page = admin_client.get(changelist).content.decode()
    assert page.index("Deactivate selected users") < page.index("Delete selected")
    response = admin_client.post(
        changelist,
        {"action": "deactivate_users", "_selected_action": [alice.pk, admin_user.pk]},
        follow=True,
    )
    assert "Deactivated 1 user" in response.content.decode()
    assert "cannot deactivate yourself" in response.content.decode()
    alice.refresh_from_db()
    admin_user.refresh_from_db()
    assert not alice.is_active and admin_user.is_active
    assert ChatSession.objects.filter(owner=alice).exists()
    assert QueryRun.objects.filter(owner=alice).exists()
    # Signed out of everything: the API token no longer works, nor the login form.
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/sessions").status_code == 401
    assert not Client().login(username="alice", password="alice-pass-123")


def test_deleting_a_user_deletes_their_chats_and_runs(admin_client, alice, alice_history):
    delete = reverse("admin:auth_user_delete", args=[alice.pk])
    warning = admin_client.get(delete).content.decode()
    assert "deactivate the user instead" in warning
    response = admin_client.post(delete, {"post": "yes"})
    assert response.status_code == 302
    assert not ChatSession.objects.filter(pk=alice_history.pk).exists()
    assert not ChatMessage.objects.filter(session_id=alice_history.pk).exists()
    assert not QueryRun.objects.filter(question="How many tracks are there?").exists()


def test_extraction_and_profiling_are_staff_only_on_the_pages(
    alice_client, admin_client, chinook, settings
):
    extract = reverse("schema_extract", args=[chinook.pk])
    profile = reverse("schema_profile", args=[chinook.pk])
    before = chinook.snapshots.count()
    assert alice_client.post(extract, HTTP_HX_REQUEST="true").status_code == 403
    assert alice_client.post(profile, HTTP_HX_REQUEST="true").status_code == 403
    assert chinook.snapshots.count() == before
    page = alice_client.get(reverse("schema_page", args=[chinook.pk])).content.decode()
    assert "Extract schema" not in page and "Profile columns" not in page
    detail = alice_client.get(reverse("database_detail", args=[chinook.pk])).content.decode()
    assert "Extract schema" not in detail
    page = admin_client.get(reverse("schema_page", args=[chinook.pk])).content.decode()
    assert "Extract schema" in page and "Profile columns" in page


def test_a_database_is_not_extracted_or_profiled_twice_within_the_cooldown(
    admin_client, admin_user, chinook, settings, django_capture_on_commit_callbacks
):
    settings.SCHEMA_REQUEST_COOLDOWN_SECONDS = 60
    extract = reverse("schema_extract", args=[chinook.pk])
    # extract_now (the fixture) made the last snapshot just now.
    response = admin_client.post(extract, HTTP_HX_REQUEST="true")
    assert response.status_code == 429 and int(response["Retry-After"]) <= 60
    assert "try again in" in response.content.decode()
    response = admin_client.post(extract)  # without JavaScript: back to the page, saying so
    assert response.status_code == 302
    assert "try again in" in admin_client.get(response["Location"]).content.decode()
    token = ApiToken.issue(admin_user, "tests")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.post(
        f"/api/v1/databases/{chinook.pk}/extract-schema", {}, content_type="application/json"
    )
    assert response.status_code == 429 and "try again in" in response.json()["detail"]

    profile = reverse("schema_profile", args=[chinook.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(profile, HTTP_HX_REQUEST="true").status_code == 200
    assert admin_client.post(profile, HTTP_HX_REQUEST="true").status_code == 429

    settings.SCHEMA_REQUEST_COOLDOWN_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(extract, HTTP_HX_REQUEST="true").status_code == 200
