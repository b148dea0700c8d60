"""/tools/execute: list_tables, describe_table, sample_rows, get_schema, profile_column, run_sql."""

from __future__ import annotations

from ninja import Router
from ninja.errors import HttpError

from .. import tools
from ..schemas import ToolIn, ToolOut, responses
from . import federation, target_connection

router = Router(tags=["tools"])


@router.post("/execute", response=responses({200: ToolOut}), summary="Run a read-only tool")
def execute(request, payload: ToolIn):
    """Unknown tools, bad arguments, SQL the guard refuses and database errors are 400s that
    name the problem. `run_sql` goes through the SQL guard, runs read-only and returns at most
    `limit` rows (1000 at most)."""
    if payload.target_databases is not None:
        result = federation.run_sql_on_several(request.auth, payload)
        return {
            "name": payload.name,
            "target_databases": payload.target_databases,
            "result": result,
        }
    try:
        function, args = tools.validate(payload.name, payload.arguments)
        connection = target_connection(request.auth, payload.target_database)
        result = function(connection, args)
    except tools.ToolError as exc:
        raise HttpError(400, str(exc)) from None
    return {"name": payload.name, "target_database": connection.pk, "result": result}
