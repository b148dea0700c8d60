"""/databases/{id}/schema/sensitive-columns: which columns are masked, and staff changes.

Its own router (mounted under /databases) so the issue-18 pieces do not crowd databases.py;
the schemas live here for the same reason.
"""

from __future__ import annotations

from uuid import UUID

from ninja import Field, Router, Schema
from ninja.errors import HttpError

from connections import services as registry
from schemas_app import sensitive

from ..schemas import In, responses

router = Router(tags=["databases"])


class SensitiveColumnOut(Schema):
    table: str = Field(description="The table's qualified name, as in the schema document.")
    column: str
    sensitive: bool = Field(description="Its values are masked for non-staff and in prompts.")
    reason: str = Field(description='Why: "name: e-mail", "values: ...", or the staff note.')
    source: str = Field(description='"detected" (at extraction) or "staff" (an override).')
    detected_reason: str = Field(description="What detection found, kept under an override.")


class SensitiveColumnsOut(Schema):
    columns: list[SensitiveColumnOut]


class SensitiveColumnIn(In):
    table: str = Field(..., min_length=1, max_length=500, description="Qualified table name.")
    column: str = Field(..., min_length=1, max_length=300)
    sensitive: bool | None = Field(
        ...,
        description="true: mask it; false: never mask it; null: forget the staff decision "
        "and let detection decide.",
    )
    note: str = Field("", max_length=300, description="Why (shown as the reason).")


def _out(table: str, column: str, state: sensitive.ColumnState | None) -> dict:
    if state is None:  # not sensitive, nobody decided
        return {"table": table, "column": column, "sensitive": False, "reason": "",
                "source": "detected", "detected_reason": ""}  # fmt: skip
    return {"table": table, "column": column, **vars(state)}


@router.get(
    "/{connection_id}/schema/sensitive-columns",
    response=responses({200: SensitiveColumnsOut}),
    summary="Sensitive columns (detected and staff-set)",
)
def list_sensitive_columns(request, connection_id: UUID):
    """Every column detected as sensitive or decided by staff (also those staff unmarked,
    with sensitive=false). Their values are masked for non-staff users in sample rows and
    profiles, and in what the model is sent; query results are never masked."""
    connection = registry.get_visible_connection(request.auth, connection_id)
    states = sensitive.column_states(connection)
    return {"columns": [_out(t, c, states[(t, c)]) for t, c in sorted(states)]}


@router.put(
    "/{connection_id}/schema/sensitive-columns",
    response=responses({200: SensitiveColumnOut}),
    summary="Mark or unmark a sensitive column (staff)",
)
def set_sensitive_column(request, connection_id: UUID, payload: SensitiveColumnIn):
    """The decision is kept per database, table and column, so it holds across extractions.
    A table or column that is not in the latest schema is refused (400), nothing changed."""
    connection = registry.get_visible_connection(request.auth, connection_id)
    if not request.auth.is_staff:
        raise HttpError(403, "Only staff can mark or unmark sensitive columns.")
    try:
        state = sensitive.set_override(
            connection,
            payload.table,
            payload.column,
            payload.sensitive,
            user=request.auth,
            note=payload.note,
        )
    except sensitive.SensitiveColumnError as error:
        raise HttpError(400, str(error)) from None
    return _out(payload.table, payload.column, state)
