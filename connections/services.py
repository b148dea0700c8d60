"""Registry services: what views, admin actions, commands and tasks call."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from .dialects import ConnectorError, QueryResult, TestResult, retire_engine
from .guard import guard_sql
from .models import Connection, DatabaseSelection


def visible_connections(user):
    """Connections a user may see: active ones (staff also see inactive ones)."""
    qs = Connection.objects.all()
    if not user.is_staff:
        qs = qs.filter(is_active=True)
    return qs


def get_visible_connection(user, connection_id) -> Connection:
    """A connection the user may see, else 404 (never reveals that a hidden one exists)."""
    try:
        return visible_connections(user).get(pk=connection_id)
    except (Connection.DoesNotExist, ValidationError, ValueError) as exc:  # malformed UUIDs too
        raise Http404("No such database.") from exc


def selected_connection(user) -> Connection | None:
    """The user's selected active database, else the active default, else None."""
    selection = (
        DatabaseSelection.objects.select_related("connection")
        .filter(user=user, connection__is_active=True)
        .first()
    )
    if selection:
        return selection.connection
    return Connection.objects.filter(is_default=True, is_active=True).first()


def select_connection(user, connection: Connection) -> DatabaseSelection:
    selection, _ = DatabaseSelection.objects.update_or_create(
        user=user, defaults={"connection": connection}
    )
    return selection


@transaction.atomic
def set_default_connection(connection: Connection) -> None:
    """Make `connection` the only default (the partial unique constraint backs this up)."""
    Connection.objects.filter(is_default=True).exclude(pk=connection.pk).update(is_default=False)
    Connection.objects.filter(pk=connection.pk).update(is_default=True)
    connection.is_default = True


@transaction.atomic
def save_connection(form, user) -> Connection:
    """Save a valid ConnectionAdminForm (the admin's and the API's way in): its clean() has
    already tested the connection unless told not to. Records who added the connection and
    who allowed a privileged account, moves the default here when asked (never trips the
    one-default constraint), and on an edit retires the pooled engine so the next query uses
    the new settings."""
    adding = form.instance._state.adding
    connection = form.save(commit=False)
    if adding:
        connection.created_by = user
    form.stamp_override(user)
    make_default = bool(form.cleaned_data.get("make_default"))
    if not make_default:
        connection.is_default = False
    connection.save()
    form.save_m2m()
    if make_default:
        set_default_connection(connection)
    if not adding:
        retire_engine(str(connection.id))
    return connection


def test_connection(connection: Connection, *, record: bool = True) -> TestResult:
    """Try the connection for real; remember the outcome on the row when `record`."""
    if connection.credentials_unreadable:
        result = TestResult(
            ok=False,
            message="The stored password cannot be decrypted with the configured keys; "
            "enter the password again.",
        )
    else:
        try:
            result = connection.engine().test_connection()
        except ConnectorError as exc:  # e.g. an engine that cannot even be built
            result = TestResult(ok=False, message=exc.user_message)
        if result.refused_as_privileged:
            # Its pool may predate the privileges the account has now: close it, so the next
            # query builds a new engine, which refuses the account too.
            retire_engine(str(connection.id))
    if record and connection.pk and Connection.objects.filter(pk=connection.pk).exists():
        fields = fields_from_test(result)
        Connection.objects.filter(pk=connection.pk).update(**fields)
        for name, value in fields.items():
            setattr(connection, name, value)
    return result


def fields_from_test(result: TestResult) -> dict:
    """What a test remembers on the connection row: its outcome and, when the test read
    them, the account's privilege problems (shown as a badge without a live query)."""
    now = timezone.now()
    fields = {
        "last_test_ok": result.ok,
        "last_test_message": result.message[:500],
        "last_tested_at": now,
    }
    if result.privilege_problems is not None:
        fields["privilege_problems"] = result.privilege_problems
        fields["privileges_checked_at"] = now
    return fields


def run_read_only_query(
    connection: Connection,
    sql: str,
    *,
    max_rows: int | None = None,
    timeout: float | None = None,
    allowed_tables: frozenset[str] | None = None,
) -> QueryResult:
    """Guard the SQL (raises UnsafeSQLError with a reason), then execute it read-only.

    `allowed_tables`: the tables of the latest schema snapshot (schemas_app's
    known_table_names), which callers above this app compute; None before any extraction."""
    max_rows = max_rows or settings.QUERY_MAX_ROWS
    engine = connection.engine()
    safe_sql = guard_sql(sql, connection.kind, limit=max_rows, allowed_tables=allowed_tables)
    return engine.execute(
        safe_sql, max_rows=max_rows, timeout=timeout or settings.QUERY_TIMEOUT_SECONDS
    )
