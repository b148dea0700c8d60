"""/comparisons: compare two databases (schema; data for staff, as it reads every table)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ninja import Field, Router, Schema
from ninja.errors import HttpError

from comparisons.services import ComparisonError, compare

from ..schemas import In, responses
from . import active_connection

router = Router(tags=["comparisons"])


class ComparisonIn(In):
    left: UUID = Field(..., description="Id of the first database.")
    right: UUID = Field(..., description="Id of the second database.")
    data: bool = Field(
        False, description="Compare row counts and row checksums too (staff: reads every table)."
    )


class ComparisonOut(Schema):
    left: dict[str, Any]
    right: dict[str, Any]
    differs: bool
    differing_tables: list[str]
    schema_diff: dict[str, Any] = Field(
        description="tables_added/removed (relative to left), and per common table "
        "columns_added/removed, changes (type, type spelling, nullable) and keys."
    )
    data: list[dict[str, Any]] | None = Field(
        description="Per common table: rows and checksum on each side, status (equal, "
        "differs, error, skipped), method, sampled, and for a table that differs the keys of "
        "rows_only_left, rows_only_right and rows_changed (at most 20 each; "
        "row_difference_counts has the totals); null when data was not asked."
    )
    notes: list[str]


@router.post("", response=responses({200: ComparisonOut}), summary="Compare two databases")
def create_comparison(request, payload: ComparisonIn):
    """Schema from the latest snapshots; with `data`, row counts and checksums of the common
    tables (each engine's own hash aggregate for two databases of one kind, canonical values
    hashed in key order otherwise; sampled above COMPARE_MAX_ROWS)."""
    if payload.data and not request.auth.is_staff:
        raise HttpError(403, "Only staff can compare data: it reads every table of both.")
    left = active_connection(request.auth, payload.left)
    right = active_connection(request.auth, payload.right)
    try:
        return compare(left, right, data=payload.data).as_dict()
    except ComparisonError as exc:
        raise HttpError(400, str(exc)) from None
