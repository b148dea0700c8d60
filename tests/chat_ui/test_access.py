"""Every chat view tried by its owner, another user and an anonymous visitor: the owner gets
what they asked for, another user a 404 (their things do not exist for others), a visitor
the login page (or 401 for an HTMX request, which cannot follow a redirect to a page)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.test import Client
from django.urls import reverse

from chat import conversation, sessions
from chat.models import ChatMessage, ChatSession
from schemas_app import services as schema_services
from tests.servers import committed, create_connection

pytestmark = pytest.mark.django_db


def _build(chinook_sqlite) -> dict:
    """Alice's two-database session with one answered question (a merged comparison), Bob."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    alice = users.create_user("alice", "alice@example.com", "alice-pass-123")
    users.create_user("bob", "bob@example.com", "bob-pass-123")
    chinook = create_connection(chinook_sqlite.params, "chinook")
    backup = create_connection(replace(chinook_sqlite.params), "backup")
    spare = create_connection(replace(chinook_sqlite.params), "spare")
    for connection in (chinook, backup):
        assert schema_services.extract_now(connection, with_profile=True).status == "succeeded"
    session = sessions.create_session(alice, connections=[chinook, backup])
    reply = conversation.ask(alice, session, "How many customers are there?")
    assert reply.status == "done" and reply.result["merged"], reply.text
    ChatMessage.objects.filter(pk=reply.pk).update(feedback="correct")
    return {
        "session": session.pk,
        "reply": reply.pk,
        "run": reply.result["databases"][0]["run_id"],
        "entry": session.databases.get(connection=backup).pk,
        "spare": str(spare.pk),
    }


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker, chinook_sqlite):
    """Made once for the module (two extractions and an answer); every test's changes are
    rolled back, so each starts from it (tests.servers.committed)."""
    yield from committed(django_db_blocker, lambda: _build(chinook_sqlite))


@pytest.fixture
def world(db, shared):
    return {
        **shared,
        "session": ChatSession.objects.get(pk=shared["session"]),
        "reply": ChatMessage.objects.get(pk=shared["reply"]),
    }


@pytest.fixture
def alice(world, django_user_model):
    return django_user_model.objects.get(username="alice")


@pytest.fixture
def bob(world, django_user_model):
    return django_user_model.objects.get(username="bob")


# (name, method, url args from the world, POST data, the owner's expected status)
VIEWS = [
    ("chat_session", "get", lambda w: [w["session"].pk], {}, 200),
    ("chat_rename", "post", lambda w: [w["session"].pk], {"name": "Mine"}, 302),
    ("chat_ask", "post", lambda w: [w["session"].pk], {"question": "How many tracks?"}, 302),
    ("chat_add_database", "post", lambda w: [w["session"].pk], {"connection_id": "spare"}, 302),
    ("chat_remove_database", "post", lambda w: [w["session"].pk, w["entry"]], {}, 302),
    ("chat_message", "get", lambda w: [w["reply"].pk], {}, 200),
    ("chat_message_run", "post", lambda w: [w["reply"].pk], {}, 200),
    ("chat_message_again", "post", lambda w: [w["reply"].pk], {}, 302),
    ("chat_message_feedback", "post", lambda w: [w["reply"].pk], {"value": "wrong"}, 200),
    ("chat_message_feedback", "post", lambda w: [w["reply"].pk], {"value": "save_example"}, 200),
    ("chat_run_rows", "get", lambda w: [w["run"]], {}, 200),
    ("chat_run_csv", "get", lambda w: [w["run"]], {}, 200),
    ("chat_merged_rows", "get", lambda w: [w["reply"].pk], {}, 200),
    ("chat_merged_csv", "get", lambda w: [w["reply"].pk], {}, 200),
    ("chat_delete", "post", lambda w: [w["session"].pk], {}, 302),
]
IDS = [f"{name}-{data.get('value', '')}".rstrip("-") for name, *_, data, _ in VIEWS]


def _request(client, world, name, method, args, data, **headers):
    if data.get("connection_id") == "spare":
        data = {"connection_id": world["spare"]}
    url = reverse(name, args=args(world))
    return getattr(client, method)(url, data, **headers)


@pytest.mark.parametrize("name,method,args,data,expected", VIEWS, ids=IDS)
def test_the_owner_may(alice, world, name, method, args, data, expected):
    client = Client()
    client.force_login(alice)
    response = _request(client, world, name, method, args, data)
    assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize("name,method,args,data,expected", VIEWS, ids=IDS)
def test_another_user_gets_404(bob, world, name, method, args, data, expected):
    client = Client()
    client.force_login(bob)
    before = list(ChatMessage.objects.values_list("pk", "text", "feedback"))
    response = _request(client, world, name, method, args, data)
    assert response.status_code == 404, response.content[:300]
    response = _request(client, world, name, method, args, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert list(ChatMessage.objects.values_list("pk", "text", "feedback")) == before
    world["session"].refresh_from_db()  # still there, still named as before
    assert world["session"].databases.count() == 2


@pytest.mark.parametrize("name,method,args,data,expected", VIEWS, ids=IDS)
def test_a_visitor_is_sent_to_log_in(world, name, method, args, data, expected):
    response = _request(Client(), world, name, method, args, data)
    assert response.status_code == 302 and "/login/" in response["Location"]
    # From an HTMX request (an expired session on an open page) the whole window goes to the
    # login page, instead of the login form being swapped into a fragment.
    response = _request(Client(), world, name, method, args, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "/login/" in response["HX-Redirect"]
    assert not response.content


@pytest.mark.parametrize(
    "name,method,args",
    [
        ("chat", "get", []),
        ("chat_new", "post", []),
        ("history", "get", []),
        ("dashboard", "get", []),
    ],
)
def test_pages_without_an_owner_need_a_login(world, alice, name, method, args):
    response = getattr(Client(), method)(reverse(name, args=args))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client = Client()
    client.force_login(alice)
    assert getattr(client, method)(reverse(name, args=args)).status_code in (200, 302)
