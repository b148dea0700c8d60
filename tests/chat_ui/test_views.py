"""Chat pages as the owner, another user and a visitor; asking end to end on Chinook SQLite."""

import pytest
from django.test import Client
from django.urls import reverse

from chat import conversation, sessions
from chat.models import ChatMessage, ChatSession, QueryRun
from schemas_app import services as schema_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_session(alice, chinook):
    return sessions.create_session(alice, connections=[chinook])


def ask(client, session, question):
    return client.post(
        reverse("chat_ask", args=[session.pk]), {"question": question}, HTTP_HX_REQUEST="true"
    )


def run_pending(client, session):
    reply = session.messages.filter(role="assistant").last()
    return client.post(reverse("chat_message_run", args=[reply.pk]), HTTP_HX_REQUEST="true")


def test_visitor_is_sent_to_login(alice_session):
    for url in [
        reverse("chat"),
        reverse("chat_session", args=[alice_session.pk]),
        reverse("history"),
    ]:
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_another_users_session_is_404(bob, alice_session):
    client = Client()
    client.force_login(bob)
    assert client.get(reverse("chat_session", args=[alice_session.pk])).status_code == 404
    assert ask(client, alice_session, "how many tracks").status_code == 404
    assert client.post(reverse("chat_delete", args=[alice_session.pk])).status_code == 404
    assert ChatSession.objects.filter(pk=alice_session.pk).exists()


def test_new_session_starts_on_the_selected_database(alice_client, alice, chinook):
    from connections.services import select_connection

    select_connection(alice, chinook)
    response = alice_client.post(reverse("chat_new"))
    session = ChatSession.objects.get(owner=alice)
    assert response["Location"] == reverse("chat_session", args=[session.pk])
    assert [e.connection for e in session.databases.all()] == [chinook]


def test_ask_shows_the_question_at_once_then_the_answer(alice_client, alice_session):
    response = ask(alice_client, alice_session, "How many customers are there?")
    assert response.status_code == 200
    body = response.content.decode()
    assert "How many customers are there?" in body and "choosing tables" in body
    # The chat takes its name from the first question, in the header and sidebar (OOB swaps).
    assert 'id="session-name" hx-swap-oob="true"' in body
    assert f'id="session-link-{alice_session.pk}" hx-swap-oob="true"' in body

    answered = run_pending(alice_client, alice_session).content.decode()
    assert (
        "59" in answered
        and "SELECT" in answered
        and "Download CSV" not in answered
        or "59" in answered
    )
    reply = alice_session.messages.filter(role="assistant").last()
    assert reply.status == "done", reply.text
    assert "59" in reply.text
    run = QueryRun.objects.get(message=reply)
    assert run.status == "ok" and run.row_count == 1 and run.owner.username == "alice"


def test_polling_stops_when_the_answer_is_done(alice_client, alice_session):
    ask(alice_client, alice_session, "How many tracks are there?")
    run_pending(alice_client, alice_session)
    reply = alice_session.messages.filter(role="assistant").last()
    polled = alice_client.get(reverse("chat_message", args=[reply.pk]), HTTP_HX_REQUEST="true")
    assert polled.status_code == 286


def test_table_chart_paging_and_csv(alice_client, alice_session, settings):
    settings.CHAT_PAGE_SIZE = 10
    ask(alice_client, alice_session, "How many tracks per genre?")
    body = run_pending(alice_client, alice_session).content.decode()
    reply = alice_session.messages.filter(role="assistant").last()
    database = reply.result["databases"][0]
    assert database["row_count"] == 25, reply.text
    assert database["chart"]["type"] == "bar"
    assert 'class="chart"' in body and "page 1 of 3" in body
    run_id = database["run_id"]
    page2 = alice_client.get(reverse("chat_run_rows", args=[run_id]) + "?page=2").content.decode()
    assert "page 2 of 3" in page2 and page2.count("<tr>") == 11  # header + 10 rows
    csv_response = alice_client.get(reverse("chat_run_csv", args=[run_id]))
    lines = b"".join(csv_response.streaming_content).decode().strip().splitlines()
    assert len(lines) == 26  # header + 25 genres


def test_html_in_a_question_is_escaped(alice_client, alice_session):
    response = ask(alice_client, alice_session, "<script>alert(1)</script> how many tracks")
    assert "<script>alert(1)</script>" not in response.content.decode()
    page = alice_client.get(reverse("chat_session", args=[alice_session.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize("question,error", [("", "Type a question"), ("x" * 20_000, "too long")])
def test_bad_questions_are_refused_and_nothing_is_stored(
    alice_client, alice_session, question, error
):
    response = ask(alice_client, alice_session, question)
    assert response.status_code == 400 and error in response.content.decode()
    assert not alice_session.messages.exists()


def test_without_a_database_the_input_is_disabled(alice_client, alice):
    session = sessions.create_session(alice, connections=[])
    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    assert "Add a database to this chat to ask questions." in page and "disabled" in page
    assert ask(alice_client, session, "how many tracks").status_code == 400


def test_add_and_remove_databases(alice_client, alice_session, make_connection, chinook_sqlite):
    from dataclasses import replace

    other = make_connection(replace(chinook_sqlite.params), name="chinook-copy")
    response = alice_client.post(
        reverse("chat_add_database", args=[alice_session.pk]),
        {"connection_id": str(other.pk)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "chinook-copy" in response.content.decode()
    assert [e.connection_name for e in alice_session.databases.all()] == ["chinook", "chinook-copy"]
    entry = alice_session.databases.get(connection=other)
    alice_client.post(
        reverse("chat_remove_database", args=[alice_session.pk, entry.pk]), HTTP_HX_REQUEST="true"
    )
    assert [e.connection_name for e in alice_session.databases.all()] == ["chinook"]


def test_a_database_removed_from_the_registry_keeps_the_history(
    alice_client, alice_session, chinook
):
    ask(alice_client, alice_session, "How many customers are there?")
    run_pending(alice_client, alice_session)
    chinook.delete()
    page = alice_client.get(reverse("chat_session", args=[alice_session.pk])).content.decode()
    assert "removed from the registry" in page and "59" in page
    assert QueryRun.objects.filter(connection_name="chinook").exists()


def test_two_databases_give_a_merged_comparison(
    alice_client, alice_session, make_connection, chinook_sqlite
):
    from dataclasses import replace

    backup = make_connection(replace(chinook_sqlite.params), name="backup")
    schema_services.extract_now(backup, with_profile=True)
    sessions.add_database(alice_session, backup)
    ask(alice_client, alice_session, "How many customers are there?")
    body = run_pending(alice_client, alice_session).content.decode()
    reply = alice_session.messages.filter(role="assistant").last()
    assert reply.result["merged"]["rows"] == [["chinook", 59], ["backup", 59]]
    assert "Comparison across databases" in body


def test_one_database_down_the_other_answers(
    alice_client, alice_session, make_connection, tmp_path, chinook_sqlite
):
    import shutil
    from dataclasses import replace

    path = tmp_path / "doomed.sqlite3"
    shutil.copy(chinook_sqlite.params.database, path)
    doomed = make_connection(replace(chinook_sqlite.params, database=str(path)), name="doomed")
    schema_services.extract_now(doomed, with_profile=True)
    sessions.add_database(alice_session, doomed)
    path.unlink()  # the database goes away after its schema was extracted
    ask(alice_client, alice_session, "How many customers are there?")
    run_pending(alice_client, alice_session)
    reply = alice_session.messages.filter(role="assistant").last()
    by_name = {d["name"]: d for d in reply.result["databases"]}
    assert by_name["chinook"]["rows"] == [[59]]
    assert "not found" in by_name["doomed"]["error"].lower()
    assert reply.status == "done"
    assert "doomed: " in reply.text and "chinook: " in reply.text  # the failure is named


def test_results_are_cached_and_run_again_bypasses(alice_client, alice_session):
    ask(alice_client, alice_session, "How many tracks are there?")
    run_pending(alice_client, alice_session)
    ask(alice_client, alice_session, "how many  tracks are there?")
    run_pending(alice_client, alice_session)
    cached = alice_session.messages.filter(role="assistant").last()
    assert cached.result["cached"] is True
    runs_before = QueryRun.objects.count()
    alice_client.post(reverse("chat_message_again", args=[cached.pk]), HTTP_HX_REQUEST="true")
    run_pending(alice_client, alice_session)
    again = alice_session.messages.filter(role="assistant").last()
    assert again.result["cached"] is False and QueryRun.objects.count() == runs_before + 1


def test_a_new_snapshot_invalidates_the_cache(alice_client, alice_session, chinook):
    ask(alice_client, alice_session, "How many tracks are there?")
    run_pending(alice_client, alice_session)
    schema_services.extract_now(chinook)
    ask(alice_client, alice_session, "How many tracks are there?")
    run_pending(alice_client, alice_session)
    assert alice_session.messages.filter(role="assistant").last().result["cached"] is False


def test_feedback_is_stored(alice_client, alice_session):
    ask(alice_client, alice_session, "How many tracks are there?")
    run_pending(alice_client, alice_session)
    reply = alice_session.messages.filter(role="assistant").last()
    response = alice_client.post(
        reverse("chat_message_feedback", args=[reply.pk]),
        {"value": "correct"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Marked correct" in response.content.decode()
    reply.refresh_from_db()
    assert reply.feedback == "correct"
    assert (
        alice_client.post(
            reverse("chat_message_feedback", args=[reply.pk]), {"value": "meh"}
        ).status_code
        == 400
    )


def test_rename_and_delete(alice_client, alice_session):
    alice_client.post(reverse("chat_rename", args=[alice_session.pk]), {"name": "Music"})
    alice_session.refresh_from_db()
    assert alice_session.name == "Music"
    ask(alice_client, alice_session, "How many tracks are there?")
    run_pending(alice_client, alice_session)
    alice_client.post(reverse("chat_delete", args=[alice_session.pk]))
    assert not ChatSession.objects.filter(pk=alice_session.pk).exists()
    assert not ChatMessage.objects.exists()
    assert QueryRun.objects.filter(message__isnull=True).exists()  # history survives


def test_history_page_own_runs_and_staff_sees_all(alice_client, alice_session, admin_user):
    ask(alice_client, alice_session, "How many tracks are there?")
    run_pending(alice_client, alice_session)
    page = alice_client.get(reverse("history") + "?database=chinook&status=ok").content.decode()
    assert "How many tracks are there?" in page
    assert (
        "How many tracks"
        not in alice_client.get(reverse("history") + "?status=error").content.decode()
    )
    staff = Client()
    staff.force_login(admin_user)
    assert "How many tracks are there?" in staff.get(reverse("history")).content.decode()
    other = Client()
    other.force_login(type(admin_user).objects.create_user("carol", password="carol-pass-123"))
    assert "How many tracks are there?" not in other.get(reverse("history")).content.decode()


def test_dashboard_shows_query_figures(alice_client, alice_session, chinook):
    ask(alice_client, alice_session, "How many tracks are there?")
    run_pending(alice_client, alice_session)
    response = alice_client.get(reverse("dashboard"))
    body = response.content.decode()
    assert ">Failed</th>" in body and ">Refused</th>" in body and "(0%)" in body
    assert [c.pk for c in response.context["recently_used"]] == [chinook.pk]


def test_chat_page_queries_do_not_grow_with_messages(
    alice_client, alice_session, django_assert_max_num_queries
):
    reply = None
    for i in range(50):
        ChatMessage.objects.create(session=alice_session, role="user", text=f"question {i}")
        reply = ChatMessage.objects.create(
            session=alice_session,
            role="assistant",
            question=f"question {i}",
            text="answer",
            status="done",
            result={
                "databases": [
                    {
                        "name": "chinook",
                        "columns": ["n"],
                        "rows": [[i]],
                        "row_count": 1,
                        "sql": "SELECT 1",
                        "run_id": None,
                        "color": "#000",
                        "kind": "SQLite",
                        "duration_ms": 1,
                        "engine": "builtin",
                        "error": "",
                        "refused": False,
                        "text": "answer",
                        "chart": None,
                    }
                ]
            },
        )
    assert reply is not None
    # 16: one of them reads the groups the database picker offers (a constant, not per message)
    with django_assert_max_num_queries(16):
        response = alice_client.get(reverse("chat_session", args=[alice_session.pk]))
    assert (
        response.status_code == 200
        and response.content.decode().count('class="msg assistant"') == 50
    )


def test_api_style_ask_runs_now(alice, alice_session):
    reply = conversation.ask(alice, alice_session, "How many customers are there?")
    assert reply.status == "done" and "59" in reply.text


def test_a_changed_datapoint_invalidates_the_cache(alice_client, alice_session, chinook):
    from schemas_app.datapoints import save_example

    ask(alice_client, alice_session, "How many tracks are there?")
    run_pending(alice_client, alice_session)
    save_example(chinook, "How many albums are there?", "SELECT COUNT(*) FROM Album")
    ask(alice_client, alice_session, "How many tracks are there?")
    run_pending(alice_client, alice_session)
    assert alice_session.messages.filter(role="assistant").last().result["cached"] is False


def test_a_follow_up_is_not_served_from_another_conversations_cache(alice, alice_session, chinook):
    first = conversation.ask(alice, alice_session, "How many tracks per genre?")
    follow = conversation.ask(alice, alice_session, "only the top 3")
    other = sessions.create_session(alice, connections=[chinook])
    conversation.ask(alice, other, "How many albums per artist?")
    elsewhere = conversation.ask(alice, other, "only the top 3")
    assert first.status == follow.status == elsewhere.status == "done"
    assert elsewhere.result["cached"] is False
    assert elsewhere.result["databases"][0]["rows"] != follow.result["databases"][0]["rows"]


def test_ask_from_the_databases_page_starts_a_chat_on_that_database(alice_client, alice, chinook):
    page = alice_client.get(reverse("databases")).content.decode()
    assert f'name="connection_id" value="{chinook.pk}"' in page
    response = alice_client.post(reverse("chat_new"), {"connection_id": str(chinook.pk)})
    session = ChatSession.objects.get(owner=alice)
    assert response["Location"] == reverse("chat_session", args=[session.pk])
    assert [e.connection for e in session.databases.all()] == [chinook]
    assert alice_client.post(reverse("chat_new"), {"connection_id": "nope"}).status_code == 404
