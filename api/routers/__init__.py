"""Shared helpers of the routers: staff check, visible active connection, target resolution."""

from __future__ import annotations

from django.http import Http404
from ninja.errors import HttpError

from connections import services as registry


def require_staff(request) -> None:
    if not request.auth.is_staff:
        raise HttpError(403, "Only staff can change the database registry.")


def active_connection(user, connection_id):
    """A visible, active connection, else 404 (staff see inactive ones; nobody works with one)."""
    connection = registry.get_visible_connection(user, connection_id)
    if not connection.is_active:
        raise Http404("No such database.")
    return connection


def target_connection(user, target_database):
    """The explicit target, else the caller's selection, else the default; never another one."""
    if target_database is not None:
        return active_connection(user, target_database)
    connection = registry.selected_connection(user)
    if connection is None:
        raise HttpError(
            400,
            "No database to use: pass target_database, select a database "
            "(POST /api/v1/databases/selected) or ask an admin to set a default.",
        )
    return connection
