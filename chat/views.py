"""Chat pages: thin views over chat.sessions, chat.conversation and chat.results."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from connections.services import get_visible_connection, visible_connections
from schemas_app import datapoints
from schemas_app.dashboard import dashboard_context

from . import conversation, history, results, sessions
from .models import ChatMessage

HTMX_STOP_POLLING = 286


def _session_page_context(request, session):
    entries = list(session.databases.select_related("connection"))
    usable = [e for e in entries if e.connection is not None and e.connection.is_active]
    in_session = {e.connection_id for e in entries}
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
        "messages_list": session.messages.all(),
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
    return render(request, "chat/session.html", _session_page_context(request, session))


@login_required
@require_POST
def rename_session(request, session_id):
    session = sessions.get_session(request.user, session_id)
    try:
        sessions.rename_session(session, request.POST.get("name", ""))
    except ValueError as exc:
        flash.error(request, str(exc))
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
    sessions.add_database_by_id(request.user, session, request.POST.get("connection_id", ""))
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
        conversation.run_answer(reply.pk)
        return redirect("chat_session", session_id=session.pk)
    session.refresh_from_db()  # the first question names the chat
    pair = _question_and_reply(reply)
    return render(request, "chat/session.html#new_messages", {"session": session, "pair": pair})


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
    response = render(
        request, "chat/session.html#assistant", {"m": message, "session": message.session}
    )
    if message.is_finished and request.htmx:
        response.status_code = HTMX_STOP_POLLING
    return response


@login_required
@require_POST
def run_message(request, message_id):
    """Without a broker the page asks for the work from this separate request, so the
    question shows at once and the steps can be polled meanwhile."""
    message = _own_message(request, message_id)
    conversation.run_answer(message.pk)  # a no-op when a worker already claimed it
    message.refresh_from_db()
    return render(
        request, "chat/session.html#assistant", {"m": message, "session": message.session}
    )


@login_required
@require_POST
def run_again(request, message_id):
    message = _own_message(request, message_id)
    try:
        reply = conversation.run_again(request.user, message, run_now=False)
    except conversation.QuestionError as exc:
        return render(request, "chat/session.html#ask_error", {"error": str(exc)}, status=400)
    pair = _question_and_reply(reply)
    return render(
        request, "chat/session.html#new_messages", {"session": message.session, "pair": pair}
    )


@login_required
@require_POST
def feedback(request, message_id):
    message = _own_message(request, message_id)
    value = request.POST.get("value", "")
    if value == "save_example":
        return _save_example(request, message)
    if value not in ("correct", "wrong"):
        return HttpResponse("Feedback must be 'correct' or 'wrong'.", status=400)
    ChatMessage.objects.filter(pk=message.pk).update(feedback=value)
    message.feedback = value
    return render(request, "chat/session.html#feedback", {"m": message})


def _save_example(request, message):
    """A "Correct" answer's question and SQL become an example DataPoint of each database
    it ran on (verified queries), which both generators use for later questions."""
    if message.feedback != "correct":
        return HttpResponse("Only an answer marked correct can be saved as an example.", status=400)
    runs = message.runs.filter(final=True, status="ok", connection__isnull=False).exclude(sql="")
    saved = [datapoints.save_example(run.connection, message.question, run.sql)[0] for run in runs]
    if not saved:
        return HttpResponse("This answer has no successful query to save.", status=400)
    return render(request, "chat/session.html#feedback", {"m": message, "saved_example": True})


@login_required
def run_rows(request, run_id):
    run = results.visible_run(request.user, run_id)
    page = results.page_of(run, request.GET.get("page", "1"))
    return render(request, "chat/session.html#result_table", {"page": page, "run": run})


@login_required
def run_csv(request, run_id):
    run = results.visible_run(request.user, run_id)
    response = StreamingHttpResponse(results.csv_lines(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="datachat-run-{run.pk}.csv"'
    return response


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
