"""Chat sessions: create, rename, delete, and their ordered databases."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from connections.models import Connection
from connections.services import get_visible_connection, selected_connection
from datachat.textinput import refuse_control_characters

from .models import ChatSession, SessionDatabase


def get_session(user, session_id) -> ChatSession:
    """The user's own session, else 404 (another user's session does not exist for them)."""
    try:
        return ChatSession.objects.get(pk=int(session_id), owner=user)
    except (ChatSession.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such chat session.") from exc


@transaction.atomic
def create_session(
    user, *, name: str = "", connections: list[Connection] | None = None
) -> ChatSession:
    """A new session on the given databases, else on the user's selected (or default) one."""
    session = ChatSession.objects.create(owner=user, name=(name.strip() or "New chat")[:200])
    if connections is None:
        selected = selected_connection(user)
        connections = [selected] if selected else []
    set_session_databases(session, connections)
    return session


def rename_session(session: ChatSession, name: str) -> None:
    name = name.strip()
    if not name:
        raise ValueError("A session needs a name.")
    refuse_control_characters("name", name, multiline=False)
    session.name = name[:200]
    session.save(update_fields=["name", "updated_at"])


def delete_session(session: ChatSession) -> None:
    """Messages go with the session; query runs stay in the history (message set to NULL)."""
    session.delete()


def add_database(session: ChatSession, connection: Connection) -> SessionDatabase:
    entry = session.databases.filter(connection=connection).first()
    if entry:
        return entry
    last = session.databases.aggregate(m=Max("position"))["m"]
    return SessionDatabase.objects.create(
        session=session,
        connection=connection,
        connection_name=connection.name,
        position=0 if last is None else last + 1,
    )


@transaction.atomic
def set_session_databases(session: ChatSession, connections: list[Connection]) -> None:
    """Make `connections` the session's databases, in that order (repeats dropped): the others
    go, those it already had keep their entry, new ones are added."""
    wanted = list(dict.fromkeys(connections))
    session.databases.exclude(connection__in=wanted).delete()
    for position, connection in enumerate(wanted):
        entry = add_database(session, connection)
        if entry.position != position:
            SessionDatabase.objects.filter(pk=entry.pk).update(position=position)


def add_database_by_id(user, session: ChatSession, connection_id) -> SessionDatabase:
    connection = get_visible_connection(user, connection_id)
    if not connection.is_active:
        raise Http404("No such database.")
    return add_database(session, connection)


def remove_database(session: ChatSession, entry_id) -> None:
    deleted, _ = session.databases.filter(pk=entry_id).delete()
    if not deleted:
        raise Http404("That database is not in this session.")


def session_connections(session: ChatSession) -> list[Connection]:
    """The session's databases that still exist and are active, in order."""
    return [
        entry.connection
        for entry in session.databases.select_related("connection")
        if entry.connection is not None and entry.connection.is_active
    ]


def touch(session: ChatSession) -> None:
    ChatSession.objects.filter(pk=session.pk).update(last_active_at=timezone.now())
