"""/tools/execute: list_tables, describe_table, sample_rows, get_schema, profile_column, run_sql."""

from __future__ import annotations

from ninja import Router
from ninja.errors import HttpError

from schemas_app import sensitive

from .. import tools
from ..schemas import ToolIn, ToolOut, responses
from . import federation, target_connection

router = Router(tags=["tools"])


@router.post("/execute", response=responses({200: ToolOut}), summary="Run a read-only tool")
def execute(request, payload: ToolIn):
    """Unknown tools, bad arguments, SQL the guard refuses and database errors are 400s that
    name the problem. `run_sql` goes through the SQL guard, runs read-only and returns at most
    `limit` rows (1000 at most). `profile_column` of a sensitive column gives non-staff its
    min, max and top values masked, as the stored profiles are; `run_sql` and `sample_rows`
    are queries, whose results the database's own grants decide, and are never masked."""
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
    if payload.name == "profile_column" and not request.auth.is_staff:
        if (result["table"], result["column"]) in sensitive.sensitive_columns(connection):
            result = sensitive.mask_profile(result)
    return {"name": payload.name, "target_database": connection.pk, "result": result}
