"""The model's audit log: stored at the gateway (failed calls too, never the key), shown to
staff behind an answer, exported (page, command, API), purged after MODEL_LOG_RETENTION_DAYS;
hidden from everyone else. Also the data_exposure field of /api/v1/databases."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from api.models import ApiToken
from chat import model_log, tasks
from chat.answering import gateway
from chat.models import ChatMessage, ChatSession, ModelCall

pytestmark = pytest.mark.django_db

PROMPT = [
    {"role": "system", "content": "You write SQL."},
    {"role": "user", "content": "Question: how many tracks?"},
]


@pytest.fixture
def answer(alice):
    """A finished answer of alice's with two recorded model calls."""
    session = ChatSession.objects.create(owner=alice)
    message = ChatMessage.objects.create(
        session=session,
        role=ChatMessage.Role.ASSISTANT,
        question="how many tracks?",
        text="3,503",
        status=ChatMessage.Status.DONE,
        result={"databases": []},
    )
    with model_log.collecting(user=alice.pk, message=message.pk):
        with gateway.about(databases={"chinook": "schema"}):
            gateway.recording.record(
                kind="chat",
                purpose="generate",
                model="openai/fake-model",
                request=PROMPT,
                reply='{"sql": "SELECT count(*) FROM track"}',
                prompt_tokens=100,
                completion_tokens=9,
                cost=0.00012,
                duration_ms=12.5,
            )
            gateway.recording.record(
                kind="chat", purpose="correct", model="openai/fake-model", request=PROMPT,
                error="The language model failed (HTTP 500, a server error); try again later.",
            )  # fmt: skip
    return message


def test_a_call_is_stored_at_the_gateway_in_full_without_the_key(fake_llm, settings):
    fake_llm.reply({"sql": "SELECT 1"})
    gateway.complete(PROMPT, purpose="probe")
    fake_llm.fail(500)
    with pytest.raises(gateway.GatewayError):
        gateway.complete([*PROMPT, {"role": "user", "content": "key? sk-fake"}], purpose="again")
    ok, failed = ModelCall.objects.order_by("pk")
    assert ok.request == PROMPT and ok.reply == '{"sql": "SELECT 1"}' and ok.purpose == "probe"
    assert ok.model == "openai/fake-model" and ok.prompt_tokens == 100 and ok.duration_ms > 0
    assert ok.message is None and ok.user is None  # no chat around it: stored at once
    assert failed.error.startswith("The language model failed (HTTP 500") and failed.reply == ""
    # The key is not part of what is stored, and a prompt that carried it is redacted.
    assert failed.request[-1]["content"] == "key? [redacted]"
    rows = ModelCall.objects.values_list("request", "reply", "error", "model")
    assert settings.LLM_API_KEY == "sk-fake" and not any("sk-fake" in str(r) for r in rows)


def test_staff_see_what_the_model_saw_and_nobody_else_does(answer, admin_client, alice_client):
    page = admin_client.get(f"/messages/{answer.pk}/model-calls/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Question: how many tracks?" in html and "SELECT count(*) FROM track" in html
    assert "chinook: <strong>schema</strong>" in html and "HTTP 500" in html
    # The answer's owner is not staff: the page does not exist for her.
    assert alice_client.get(f"/messages/{answer.pk}/model-calls/").status_code == 404
    assert Client().get(f"/messages/{answer.pk}/model-calls/").status_code == 302  # sign in
    assert admin_client.get("/messages/999999/model-calls/").status_code == 404


def test_the_link_is_on_the_answer_for_staff_only(answer, admin_user, alice_client):
    assert "What the model saw" not in alice_client.get(f"/messages/{answer.pk}/").content.decode()
    answer.session.owner = admin_user
    answer.session.save()
    staff = Client()
    staff.force_login(admin_user)
    html = staff.get(f"/messages/{answer.pk}/").content.decode()
    assert "What the model saw" in html and f"/messages/{answer.pk}/model-calls/" in html


def test_export_as_csv_and_json_lines_for_staff_only(answer, admin_client, alice_client):
    response = admin_client.get("/model-log/export/?format=csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["purpose"] for r in rows] == ["generate", "correct"]
    assert json.loads(rows[0]["request"]) == PROMPT and rows[0]["user"] == "alice"
    lines = b"".join(admin_client.get("/model-log/export/").streaming_content).splitlines()
    assert [json.loads(x)["exposure"] for x in lines] == [{"chinook": "schema"}] * 2
    later = (timezone.now() + timedelta(days=1)).date().isoformat()
    assert b"".join(admin_client.get(f"/model-log/export/?since={later}").streaming_content) == b""
    bad = admin_client.get("/model-log/export/?format=xml")
    assert bad.status_code == 400 and b"use jsonl or csv" in bad.content
    bad = admin_client.get("/model-log/export/?since=yesterday")
    assert bad.status_code == 400 and b"YYYY-MM-DD" in bad.content
    assert alice_client.get("/model-log/export/").status_code == 403


def test_export_command(answer, tmp_path):
    out = io.StringIO()
    call_command("export_model_log", "--format", "jsonl", stdout=out)
    assert [json.loads(x)["purpose"] for x in out.getvalue().splitlines()] == [
        "generate",
        "correct",
    ]
    target = tmp_path / "log.csv"
    call_command("export_model_log", "--format", "csv", "--since", "2000-01-01", "--output", target)
    assert target.read_text().startswith("id,created_at,user,message_id")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("export_model_log", "--since", "last week")


def test_retention(answer, settings):
    old = ModelCall.objects.order_by("pk").first()
    ModelCall.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    settings.MODEL_LOG_RETENTION_DAYS = 0  # keep forever
    assert tasks.purge_model_log() == 0
    settings.MODEL_LOG_RETENTION_DAYS = 90
    assert tasks.purge_model_log() == 1
    assert list(ModelCall.objects.values_list("purpose", flat=True)) == ["correct"]
    assert "purge-model-log" in settings.CELERY_BEAT_SCHEDULE


def _api(user) -> Client:
    token = ApiToken.issue(user, "tests")[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_api_serves_the_log_to_staff_only(answer, admin_user, alice):
    staff = _api(admin_user)
    listed = staff.get(f"/api/v1/model-calls?message_id={answer.pk}")
    assert listed.status_code == 200, listed.content
    body = listed.json()
    assert [c["purpose"] for c in body] == ["correct", "generate"]  # newest first
    one = staff.get(f"/api/v1/model-calls/{body[1]['id']}").json()
    assert one["request"] == PROMPT and one["cost"] == 0.00012 and one["user"] == "alice"
    assert staff.get("/api/v1/model-calls/999999").status_code == 404
    denied = _api(alice).get("/api/v1/model-calls")
    assert denied.status_code == 403 and "staff" in denied.json()["detail"]
    assert _api(alice).get(f"/api/v1/model-calls/{body[0]['id']}").status_code == 403


def test_data_exposure_in_the_databases_api(admin_user, alice, make_connection, chinook_sqlite):
    connection = make_connection(chinook_sqlite.params, name="lite")
    staff = _api(admin_user)
    read = staff.get(f"/api/v1/databases/{connection.pk}").json()
    assert read["data_exposure"] == "" and read["data_exposure_effective"] == "profiles"
    url = f"/api/v1/databases/{connection.pk}"
    changed = staff.patch(url, {"data_exposure": "schema"}, content_type="application/json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["data_exposure_effective"] == "schema"
    bad = staff.patch(url, {"data_exposure": "everything"}, content_type="application/json")
    assert bad.status_code == 422 and "data_exposure" in bad.content.decode()
    connection.refresh_from_db()
    assert connection.data_exposure == "schema"  # unchanged by the bad request
    back = staff.patch(url, {"data_exposure": ""}, content_type="application/json")
    assert back.json()["data_exposure_effective"] == "profiles"
    refused = _api(alice).patch(url, {"data_exposure": "values"}, content_type="application/json")
    assert refused.status_code == 403
    connection.refresh_from_db()
    assert connection.data_exposure == ""


@pytest.mark.django_db(transaction=True)  # the thread's own connection sees alice
def test_a_call_after_its_answer_was_written_is_stored_on_its_own(alice):
    """A worker thread that outlived the chat's deadline still has the answer's fields."""
    import threading

    with model_log.collecting(user=alice.pk):
        handed = gateway.current_about()
    late = threading.Thread(target=lambda: _late_call(handed))
    late.start()
    late.join()
    (call,) = ModelCall.objects.all()
    assert call.purpose == "late" and call.user == alice


def _late_call(handed: dict) -> None:
    from django.db import connections

    try:
        with gateway.about(**handed):
            gateway.recording.record(kind="chat", purpose="late", request=PROMPT)
    finally:
        connections.close_all()
