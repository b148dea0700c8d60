"""Pages: compare two databases; connection groups (their members, a chat on them, a
comparison of two of them, one question across all of them)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from chat import conversation, sessions
from connections import groups
from connections.models import ConnectionGroup
from connections.services import get_visible_connection, visible_connections

from .report import text_lines
from .services import ComparisonError, compare


def _active(user, connection_id):
    connection = get_visible_connection(user, connection_id)
    if not connection.is_active:
        raise Http404("No such database.")
    return connection


@login_required
def compare_page(request):
    """GET ?left=&right=[&data=1]: the form, and the comparison when both are given."""
    group = None
    choices = list(visible_connections(request.user).filter(is_active=True))
    if request.GET.get("group"):
        group = groups.get_group(request.GET["group"])
        choices = [c for c in groups.visible_members(request.user, group) if c.is_active]
    context = {"choices": choices, "group": group, "result": None, "error": ""}
    left, right = request.GET.get("left"), request.GET.get("right")
    data = request.GET.get("data") == "1"
    context.update(left=left or "", right=right or "", data=data)
    if left and right:
        if data and not request.user.is_staff:
            raise PermissionDenied("Only staff can compare data: it reads every table of both.")
        try:
            result = compare(_active(request.user, left), _active(request.user, right), data=data)
        except ComparisonError as exc:
            context["error"] = str(exc)
        else:
            context["result"] = result
            context["summary"] = text_lines(result)[-1]
    return render(request, "comparisons/compare.html", context)


@login_required
def group_list(request):
    all_groups = ConnectionGroup.objects.prefetch_related("members")
    rows = [(g, groups.visible_members(request.user, g)) for g in all_groups]
    return render(request, "comparisons/group_list.html", {"rows": rows})


@login_required
def group_detail(request, group_id):
    group = groups.get_group(group_id)
    members = groups.visible_members(request.user, group)
    return render(
        request,
        "comparisons/group_detail.html",
        {"group": group, "members": members, "active": [m for m in members if m.is_active]},
    )


def _group_chat(request, group):
    members = groups.active_members(request.user, group)
    if not members:
        flash.error(request, f"The group {group.name} has no active database.")
        return None
    return sessions.create_session(request.user, name=group.name, connections=members)


@login_required
@require_POST
def group_chat(request, group_id):
    """A new chat on the group's active members."""
    group = groups.get_group(group_id)
    session = _group_chat(request, group)
    if session is None:
        return redirect("group_detail", group_id=group.pk)
    return redirect("chat_session", session_id=session.pk)


@login_required
@require_POST
def group_ask(request, group_id):
    """One question across the group's active members: a new chat on them, asked at once
    (the multi-database chat answers it on each and compares)."""
    group = groups.get_group(group_id)
    question = request.POST.get("question", "")
    if not question.strip():
        flash.error(request, "Type a question to ask across the group.")
        return redirect("group_detail", group_id=group.pk)
    session = _group_chat(request, group)
    if session is None:
        return redirect("group_detail", group_id=group.pk)
    try:
        # Left pending: the chat page runs it (or a worker does, with REDIS_URL), as when
        # the question is typed there.
        conversation.ask(request.user, session, question, run_now=False)
    except conversation.QuestionError as exc:
        flash.error(request, str(exc))
    return redirect("chat_session", session_id=session.pk)
