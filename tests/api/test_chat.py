"""/chat, /sessions, /multi-query and /tasks: answers as the chat page gives them."""

import django.db
import pytest

from chat import conversation, sessions
from chat.answering.types import Generated
from chat.models import ChatMessage, ChatSession
from connections import services as registry
from schemas_app import services as schema_services
from tests.chat.scripted import COUNTRIES, Scripted

from .conftest import assert_error

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def other(make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="chinook-copy")
    assert schema_services.extract_now(connection).status == "succeeded"
    return connection


def test_chat_with_a_target(alice_api, alice, chinook):
    response = alice_api.post(
        "/chat",
        json={"message": "How many customers are there?", "target_database": str(chinook.pk)},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["databases"] == ["chinook"]
    message = body["message"]
    assert message["status"] == "done" and "59" in message["text"]
    [database] = message["result"]["databases"]
    assert database["sql"].upper().startswith("SELECT") and database["rows"] == [[59]]
    session = ChatSession.objects.get(pk=body["session_id"], owner=alice)
    assert [e.connection for e in session.databases.all()] == [chinook]
    task = alice_api.get(f"/tasks/{message['task_id']}").json()
    assert task["kind"] == "answer" and task["status"] == "done" and task["finished"]


def test_target_resolution_order(alice_api, alice, chinook, other):
    # Nothing selected and no default: a clear 400, nothing stored.
    assert_error(
        alice_api.post("/chat", json={"message": "How many tracks are there?"}), 400, "database"
    )
    assert not ChatMessage.objects.exists()
    # The default.
    registry.set_default_connection(other)
    body = alice_api.post("/chat", json={"message": "How many tracks are there?"}).json()
    assert body["databases"] == ["chinook-copy"]
    # The caller's selection beats the default.
    registry.select_connection(alice, chinook)
    body = alice_api.post("/chat", json={"message": "How many tracks are there?"}).json()
    assert body["databases"] == ["chinook"]
    # A session's databases beat the selection.
    session = sessions.create_session(alice, connections=[other])
    body = alice_api.post(
        "/chat", json={"message": "How many tracks are there?", "session_id": session.pk}
    ).json()
    assert body["session_id"] == session.pk and body["databases"] == ["chinook-copy"]
    # An explicit target is always used.
    body = alice_api.post(
        "/chat", json={"message": "How many tracks are there?", "target_database": str(chinook.pk)}
    ).json()
    assert body["databases"] == ["chinook"]


def test_target_with_a_session_runs_on_the_target_only_and_leaves_the_session(
    alice_api, alice, chinook, other
):
    def names(session):
        return [e.connection_name for e in session.databases.all()]

    question = "How many tracks are there?"
    # The session answers on another database: this message runs on the target alone, the
    # session keeps its databases, and later questions without a target use them again.
    theirs = sessions.create_session(alice, connections=[other])
    both = {"message": question, "session_id": theirs.pk, "target_database": str(chinook.pk)}
    body = alice_api.post("/chat", json=both).json()
    assert body["session_id"] == theirs.pk and body["databases"] == ["chinook"]
    assert [d["name"] for d in body["message"]["result"]["databases"]] == ["chinook"]
    assert "3,503" in body["message"]["text"] and names(theirs) == ["chinook-copy"]
    later = alice_api.post("/chat", json={"message": question, "session_id": theirs.pk}).json()
    assert later["databases"] == ["chinook-copy"]
    # "Run again" keeps the message's own database.
    reply = ChatMessage.objects.get(pk=body["message"]["id"])
    again = conversation.run_again(alice, reply)
    assert again.databases == ["chinook"] and names(theirs) == ["chinook-copy"]
    # The target is one of several: only it answers.
    several = sessions.create_session(alice, connections=[chinook, other])
    both["session_id"] = several.pk
    body = alice_api.post("/chat", json=both).json()
    assert body["databases"] == ["chinook"] and names(several) == ["chinook", "chinook-copy"]
    # A session with no database yet takes the target as its database.
    empty = sessions.create_session(alice, connections=[])
    both["session_id"] = empty.pk
    body = alice_api.post("/chat", json=both).json()
    assert body["databases"] == ["chinook"] and names(empty) == ["chinook"]


def test_chat_errors(alice_api, bob, chinook):
    assert_error(alice_api.post("/chat", json={"message": "hi", "target_database": UNKNOWN}), 404)
    assert_error(
        alice_api.post("/chat", json={"message": "hi", "target_database": "chinook"}),
        422,
        "target_database",
    )
    assert_error(alice_api.post("/chat", json={"target_database": str(chinook.pk)}), 422, "message")
    assert_error(
        alice_api.post("/chat", json={"message": "   ", "target_database": str(chinook.pk)}),
        400,
        "question",
    )
    bobs = sessions.create_session(bob, connections=[chinook])
    assert_error(
        alice_api.post("/chat", json={"message": "hi", "session_id": bobs.pk}), 404, "session"
    )
    assert not bobs.messages.exists()


def test_inactive_target_is_404(alice_api, chinook):
    chinook.is_active = False
    chinook.save()
    assert_error(
        alice_api.post(
            "/chat", json={"message": "How many tracks?", "target_database": str(chinook.pk)}
        ),
        404,
    )


@pytest.mark.parametrize("service", ["selected_connection", "get_visible_connection"])
def test_unreadable_registry_is_503_never_a_fallback(
    alice_api, alice, chinook, other, monkeypatch, service
):
    registry.set_default_connection(other)

    def unreadable(*args, **kwargs):
        raise django.db.OperationalError("could not connect to server")

    monkeypatch.setattr(registry, service, unreadable)
    payload = {"message": "How many customers are there?"}
    if service == "get_visible_connection":
        payload["target_database"] = str(chinook.pk)
    assert_error(alice_api.post("/chat", json=payload), 503, "registry")
    assert not ChatMessage.objects.exists()


def test_sessions_crud(alice_api, alice, chinook, other):
    created = alice_api.post(
        "/sessions", json={"name": "Music", "connection_ids": [str(chinook.pk)]}
    )
    assert created.status_code == 201, created.text
    session = created.json()
    assert session["name"] == "Music"
    assert [d["connection_id"] for d in session["databases"]] == [str(chinook.pk)]
    sid = session["id"]
    assert [s["id"] for s in alice_api.get("/sessions").json()] == [sid]
    assert alice_api.get(f"/sessions/{sid}").json()["name"] == "Music"

    updated = alice_api.patch(
        f"/sessions/{sid}",
        json={"name": "Both", "connection_ids": [str(other.pk), str(chinook.pk)]},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "Both"
    assert [d["name"] for d in updated.json()["databases"]] == ["chinook-copy", "chinook"]
    only = alice_api.patch(f"/sessions/{sid}", json={"connection_ids": [str(chinook.pk)]}).json()
    assert [d["name"] for d in only["databases"]] == ["chinook"]

    posted = alice_api.post(
        f"/sessions/{sid}/messages", json={"message": "How many customers are there?"}
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["status"] == "done" and "59" in posted.json()["text"]
    messages = alice_api.get(f"/sessions/{sid}/messages").json()
    assert [m["role"] for m in messages] == ["user", "assistant"]

    assert alice_api.delete(f"/sessions/{sid}").status_code == 204
    assert_error(alice_api.get(f"/sessions/{sid}"), 404)


def test_session_errors(alice_api, chinook):
    assert_error(alice_api.post("/sessions", json={"connection_ids": [UNKNOWN]}), 404)
    assert_error(alice_api.post("/sessions", json={"connection_ids": ["x"]}), 422)
    assert_error(alice_api.get("/sessions/abc"), 422, "session_id")
    assert_error(alice_api.get("/sessions/99999999"), 404)
    empty = alice_api.post("/sessions", json={"connection_ids": []}).json()
    assert_error(
        alice_api.post(f"/sessions/{empty['id']}/messages", json={"message": "hi"}), 400, "database"
    )


def test_another_users_sessions_are_404(alice_api, bob_api, alice, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    reply = alice_api.post(
        f"/sessions/{session.pk}/messages", json={"message": "How many tracks?"}
    ).json()
    sid = session.pk
    for response in [
        bob_api.get(f"/sessions/{sid}"),
        bob_api.patch(f"/sessions/{sid}", json={"name": "mine"}),
        bob_api.delete(f"/sessions/{sid}"),
        bob_api.get(f"/sessions/{sid}/messages"),
        bob_api.post(f"/sessions/{sid}/messages", json={"message": "hi"}),
        bob_api.post("/multi-query", json={"question": "hi", "chat_session_id": sid}),
        bob_api.get(f"/tasks/{reply['task_id']}"),
    ]:
        assert_error(response, 404)
    assert bob_api.get("/sessions").json() == []
    session.refresh_from_db()
    assert session.name != "mine"


def test_multi_query(alice_api, chinook, other):
    response = alice_api.post(
        "/multi-query",
        json={
            "question": "How many customers are there?",
            "connection_ids": [str(chinook.pk), str(other.pk)],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["name"] for r in body["results"]] == ["chinook", "chinook-copy"]
    for result in body["results"]:
        assert result["sql"] and result["rows"] == [[59]] and result["row_count"] == 1
        assert result["error"] is None and result["duration_ms"] >= 0
    assert body["merged"]["columns"][0] == "database"
    assert [row[0] for row in body["merged"]["rows"]] == ["chinook", "chinook-copy"]
    again = alice_api.post(
        "/multi-query",
        json={"question": "How many tracks are there?", "chat_session_id": body["session_id"]},
    )
    assert again.status_code == 200 and len(again.json()["results"]) == 2


def test_answers_carry_the_interpretation_and_column_labels(alice_api, chinook, other, monkeypatch):
    # The live server runs in this process: the conversation answers with a scripted
    # generator (our own SqlGenerator interface) that says what it understood.
    monkeypatch.setattr(conversation, "sql_generator_for", lambda *args: Scripted(COUNTRIES))
    body = alice_api.post(
        "/chat", json={"message": "top 3 countries by invoices", "target_database": str(chinook.pk)}
    ).json()
    message = body["message"]
    assert message["interpretation"] == "number of invoices per billing country, top 3"
    [database] = message["result"]["databases"]
    assert database["columns"] == ["BillingCountry", "n"]  # machine names, as before
    assert database["column_labels"] == ["Country", "Number of invoices"]
    assert database["interpretation"] == message["interpretation"]
    assert (
        alice_api.get(f"/messages/{message['id']}").json()["interpretation"]
        == (message["interpretation"])
    )

    both = alice_api.post(
        "/multi-query",
        json={
            "question": "top 3 countries by invoices",
            "connection_ids": [str(chinook.pk), str(other.pk)],
        },
    ).json()
    for result in both["results"]:
        assert result["column_labels"] == ["Country", "Number of invoices"]
        assert result["interpretation"] == "number of invoices per billing country, top 3"
    assert both["merged"]["column_labels"] == ["Database", "Country", "Number of invoices"]


def test_an_answer_without_an_interpretation_has_null(alice_api, chinook, monkeypatch):
    plain = Generated(sql="SELECT COUNT(*) FROM Customer", explanation="Customers.")
    monkeypatch.setattr(
        conversation, "sql_generator_for", lambda *args: Scripted(plain, name="openai/fake")
    )
    body = alice_api.post(
        "/chat", json={"message": "How many customers?", "target_database": str(chinook.pk)}
    ).json()
    message = body["message"]
    assert message["interpretation"] is None
    assert message["result"]["databases"][0]["column_labels"] == ["Number of customers"]


def test_multi_query_errors(alice_api, chinook):
    assert_error(alice_api.post("/multi-query", json={"question": "q"}), 400, "connection_ids")
    assert_error(
        alice_api.post(
            "/multi-query",
            json={"question": "q", "connection_ids": [str(chinook.pk)], "chat_session_id": 1},
        ),
        400,
        "exactly one",
    )
    assert_error(
        alice_api.post("/multi-query", json={"question": "q", "connection_ids": [UNKNOWN]}), 404
    )


def test_tasks_errors(alice_api, chinook):
    assert_error(alice_api.get("/tasks/whatever"), 422, "task_id")
    assert_error(alice_api.get("/tasks/schema-99999999"), 404)
    assert_error(alice_api.get("/tasks/answer-99999999"), 404)
