"""Report pages: save from a chat answer, create, edit (a bad schedule changes nothing), run
now, delete with a confirmation; the dashboard lists reports with their last status; the
owner or staff only."""

import pytest
from django.urls import reverse

from chat import conversation, sessions
from reports.models import Report

pytestmark = pytest.mark.django_db(transaction=True)
QUESTION = "How many customers are there?"


def _post(client, chinook, **extra):
    data = {
        "name": "Customers",
        "question": QUESTION,
        "schedule": "0 8 * * *",
        "databases": [str(chinook.pk)],
        "is_active": "on",
        **extra,
    }
    return client.post(reverse("report_new"), data)


def test_save_as_report_from_a_chat_answer(alice, alice_client, chinook):
    session = sessions.create_session(alice, connections=[chinook])
    conversation.ask(alice, session, QUESTION)
    answer = session.messages.get(role="assistant")
    page = alice_client.get(reverse("chat_session", args=[session.pk])).content.decode()
    link = f"{reverse('report_new')}?message={answer.pk}"
    assert link in page
    form = alice_client.get(link).content.decode()
    assert QUESTION in form and f'value="{chinook.pk}" checked' in form


def test_create_run_edit_delete_and_the_dashboard(alice_client, chinook, bob):
    response = _post(alice_client, chinook)
    report = Report.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "report_detail", args=[report.pk]
    )

    alice_client.post(reverse("report_run", args=[report.pk]))
    detail = alice_client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert "First run" in detail and "<td>59</td>" in detail

    dashboard = alice_client.get(reverse("dashboard")).content.decode()
    assert "Scheduled reports" in dashboard and "Customers" in dashboard and ">OK<" in dashboard

    bad = alice_client.post(
        reverse("report_edit", args=[report.pk]),
        {
            "name": "Renamed",
            "question": QUESTION,
            "schedule": "0 8 * *",
            "databases": [str(chinook.pk)],
        },
    )
    assert bad.status_code == 400 and "five fields" in bad.content.decode()
    report.refresh_from_db()
    assert (report.name, report.schedule) == ("Customers", "0 8 * * *")

    from django.test import Client

    bob_client = Client()
    bob_client.force_login(bob)
    assert bob_client.get(reverse("report_detail", args=[report.pk])).status_code == 404
    assert bob_client.post(reverse("report_delete", args=[report.pk])).status_code == 404
    confirm = alice_client.get(reverse("report_delete", args=[report.pk])).content.decode()
    assert "Delete the report Customers?" in confirm and Report.objects.exists()
    alice_client.post(reverse("report_delete", args=[report.pk]))
    assert not Report.objects.exists()


def test_admin_refuses_a_bad_schedule_and_runs_reports_now(admin_client, admin_user, chinook):
    add = reverse("admin:reports_report_add")
    data = {
        "owner": admin_user.pk,
        "name": "Customers",
        "question": QUESTION,
        "databases": [str(chinook.pk)],
        "schedule": "0 8 * *",
        "is_active": "on",
        "runs-TOTAL_FORMS": "0",
        "runs-INITIAL_FORMS": "0",
    }
    refused = admin_client.post(add, data)
    assert refused.status_code == 200 and "five fields" in refused.content.decode()
    assert not Report.objects.exists()

    assert admin_client.post(add, {**data, "schedule": "0 8 * * *"}).status_code == 302
    report = Report.objects.get()
    changelist = reverse("admin:reports_report_changelist")
    admin_client.post(changelist, {"action": "run_now", "_selected_action": [report.pk]})
    run = report.runs.get()
    assert (run.status, run.trigger) == ("ok", "manual")
    assert (
        admin_client.get(reverse("admin:reports_reportrun_change", args=[run.pk])).status_code
        == 200
    )
