"""/datapoints: list business context by scope and kind; sync status; sync (staff)."""

from __future__ import annotations

from typing import Literal

from django.db.models import Q
from ninja import Query, Router
from ninja.errors import HttpError

from connections import services as registry
from schemas_app import datapoints
from schemas_app.models import DataPoint

from ..schemas import DataPointOut, SyncIn, SyncOut, SyncStatusOut, responses

router = Router(tags=["datapoints"])

ScopeQuery = Query(
    None,
    max_length=100,
    description='"global" or a database id. Omitted: every point you can see (the global '
    "ones, the legacy unscoped ones and those of each database visible to you).",
)


def _scope(user, value: str):
    """None for "global", else the visible database (404 otherwise, malformed ids too)."""
    return None if value == "global" else registry.get_visible_connection(user, value)


def _scope_value(connection) -> str:
    return str(connection.pk) if connection is not None else "global"


@router.get("", response=responses({200: list[DataPointOut]}), summary="List DataPoints")
def list_datapoints(
    request,
    scope: str | None = ScopeQuery,
    kind: Literal["metric", "glossary", "table_note", "example"] | None = None,
    limit: int = Query(500, ge=1, le=2000),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    """Points ordered by kind and name, `limit` at a time. A database's answers use its own
    points plus the global ones."""
    points = DataPoint.objects.all()
    if scope is None:
        visible = registry.visible_connections(request.auth).values("pk")
        points = points.filter(Q(connection__isnull=True) | Q(connection__in=visible))
    else:
        points = points.filter(scope_key=datapoints.scope_key_for(_scope(request.auth, scope)))
    if kind is not None:
        points = points.filter(kind=kind)
    return [point_out(p) for p in points.order_by("kind", "name", "pk")[offset : offset + limit]]


def point_out(point: DataPoint) -> dict:
    return {
        "id": point.pk,
        "kind": point.kind,
        "name": point.name,
        "scope": point.scope,
        "connection_id": point.connection_id,
        "content": point.content,
        "source": point.source,
        "source_file": point.source_file,
        "source_line": point.source_line,
        "updated_at": point.updated_at,
    }


@router.get("/sync", response=responses({200: SyncStatusOut}), summary="Sync status of a scope")
def sync_status(
    request, scope: str = Query(..., max_length=100, description='"global" or a database id.')
):
    """The configured directory of the scope and its last sync (counts and errors)."""
    connection = _scope(request.auth, scope)
    directory = datapoints.configured_directory(connection)
    last = datapoints.last_sync(connection)
    return {
        "scope": _scope_value(connection),
        "directory": str(directory),
        "directory_exists": directory.is_dir(),
        "last_sync_at": (last.finished_at or last.started_at) if last else None,
        "added": last.added if last else None,
        "updated": last.updated if last else None,
        "removed": last.removed if last else None,
        "unchanged": last.unchanged if last else None,
        "errors": list(last.errors or []) if last else [],
    }


@router.post("/sync", response=responses({200: SyncOut}), summary="Sync DataPoints (staff)")
def sync(request, payload: SyncIn):
    """Staff only. Reads the scope's configured directory, or `directory` relative to
    DATAPOINTS_DIR (paths outside it are refused for everyone: any other server path is for
    the `datapoints sync` command line). Files with errors are reported by file and line
    and the others still sync; the answer is 200 with `errors` listed."""
    if not request.auth.is_staff:
        raise HttpError(403, "Only staff can sync DataPoints.")
    connection = _scope(request.auth, payload.scope)
    try:
        if payload.directory:
            directory = datapoints.directory_in_root(payload.directory)
        else:
            directory = datapoints.configured_directory(connection)
        report = datapoints.sync_directory(
            directory,
            connection=connection,
            global_scope=connection is None,
            dry_run=payload.dry_run,
        )
    except datapoints.DataPointError as exc:
        raise HttpError(400, str(exc)) from None
    return {
        "scope": _scope_value(connection),
        "directory": str(directory),
        "dry_run": report.dry_run,
        "files": report.files,
        "added": len(report.added),
        "updated": len(report.updated),
        "removed": len(report.removed),
        "unchanged": report.unchanged,
        "added_keys": report.added,
        "updated_keys": report.updated,
        "removed_keys": report.removed,
        "errors": [e.as_dict() for e in report.errors],
        "sync_id": report.sync_id,
    }
