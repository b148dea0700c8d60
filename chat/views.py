"""Chat pages: thin views over chat.sessions, chat.conversation, chat.feedback and
chat.results."""

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from connections import groups
from connections.services import get_visible_connection, visible_connections
from schemas_app import datapoints
from schemas_app.dashboard import dashboard_context

from . import conversation, examples, history, results, sessions
from . import feedback as answer_feedback
from .answering.labels import labels_for
from .models import ChatMessage

HTMX_STOP_POLLING = 286


def _run_in_request() -> bool:
    """Without a broker the page asks for the answer from a request of its own (/run/);
    with REDIS_URL a Celery worker answers and the page only polls."""
    return not settings.REDIS_URL


def _assistant(request, message, **extra):
    _with_example_state([message])
    context = {"m": message, "session": message.session, "run_in_request": _run_in_request()}
    return render(request, "chat/session.html#assistant", {**context, **extra})


def _with_example_state(messages):
    """Mark each answer that ran SQL (`has_sql`: it can be saved as an example) and, once
    marked correct, whether its question is already an example of a database it answered
    on (`saved_example`), so the page says "Saved" after a reload instead of offering again."""
    for m in messages:
        answered = [
            d
            for d in (m.result or {}).get("databases", [])
            if d.get("sql") and not d.get("error") and d.get("connection_id")
        ]
        m.has_sql = bool(answered)
        m.saved_example = m.feedback == "correct" and any(
            datapoints.example_saved(d["connection_id"], m.question) for d in answered
        )
    return messages


def _session_page_context(request, session):
    entries = list(session.databases.select_related("connection"))
    usable = [e for e in entries if e.connection is not None and e.connection.is_active]
    in_session = {e.connection_id for e in entries}
    messages_list = _with_example_state(list(session.messages.all()))
    return {
        "session": session,
        "sessions": request.user.chat_sessions.all()[:50],
        "entries": entries,
        "can_ask": bool(usable),
        "addable": [
            c
            for c in visible_connections(request.user).filter(is_active=True)
            if c.pk not in in_session
        ],
        # Groups in the picker: choosing one makes its active members the chat's databases.
        "groups": groups.groups_with_active_members(request.user),
        "messages_list": messages_list,
        # An empty chat offers a few questions its database answers (chat.examples).
        "examples": (
            examples.for_connections([e.connection for e in usable])
            if usable and not messages_list
            else []
        ),
        "run_in_request": _run_in_request(),
        "max_question_chars": conversation.MAX_QUESTION_CHARS,
    }


@login_required
def chat_home(request):
    latest = request.user.chat_sessions.first()
    if latest:
        return redirect("chat_session", session_id=latest.pk)
    return render(request, "chat/empty.html", {"sessions": []})


@login_required
@require_POST
def new_session(request):
    """A new chat on the database given ("Ask" on the databases page), else on the selected one."""
    connection_id = request.POST.get("connection_id")
    connections = None
    if connection_id:
        connection = get_visible_connection(request.user, connection_id)
        if not connection.is_active:
            raise Http404("No such database.")
        connections = [connection]
    session = sessions.create_session(request.user, connections=connections)
    return redirect("chat_session", session_id=session.pk)


@login_required
def session_page(request, session_id):
    session = sessions.get_session(request.user, session_id)
    conversation.fail_stale(session.messages.all())
    return render(request, "chat/session.html", _session_page_context(request, session))


@login_required
@require_POST
def rename_session(request, session_id):
    """HTMX swaps the name form (and the sidebar link) in place; without JavaScript the
    form posts and the page comes back."""
    session = sessions.get_session(request.user, session_id)
    error = ""
    try:
        sessions.rename_session(session, request.POST.get("name", ""))
    except ValueError as exc:
        error = str(exc)
    if request.htmx:
        if error:  # shown next to the form, which stays as typed
            return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
        return render(request, "chat/session.html#rename", {"session": session, "renamed": True})
    if error:
        flash.error(request, error)
    return redirect("chat_session", session_id=session.pk)


@login_required
@require_POST
def delete_session(request, session_id):
    sessions.delete_session(sessions.get_session(request.user, session_id))
    return redirect("chat")


@login_required
@require_POST
def add_database(request, session_id):
    session = sessions.get_session(request.user, session_id)
    value = request.POST.get("connection_id", "")
    if value.startswith("group:"):
        members = groups.active_members(request.user, groups.get_group(value[len("group:") :]))
        if members:
            sessions.set_session_databases(session, members)
    else:
        sessions.add_database_by_id(request.user, session, value)
    return _database_bar(request, session)


@login_required
@require_POST
def remove_database(request, session_id, entry_id):
    session = sessions.get_session(request.user, session_id)
    sessions.remove_database(session, entry_id)
    return _database_bar(request, session)


def _database_bar(request, session):
    if not request.htmx:
        return redirect("chat_session", session_id=session.pk)
    # The bar and the question form both depend on the databases: swap the whole panel.
    return render(request, "chat/session.html#workspace", _session_page_context(request, session))


@login_required
@require_POST
def ask(request, session_id):
    session = sessions.get_session(request.user, session_id)
    try:
        reply = conversation.ask(
            request.user, session, request.POST.get("question", ""), run_now=False
        )
    except conversation.QuestionError as exc:
        if request.htmx:
            return render(request, "chat/session.html#ask_error", {"error": str(exc)}, status=400)
        flash.error(request, str(exc))
        return redirect("chat_session", session_id=session.pk)
    if not request.htmx:
        if _run_in_request():
            conversation.run_answer(reply.pk)
        return redirect("chat_session", session_id=session.pk)
    session.refresh_from_db()  # the first question names the chat
    return _new_messages(request, session, reply)


def _new_messages(request, session, reply):
    context = {
        "session": session,
        "pair": _question_and_reply(reply),
        "run_in_request": _run_in_request(),
    }
    return render(request, "chat/session.html#new_messages", context)


def _question_and_reply(reply: ChatMessage) -> list[ChatMessage]:
    """The question stored just before `reply` in its session, and the reply."""
    return list(reply.session.messages.filter(pk__lte=reply.pk).order_by("-pk")[:2])[::-1]


def _own_message(request, message_id) -> ChatMessage:
    try:
        return ChatMessage.objects.select_related("session").get(
            pk=int(message_id), session__owner=request.user, role=ChatMessage.Role.ASSISTANT
        )
    except (ChatMessage.DoesNotExist, ValueError) as exc:
        raise Http404("No such message.") from exc


@login_required
def message_status(request, message_id):
    message = _own_message(request, message_id)
    if not message.is_finished and conversation.fail_stale(
        ChatMessage.objects.filter(pk=message.pk)
    ):
        message.refresh_from_db()
    response = _assistant(request, message)
    if message.is_finished and request.htmx:
        response.status_code = HTMX_STOP_POLLING
    return response


@login_required
@require_POST
def run_message(request, message_id):
    """Without a broker the page asks for the work from this separate request, so the
    question shows at once and the steps can be polled meanwhile. With a broker the worker
    answers: this only reports the status (never holds a web worker for an answer)."""
    message = _own_message(request, message_id)
    if _run_in_request():
        conversation.run_answer(message.pk)  # a no-op once anything claimed it
        message.refresh_from_db()
    return _assistant(request, message)


@login_required
@require_POST
def run_again(request, message_id):
    message = _own_message(request, message_id)
    try:
        reply = conversation.run_again(request.user, message, run_now=False)
    except conversation.QuestionError as exc:
        return render(request, "chat/session.html#ask_error", {"error": str(exc)}, status=400)
    if not request.htmx:
        if _run_in_request():
            conversation.run_answer(reply.pk)
        return redirect("chat_session", session_id=message.session_id)
    return _new_messages(request, message.session, reply)


@login_required
@require_POST
def feedback(request, message_id):
    message = _own_message(request, message_id)
    value = request.POST.get("value", "")
    try:
        if value == "save_example":
            answer_feedback.save_as_example(message, request.user)
        else:
            answer_feedback.set_feedback(message, request.user, value)
    except answer_feedback.FeedbackError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    _with_example_state([message])
    return render(request, "chat/session.html#feedback", {"m": message})


def _unavailable(exc: results.ResultUnavailable) -> HttpResponse:
    return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")


def _csv_response(header, rows, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        results.csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def run_rows(request, run_id):
    run = results.visible_run(request.user, run_id)
    try:
        rows = results.full_rows(run)
    except results.ResultUnavailable as exc:
        return _unavailable(exc)
    context = {
        "page": results.page_of(rows, request.GET.get("page", "1")),
        "columns": run.columns,
        "labels": labels_for(run.columns, run.column_labels),
        "rows_url": reverse("chat_run_rows", args=[run.pk]),
    }
    return render(request, "chat/session.html#result_table", context)


@login_required
def run_csv(request, run_id):
    run = results.visible_run(request.user, run_id)
    try:
        rows = results.full_rows(run)  # before the response starts: errors get a status
    except results.ResultUnavailable as exc:
        return _unavailable(exc)
    header = labels_for(run.columns, run.column_labels)
    return _csv_response(header, rows, f"datachat-run-{run.pk}.csv")


@login_required
def merged_rows(request, message_id):
    message = _own_message(request, message_id)
    try:
        columns, labels, rows = results.merged_table(request.user, message)
    except results.ResultUnavailable as exc:
        return _unavailable(exc)
    context = {
        "page": results.page_of(rows, request.GET.get("page", "1")),
        "columns": columns,
        "labels": labels,
        "rows_url": reverse("chat_merged_rows", args=[message.pk]),
    }
    return render(request, "chat/session.html#result_table", context)


@login_required
def merged_csv(request, message_id):
    message = _own_message(request, message_id)
    try:
        _, labels, rows = results.merged_table(request.user, message)
    except results.ResultUnavailable as exc:
        return _unavailable(exc)
    return _csv_response(labels, rows, f"datachat-comparison-{message.pk}.csv")


@login_required
def history_page(request):
    context = history.history_context(request.user, request.GET)
    return render(request, "chat/history.html", context)


@login_required
def dashboard_page(request):
    context = dashboard_context(request.user)
    context["query_figures"] = history.figures_by_database(request.user, context["connections"])
    # Questions asked say "used" better than selections and tests, once there are any.
    context["recently_used"] = (
        history.recently_used(request.user, context["connections"]) or context["recently_used"]
    )
    return render(request, "schemas_app/dashboard.html", context)
