"""Federated queries in the API: run_sql over several databases, and the declared links."""

from __future__ import annotations

from ninja import Router
from ninja.errors import HttpError

from chat.jsonsafe import json_rows
from connections import services as registry
from federation.models import CrossDatabaseLink
from federation.planner import FederationError
from federation.services import alias_for, run_federated

from .. import tools
from ..schemas import LinkOut, responses
from . import active_connection

router = Router(tags=["federation"])


def run_sql_on_several(user, payload) -> dict:
    """POST /tools/execute with `target_databases`: run_sql federated over them (README,
    Federated queries). Every problem is a 400 naming it; nothing runs before the plan."""
    if payload.name != "run_sql":
        raise HttpError(400, "Only run_sql takes target_databases; the other tools read one.")
    if payload.target_database is not None:
        raise HttpError(400, "Pass target_database or target_databases, not both.")
    ids = payload.target_databases
    if not ids:
        raise HttpError(400, "target_databases is empty: name the databases the SQL reads.")
    if len(set(ids)) != len(ids):
        raise HttpError(400, "target_databases names a database twice.")
    try:
        _, args = tools.validate(payload.name, payload.arguments)
    except tools.ToolError as exc:
        raise HttpError(400, str(exc)) from None
    connections = [active_connection(user, pk) for pk in ids]
    try:
        result = run_federated(connections, args.sql, max_rows=args.limit)
    except FederationError as exc:
        raise HttpError(400, str(exc)) from None
    return {
        "columns": result.columns,
        "rows": json_rows(result.rows),
        "row_count": result.row_count,
        "truncated": result.truncated,
        # A side cut by its row or memory cap leaves the join incomplete; notes say which.
        "incomplete": result.incomplete,
        "notes": result.notes,
        "aliases": {alias_for(c): str(c.pk) for c in connections},
        "plan": result.plan(),
        "duration_ms": round(result.duration_ms, 1),
    }


def _end(connection, table: str, column: str) -> dict:
    return {
        "database": connection.pk,
        "database_name": connection.name,
        "alias": alias_for(connection),
        "table": table,
        "column": column,
    }


@router.get("/links", response=responses({200: list[LinkOut]}), summary="Cross-database links")
def links(request):
    """The declared links (staff edit them in the admin) between databases the caller sees."""
    visible = set(registry.visible_connections(request.auth).values_list("pk", flat=True))
    found = CrossDatabaseLink.objects.select_related("left_connection", "right_connection")
    return [
        {
            "id": link.pk,
            "link": str(link),
            "left": _end(link.left_connection, link.left_table, link.left_column),
            "right": _end(link.right_connection, link.right_table, link.right_column),
            "comment": link.comment,
        }
        for link in found
        if link.left_connection_id in visible and link.right_connection_id in visible
    ]
