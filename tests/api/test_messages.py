"""/messages/{id}: feedback, save as example, run again and stale answers, over HTTP."""

from datetime import timedelta

from django.utils import timezone

from chat import sessions
from chat.models import ChatMessage
from schemas_app.models import DataPoint

from .conftest import assert_error

QUESTION = "How many tracks are there?"


def ask(api, chinook) -> dict:
    body = api.post("/chat", json={"message": QUESTION, "target_database": str(chinook.pk)})
    assert body.status_code == 200, body.text
    return body.json()["message"]


def test_feedback_then_save_as_example_used_by_later_answers(alice_api, chinook):
    message = ask(alice_api, chinook)
    url = f"/messages/{message['id']}"
    assert alice_api.get(url).json()["text"] == message["text"]
    # Only a correct answer can be saved.
    assert_error(alice_api.post(f"{url}/save-example", json={}), 400, "marked correct")
    assert_error(alice_api.post(f"{url}/feedback", json={"value": "great"}), 422)
    marked = alice_api.post(f"{url}/feedback", json={"value": "correct"})
    assert marked.status_code == 200 and marked.json()["feedback"] == "correct"
    assert ChatMessage.objects.get(pk=message["id"]).feedback == "correct"
    saved = alice_api.post(f"{url}/save-example", json={"connection_id": str(chinook.pk)})
    assert saved.status_code == 201, saved.text
    (point,) = saved.json()
    assert point["kind"] == "example" and point["source"] == "feedback"
    assert point["connection_id"] == str(chinook.pk)
    assert point["content"]["question"] == QUESTION and "count" in point["content"]["sql"].lower()
    listed = alice_api.get("/datapoints", params={"scope": str(chinook.pk), "kind": "example"})
    assert [p["id"] for p in listed.json()] == [point["id"]]
    # Saving again keeps one example.
    alice_api.post(f"{url}/save-example", json={})
    assert DataPoint.objects.filter(kind="example").count() == 1


def test_run_again_asks_again_on_the_same_databases(alice_api, chinook):
    message = ask(alice_api, chinook)
    again = alice_api.post(f"/messages/{message['id']}/run-again")
    assert again.status_code == 201, again.text
    body = again.json()
    assert body["id"] != message["id"] and body["question"] == QUESTION
    assert body["databases"] == ["chinook"] and body["status"] == "done"
    assert body["result"]["cached"] is False


def test_another_users_answer_is_404(alice_api, bob_api, chinook):
    message = ask(alice_api, chinook)
    url = f"/messages/{message['id']}"
    assert_error(bob_api.get(url), 404)
    assert_error(bob_api.post(f"{url}/feedback", json={"value": "wrong"}), 404)
    assert_error(bob_api.post(f"{url}/save-example", json={}), 404)
    assert_error(bob_api.post(f"{url}/run-again"), 404)
    assert ChatMessage.objects.get(pk=message["id"]).feedback == ""
    assert_error(alice_api.get("/messages/2147483647"), 404)


def test_a_stale_answer_ends_when_polled(alice_api, alice, chinook, settings):
    """A worker killed mid-answer leaves its message running; API pollers see it end."""
    settings.CHAT_ANSWER_STALE_SECONDS = 60
    session = sessions.create_session(alice, connections=[chinook])
    stuck = ChatMessage.objects.create(
        session=session,
        role=ChatMessage.Role.ASSISTANT,
        question=QUESTION,
        status=ChatMessage.Status.RUNNING,
    )
    ChatMessage.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    task = alice_api.get(f"/tasks/answer-{stuck.pk}").json()
    assert task["status"] == "failed" and task["finished"] and "interrupted" in task["error"]
    assert alice_api.get(f"/messages/{stuck.pk}").json()["status"] == "failed"
