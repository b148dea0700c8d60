"""No input gives a 5xx: every page URL (POST and GET) and the admin's add forms, tried by an
admin and a user with NUL, control characters, over-long values, malformed URLs and ids.
The API is walked by schemathesis (tests/api/test_schemathesis.py); the cases the issue
named are here too."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.models import ApiToken
from chat import conversation, sessions
from chat.models import ChatMessage, QueryRun
from connections.models import ConnectionGroup
from reports.models import Report
from schemas_app import services as schema_services
from tests.servers import committed, create_connection

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    "\x00",
    "How many\x00 tracks?",
    "\x1b[31mred\x1b[0m",
    "a\u2028b",
    "x" * 70_000,
    "postgresql://[::1",
    "99999999999999999999999",
    "-1",
    "' OR 1=1 --",
    "\ud800" if False else "\U0001f4a5",  # (lone surrogates cannot even be encoded by a client)
]
FIELDS = [
    "question", "name", "connection_id", "value", "scope", "connection_url", "database_url",
    "q", "page", "schema", "table", "part", "snapshot", "profile", "username", "password",
    "host", "port", "database", "kind", "options", "tags", "color", "description", "next",
]  # fmt: skip
SKIP = {"logout"}  # signs the client out: tried last, separately


def _build(chinook_sqlite) -> dict:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    users.create_superuser("admin", "admin@example.com", "admin-pass-123")
    alice = users.create_user("alice", "alice@example.com", "alice-pass-123")
    connection = create_connection(chinook_sqlite.params, "chinook")
    assert schema_services.extract_now(connection).status == "succeeded"
    session = sessions.create_session(alice, connections=[connection])
    reply = conversation.ask(alice, session, "How many tracks are there?")
    run = QueryRun.objects.filter(message=reply).first()
    token, _ = ApiToken.issue(alice, "tests")
    group = ConnectionGroup.objects.create(name="envs")
    group.members.set([connection])
    report = Report.objects.create(owner=alice, name="r", question="How many tracks are there?")
    report.databases.set([connection])
    return {
        "report_id": report.pk,
        "group_id": group.pk,
        "session_id": session.pk,
        "message_id": reply.pk,
        "run_id": run.pk,
        "connection_id": connection.pk,
        "entry_id": session.databases.first().pk,
        "token_id": token.pk,
    }


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker, chinook_sqlite):
    """Made once for the module; every test's changes are rolled back, so each starts from it
    (tests.servers.committed)."""
    yield from committed(django_db_blocker, lambda: _build(chinook_sqlite))


@pytest.fixture
def world(db, shared):
    return dict(shared)


@pytest.fixture
def admin_user(world, django_user_model):
    return django_user_model.objects.get(username="admin")


@pytest.fixture
def alice(world, django_user_model):
    return django_user_model.objects.get(username="alice")


def page_urls(world) -> list[tuple[str, str]]:
    """(name, url) of every non-admin, non-API page, with real ids and with malformed ones."""
    found = []

    def walk(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                if not str(p.pattern).startswith(("admin/", "api/")):
                    walk(p.url_patterns)
            elif isinstance(p, URLPattern) and p.name and p.name not in SKIP:
                found.append(p)

    walk(get_resolver().url_patterns)
    urls = []
    for p in found:
        names = list(p.pattern.converters)
        if p.name.startswith(("admin", "api-")) or str(p.pattern).startswith(("admin", "api")):
            continue
        try:
            urls.append((p.name, reverse(p.name, kwargs={n: world[n] for n in names})))
        except KeyError as missing:
            raise AssertionError(f"no value for {missing} in {p.name}") from None
        bad = {n: "99999999999999999999" if "int" in str(p.pattern) else "%00x" for n in names}
        if names:
            urls.append((p.name + " (bad ids)", reverse(p.name, kwargs=bad).replace("%25", "%")))
    return urls


ADMIN_ADD_FORMS = ["admin:connections_connection_add", "admin:auth_user_add"]


@pytest.mark.slow
@pytest.mark.parametrize("who", ["admin", "alice"])
def test_every_page_refuses_bad_values_without_a_5xx(client, world, who, settings):
    settings.SCHEMA_REQUEST_COOLDOWN_SECONDS = 0
    client.force_login(
        __import__("django.contrib.auth", fromlist=["get_user_model"])
        .get_user_model()
        .objects.get(username=who)
    )
    client.raise_request_exception = False  # collect every 5xx, not the first
    urls = page_urls(world)
    if who == "admin":
        urls += [(name, reverse(name)) for name in ADMIN_ADD_FORMS]
    failures = []
    for name, url in urls:
        for value in BAD_VALUES:
            data = dict.fromkeys(FIELDS, value)
            for method, headers in (("post", {}), ("post", {"HTTP_HX_REQUEST": "true"})):
                response = getattr(client, method)(url, data, **headers)
                if response.status_code >= 500:
                    failures.append((name, method, repr(value[:20]), response.status_code))
            response = client.get(url, {k: value[:2000] for k in FIELDS})
            if response.status_code >= 500:
                failures.append((name, "get", repr(value[:20]), response.status_code))
    assert not failures, failures


def test_a_nul_in_the_question_or_a_rename_is_a_400_naming_the_field(alice_client, world, settings):
    ask = reverse("chat_ask", args=[world["session_id"]])
    before = ChatMessage.objects.count()
    response = alice_client.post(ask, {"question": "How many\x00 tracks?"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "question" in response.content.decode() and "NUL" in response.content.decode()
    assert ChatMessage.objects.count() == before  # nothing stored
    rename = reverse("chat_rename", args=[world["session_id"]])
    response = alice_client.post(rename, {"name": "a\x00b"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and response.content.decode().startswith("name:")
    response = alice_client.post(rename, {"name": "\x1b[2J"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "U+001B" in response.content.decode()
    # Line breaks are ordinary in a question.
    response = alice_client.post(ask, {"question": "How many\ntracks?"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def test_a_malformed_database_url_is_a_422_in_the_api(admin_client, admin_user, world):
    from django.test import Client

    token = ApiToken.issue(admin_user, "tests")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.post(
        "/api/v1/databases",
        {"name": "broken", "database_url": "postgresql://[::1", "test": False},
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert "database_url" in response.json()["detail"]
    # The admin's form says so too (it was a 500).
    response = admin_client.post(
        reverse("admin:connections_connection_add"),
        {"name": "broken", "connection_url": "postgresql://[::1"},
    )
    assert response.status_code == 200 and "malformed" in response.content.decode()


def test_the_api_refuses_control_characters_naming_the_field(alice, world):
    from django.test import Client

    token = ApiToken.issue(alice, "tests")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def post(url, body, method="post"):
        return getattr(api, method)(url, body, content_type="application/json")

    session = world["session_id"]
    response = post("/api/v1/chat", {"message": "How many\x1b tracks?", "session_id": session})
    assert response.status_code == 400 and response.json()["detail"].startswith("question:")
    response = post("/api/v1/sessions", {"name": "a\x07b"})
    assert response.status_code == 400 and response.json()["detail"].startswith("name:")
    response = post(f"/api/v1/sessions/{session}", {"name": "a\x1bb"}, method="patch")
    assert response.status_code == 400 and response.json()["detail"].startswith("name:")
    response = post("/api/v1/chat", {"message": "How many\x00 tracks?", "session_id": session})
    assert response.status_code == 422  # NUL: refused by every API body
