"""Report pages: list, create (also from a chat answer), edit, delete with a confirmation,
run now, and a report's runs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from chat.conversation import message_connections
from chat.models import ChatMessage
from connections.models import ConnectionGroup
from connections.services import visible_connections

from . import changes, emailing, service
from .models import Report


@login_required
def report_list(request):
    reports = service.visible_reports(request.user).prefetch_related("databases")
    return render(request, "reports/list.html", {"reports": reports})


def _choices(user) -> dict:
    return {
        "connections": visible_connections(user).filter(is_active=True).order_by("name"),
        "groups": ConnectionGroup.objects.order_by("name"),
    }


def _fields(post) -> dict:
    return {
        "name": post.get("name", ""),
        "question": post.get("question", ""),
        "schedule": post.get("schedule", ""),
        "database_ids": post.getlist("databases"),
        "group_id": post.get("group") or None,
        "is_active": post.get("is_active") == "on",
        "email_owner": post.get("email_owner") == "on",
    }


def _from_message(user, message_id) -> dict:
    """A chat answer's question and databases, for "Save as report"."""
    try:
        message = ChatMessage.objects.select_related("session").get(
            pk=int(message_id), session__owner=user, role=ChatMessage.Role.ASSISTANT
        )
    except (ChatMessage.DoesNotExist, ValueError, TypeError, OverflowError):
        return {}
    return {
        "name": message.question[:200],
        "question": message.question,
        "database_ids": [str(c.pk) for c in message_connections(message)],
    }


def _form(request, report: Report | None):
    if request.method == "POST":
        fields = _fields(request.POST)
        try:
            saved = service.save_report(request.user, report, **fields)
        except service.ReportError as error:
            return render(
                request,
                "reports/form.html",
                {"report": report, "values": fields, "error": str(error), **_choices(request.user)},
                status=400,
            )
        messages.success(request, f"Saved the report {saved.name!r}.")
        return redirect("report_detail", saved.pk)
    if report is not None:
        values = {
            "name": report.name,
            "question": report.question,
            "schedule": report.schedule,
            "database_ids": [str(c.pk) for c in report.databases.all()],
            "group_id": str(report.group_id or ""),
            "is_active": report.is_active,
            "email_owner": report.email_owner,
        }
    else:
        values = {"schedule": "0 8 * * *", "is_active": True, "database_ids": []}
        values.update(_from_message(request.user, request.GET.get("message")))
    return render(
        request, "reports/form.html", {"report": report, "values": values, **_choices(request.user)}
    )


@login_required
def report_new(request):
    return _form(request, None)


def _own(request, report_id) -> Report:
    report = service.get_report(request.user, report_id)
    if not (request.user.is_staff or report.owner_id == request.user.pk):
        raise PermissionDenied
    return report


@login_required
def report_edit(request, report_id):
    return _form(request, _own(request, report_id))


@login_required
def report_detail(request, report_id):
    report = _own(request, report_id)
    runs = list(report.runs.all()[:20])
    latest = next((r for r in runs if r.result), None)
    headers, rows, total = emailing.table_of(latest) if latest else ([], [], 0)
    shown = [(run, changes.describe(run.change) if run.status == "ok" else "") for run in runs]
    context = {
        "report": report,
        "runs": shown,
        "latest": latest,
        "headers": headers,
        "rows": rows,
        "total": total,
    }
    return render(request, "reports/detail.html", context)


@login_required
def report_delete(request, report_id):
    report = _own(request, report_id)
    if request.method == "POST":
        name = report.name
        report.delete()
        messages.success(request, f"Deleted the report {name!r} and its runs.")
        return redirect("reports")
    return render(request, "reports/delete.html", {"report": report})


@login_required
@require_POST
def report_run(request, report_id):
    report = _own(request, report_id)
    service.start_run(report, trigger="manual")
    messages.success(request, "Run started: it shows below when it is done.")
    return redirect("report_detail", report.pk)
