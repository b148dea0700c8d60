"""/chat, /sessions and /multi-query: asking questions as the chat page does."""

from __future__ import annotations

from django.db import DatabaseError, transaction
from ninja import Path, Router, Status
from ninja.errors import HttpError

from chat import conversation, sessions
from chat.answering.labels import labels_for
from chat.models import ChatMessage, ChatSession
from connections import services as registry
from datachat.textinput import refuse_control_characters

from ..schemas import (
    INT32,
    ChatIn,
    ChatOut,
    MessageOut,
    MultiQueryIn,
    MultiQueryOut,
    PostMessageIn,
    SessionIn,
    SessionOut,
    SessionUpdate,
    responses,
)
from . import active_connection

router = Router(tags=["chat"])

SessionId = Path(..., ge=1, le=INT32)


def message_out(message: ChatMessage) -> dict:
    result = dict(message.result or {})
    result.pop("bypass_cache", None)
    return {
        "id": message.pk,
        "task_id": f"answer-{message.pk}" if message.role == ChatMessage.Role.ASSISTANT else None,
        "role": message.role,
        "text": message.text,
        "question": message.question,
        "databases": list(message.databases or []),
        "status": message.status,
        "phase": message.phase,
        "feedback": message.feedback,
        "created_at": message.created_at,
        "interpretation": _interpretation(result),
        "result": result or None,
    }


def _interpretation(result: dict) -> str | None:
    """The reading the answered databases share (the built-in engine's); None without one."""
    readings = {
        d.get("interpretation") or ""
        for d in result.get("databases", [])
        if d.get("columns") and not d.get("error")
    }
    reading = readings.pop() if len(readings) == 1 else ""
    return reading or None


def session_out(session: ChatSession) -> dict:
    return {
        "id": session.pk,
        "name": session.name,
        "created_at": session.created_at,
        "updated_at": session.updated_at,
        "last_active_at": session.last_active_at,
        "databases": [
            {
                "connection_id": entry.connection_id,
                "name": entry.connection_name,
                "available": entry.connection is not None and entry.connection.is_active,
            }
            for entry in session.databases.select_related("connection")
        ],
    }


def _ask(request, session: ChatSession, question: str, only=None) -> ChatMessage:
    try:
        return conversation.ask(request.auth, session, question, run_now=True, only=only)
    except conversation.QuestionError as exc:
        raise HttpError(400, str(exc)) from None


def _chat_target(user, session_id, target_database) -> tuple[ChatSession, list | None]:
    """Target resolution: an explicit target_database, else the session's databases, else
    the caller's selection, else the default. Unknown ids are 404, nothing at all is 400, and
    a registry that cannot be read is 503 (raised, never answered from another database).

    Returns the session and, when a target was given for an existing session that has
    databases, [target]: that message answers on the target alone (with the session's
    history for follow-ups) and the session's databases are left as they are."""
    try:
        with transaction.atomic():
            session = sessions.get_session(user, session_id) if session_id is not None else None
            target = active_connection(user, target_database) if target_database else None
            current = sessions.session_connections(session) if session is not None else []
            if target is not None and current:
                return session, [target]
            target = target or (None if current else registry.selected_connection(user))
            if not current and target is None:
                raise HttpError(
                    400,
                    "No database to ask: pass target_database, select a database "
                    "(POST /api/v1/databases/selected) or ask an admin to set a default.",
                )
            if session is None:
                session = sessions.create_session(user, connections=[target])
            elif not current:
                sessions.add_database(session, target)
    except DatabaseError:
        raise HttpError(
            503, "The database registry cannot be read right now; nothing was asked."
        ) from None
    return session, None


@router.post("/chat", response=responses({200: ChatOut}), tags=["chat"], summary="Ask a question")
def chat(request, payload: ChatIn):
    """Answers as the chat page does and returns the assistant message with its result.
    Without `session_id` a new session is created on `target_database` (else your selected
    database, else the default). With `session_id` alone, the session's databases answer.
    With both, this message answers on `target_database` only, using the session's history
    for follow-ups; the session's databases are not changed (a session with none takes the
    target as its database)."""
    session, only = _chat_target(request.auth, payload.session_id, payload.target_database)
    reply = _ask(request, session, payload.message, only)
    return {
        "session_id": session.pk,
        "databases": list(reply.databases or []),
        "message": message_out(reply),
    }


@router.get(
    "/sessions",
    response=responses({200: list[SessionOut]}),
    tags=["sessions"],
    summary="List my chat sessions",
)
def list_sessions(request):
    return [session_out(s) for s in ChatSession.objects.filter(owner=request.auth)]


def _connections(user, ids) -> list:
    return [active_connection(user, connection_id) for connection_id in dict.fromkeys(ids)]


@router.post(
    "/sessions",
    response=responses({201: SessionOut}),
    tags=["sessions"],
    summary="Start a chat session",
)
def create_session(request, payload: SessionIn):
    try:
        refuse_control_characters("name", payload.name, multiline=False)
    except ValueError as exc:
        raise HttpError(400, str(exc)) from None
    connections = None
    if payload.connection_ids is not None:
        connections = _connections(request.auth, payload.connection_ids)
    session = sessions.create_session(request.auth, name=payload.name, connections=connections)
    return Status(201, session_out(session))


@router.get(
    "/sessions/{session_id}",
    response=responses({200: SessionOut}),
    tags=["sessions"],
    summary="Get a chat session",
)
def get_session(request, session_id: int = SessionId):
    return session_out(sessions.get_session(request.auth, session_id))


@router.patch(
    "/sessions/{session_id}",
    response=responses({200: SessionOut}),
    tags=["sessions"],
    summary="Rename a session or replace its databases",
)
def update_session(request, payload: SessionUpdate, session_id: int = SessionId):
    session = sessions.get_session(request.auth, session_id)
    with transaction.atomic():
        if payload.name is not None:
            try:
                sessions.rename_session(session, payload.name)
            except ValueError as exc:
                raise HttpError(400, str(exc)) from None
        if payload.connection_ids is not None:
            wanted = _connections(request.auth, payload.connection_ids)
            sessions.set_session_databases(session, wanted)
    return session_out(session)


@router.delete(
    "/sessions/{session_id}",
    response=responses({204: None}),
    tags=["sessions"],
    summary="Delete a session",
)
def delete_session(request, session_id: int = SessionId):
    sessions.delete_session(sessions.get_session(request.auth, session_id))
    return Status(204, None)


@router.get(
    "/sessions/{session_id}/messages",
    response=responses({200: list[MessageOut]}),
    tags=["sessions"],
    summary="A session's messages, oldest first",
)
def list_messages(request, session_id: int = SessionId):
    session = sessions.get_session(request.auth, session_id)
    conversation.fail_stale(session.messages.all())  # "waiting for a worker", interrupted
    return [message_out(m) for m in session.messages.all()]


@router.post(
    "/sessions/{session_id}/messages",
    response=responses({201: MessageOut}),
    tags=["sessions"],
    summary="Ask in a session",
)
def post_message(request, payload: PostMessageIn, session_id: int = SessionId):
    session = sessions.get_session(request.auth, session_id)
    return Status(201, message_out(_ask(request, session, payload.message)))


@router.post(
    "/multi-query",
    response=responses({200: MultiQueryOut}),
    tags=["chat"],
    summary="One question on several databases",
)
def multi_query(request, payload: MultiQueryIn):
    """Give `connection_ids` (a new session is made for them) or `chat_session_id`. Returns
    each database's SQL, rows, row count, duration and error, and the merged table when the
    shapes match."""
    if (payload.connection_ids is None) == (payload.chat_session_id is None):
        raise HttpError(400, "Give either connection_ids or chat_session_id (exactly one).")
    if payload.chat_session_id is not None:
        session = sessions.get_session(request.auth, payload.chat_session_id)
    else:
        connections = _connections(request.auth, payload.connection_ids)
        session = sessions.create_session(
            request.auth, name=payload.question[:60], connections=connections
        )
    reply = _ask(request, session, payload.question)
    result = reply.result or {}
    results = [
        {
            "connection_id": d.get("connection_id"),
            "name": d.get("name", ""),
            "text": d.get("text", ""),
            "sql": d.get("sql", ""),
            "columns": d.get("columns") or [],
            "column_labels": labels_for(d.get("columns") or [], d.get("column_labels")),
            "interpretation": d.get("interpretation") or None,
            "rows": d.get("rows") or [],
            "row_count": d.get("row_count", 0),
            "truncated": bool(d.get("truncated")),
            "duration_ms": d.get("duration_ms", 0.0),
            "estimated_bytes": d.get("estimated_bytes"),
            "error": d.get("error") or None,
        }
        for d in result.get("databases", [])
    ]
    return {
        "session_id": session.pk,
        "message_id": reply.pk,
        "status": reply.status,
        "text": reply.text,
        "results": results,
        "merged": _merged_out(result.get("merged")),
    }


def _merged_out(merged: dict | None) -> dict | None:
    if not merged:
        return None
    columns = merged.get("columns") or []
    return {
        **merged,
        "column_labels": labels_for(columns, merged.get("column_labels")),
    }
