"""/databases: the registry. Reads for everyone signed in; mutations for staff."""

from __future__ import annotations

import json
from urllib.parse import urlsplit
from uuid import UUID

from django.http import Http404
from ninja import Router, Status
from ninja.errors import HttpError

from connections import exposure
from connections import services as registry
from connections.connection_url import SCHEME_KINDS
from connections.dialects import retire_engine
from connections.forms import ConnectionAdminForm
from connections.models import Connection, next_color
from schemas_app import sensitive
from schemas_app import services as schemas

from ..schemas import (
    DatabaseCreate,
    DatabaseOut,
    DatabaseUpdate,
    DefaultIn,
    ExtractIn,
    SchemaOut,
    SelectedOut,
    SelectIn,
    TaskRef,
    TestOut,
    responses,
)
from . import active_connection, require_staff

router = Router(tags=["databases"])

CONNECTION_FIELDS = (
    "database_url",
    "database_type",
    "kind",
    "host",
    "port",
    "database",
    "username",
    "password",
    "options",
    "allow_privileged",
)


def database_out(connection: Connection) -> dict:
    """What a client may see: never the password, secret options masked."""
    status = schemas.schema_status(connection)
    allowed_by = connection.privileged_allowed_by if connection.allow_privileged else None
    return {
        "id": connection.id,
        "name": connection.name,
        "description": connection.description,
        "kind": connection.kind,
        "database_type": connection.kind,
        "host": connection.host,
        "port": connection.port,
        "database": connection.database,
        "username": connection.username,
        "has_password": bool(connection.password) or connection.credentials_unreadable,
        "options": connection.masked_options,
        "tags": list(connection.tags or []),
        "color": connection.color,
        "is_active": connection.is_active,
        "is_default": connection.is_default,
        "last_test_ok": connection.last_test_ok,
        "last_test_message": connection.last_test_message,
        "last_tested_at": connection.last_tested_at,
        "privileged": connection.privileged,
        "privilege_problems": list(connection.privilege_problems or []),
        "privileges_checked_at": connection.privileges_checked_at,
        "allow_privileged": connection.allow_privileged,
        "data_exposure": connection.data_exposure,
        "data_exposure_effective": exposure.effective(connection),
        "privileged_allowed_by": allowed_by.get_username() if allowed_by else None,
        "privileged_allowed_at": connection.privileged_allowed_at,
        "created_at": connection.created_at,
        "updated_at": connection.updated_at,
        "schema_status": {
            "state": status.state,
            "label": status.label,
            "percent": status.percent,
            "snapshot_id": status.snapshot_id,
            "extracted_at": status.extracted_at,
        },
    }


def _kind(payload) -> str | None:
    given = [k for k in (payload.database_type, payload.kind) if k]
    kinds = {SCHEME_KINDS.get(k.strip().lower(), k.strip().lower()) for k in given}
    if len(kinds) > 1:
        raise HttpError(400, "database_type and kind disagree.")
    kind = kinds.pop() if kinds else None
    if kind and kind not in Connection.Kind.values:
        raise HttpError(
            400, f"Unknown database_type; use one of {', '.join(Connection.Kind.values)}."
        )
    return kind


def _save(request, payload, instance: Connection | None, *, test: bool) -> Connection:
    """Create or update through the admin's form: the same URL parsing, write-only password,
    unique name and test-before-save rules as the admin pages."""
    given = payload.dict(exclude_unset=True)
    kind = _kind(payload)
    url = given.get("database_url") or ""
    try:
        urlsplit(url.strip())
    except ValueError:  # not a URL at all ("Invalid IPv6 URL"): malformed, as pydantic says 422
        raise HttpError(
            422, "database_url: the URL is malformed (check the host, e.g. an IPv6 address in [])."
        ) from None
    current = {
        "name": instance.name if instance else "",
        "description": instance.description if instance else "",
        "kind": instance.kind if instance else "",
        "host": instance.host if instance else "",
        "port": instance.port if instance else None,
        "database": instance.database if instance else "",
        "username": instance.username if instance else "",
        "options": instance.masked_options if instance else {},
        "tags": instance.tags if instance else [],
        "color": instance.color if instance else next_color(),
        "is_active": instance.is_active if instance else True,
        "allow_privileged": instance.allow_privileged if instance else False,
        "data_exposure": instance.data_exposure if instance else "",
    }
    values = {**current, **{k: v for k, v in given.items() if k in current and v is not None}}
    if kind:
        values["kind"] = kind
    make_default = given.get("is_default")
    if make_default is None:
        make_default = instance.is_default if instance else False
    data = {
        **values,
        "port": "" if values["port"] is None else str(values["port"]),
        "options": json.dumps(values["options"] or {}),
        "tags": ", ".join(values["tags"] or []),
        "password": given.get("password") or "",
        "connection_url": url,
        "make_default": make_default,
        "skip_test": not test,
    }
    form = ConnectionAdminForm(data=data, instance=instance)
    form.skip_test_hint = 'Fix the settings, or send "test": false to save without testing.'
    if not form.is_valid():
        messages = []
        for field, errors in form.errors.items():
            label = (
                ""
                if field == "__all__"
                else ("database_url" if field == "connection_url" else field) + ": "
            )
            messages += [label + str(error) for error in errors]
        raise HttpError(400, " ".join(messages) or "Invalid database settings.")
    return registry.save_connection(form, request.auth)


@router.get("", response=responses({200: list[DatabaseOut]}), summary="List databases")
def list_databases(request):
    return [database_out(c) for c in registry.visible_connections(request.auth)]


@router.post("", response=responses({201: DatabaseOut}), summary="Add a database (staff)")
def create_database(request, payload: DatabaseCreate):
    """Tests the connection first unless `test` is false or `skip_test` is true. Accepts a
    `database_url` (+ `database_type`, `name`, `tags`, `is_default`) or separate fields."""
    require_staff(request)
    connection = _save(request, payload, None, test=payload.test and not payload.skip_test)
    return Status(201, database_out(connection))


@router.get("/selected", response=responses({200: SelectedOut}), summary="The caller's database")
def get_selected(request):
    from connections.models import DatabaseSelection

    selection = (
        DatabaseSelection.objects.select_related("connection")
        .filter(user=request.auth, connection__is_active=True)
        .first()
    )
    connection = registry.selected_connection(request.auth)
    source = "selection" if selection else ("default" if connection else "none")
    return {"database": database_out(connection) if connection else None, "source": source}


@router.post("/selected", response=responses({200: SelectedOut}), summary="Select a database")
def post_selected(request, payload: SelectIn):
    connection = active_connection(request.auth, payload.connection_id)
    registry.select_connection(request.auth, connection)
    return {"database": database_out(connection), "source": "selection"}


@router.get("/{connection_id}", response=responses({200: DatabaseOut}), summary="Get a database")
def get_database(request, connection_id: UUID):
    return database_out(registry.get_visible_connection(request.auth, connection_id))


@router.patch(
    "/{connection_id}", response=responses({200: DatabaseOut}), summary="Update a database (staff)"
)
def update_database(request, connection_id: UUID, payload: DatabaseUpdate):
    """Only the given fields change; a blank or omitted password keeps the stored one. The
    connection is tested when a connection setting changes (or `test` is true)."""
    require_staff(request)
    connection = registry.get_visible_connection(request.auth, connection_id)
    given = payload.dict(exclude_unset=True)
    test = payload.test
    if test is None:
        test = any(given.get(field) is not None for field in CONNECTION_FIELDS)
    if payload.skip_test:
        test = False
    return database_out(_save(request, payload, connection, test=test))


@router.delete(
    "/{connection_id}", response=responses({204: None}), summary="Remove a database (staff)"
)
def delete_database(request, connection_id: UUID):
    require_staff(request)
    connection = registry.get_visible_connection(request.auth, connection_id)
    key = str(connection.id)
    connection.delete()
    retire_engine(key)
    return Status(204, None)


@router.post(
    "/{connection_id}/test",
    response=responses({200: TestOut}),
    summary="Test the connection (staff)",
)
def test_database(request, connection_id: UUID):
    require_staff(request)
    connection = registry.get_visible_connection(request.auth, connection_id)
    result = registry.test_connection(connection)
    return {
        "ok": result.ok,
        "message": result.message,
        "server_version": result.server_version,
        "latency_ms": round(result.latency_ms, 1),
        "privileged": None
        if result.privilege_problems is None
        else bool(result.privilege_problems),
        "privilege_problems": result.privilege_problems or [],
    }


@router.post(
    "/{connection_id}/extract-schema",
    response=responses({202: TaskRef}),
    summary="Extract the schema (queued; staff)",
)
def extract_schema(request, connection_id: UUID, payload: ExtractIn | None = None):
    """Queues an extraction (or returns the one already queued or running). The task id is
    `schema-<snapshot id>`; poll `GET /tasks/{task_id}`. Without REDIS_URL it runs at once.
    Staff only (it loads the target database), at most once per database within
    SCHEMA_REQUEST_COOLDOWN_SECONDS (else 429 with Retry-After)."""
    connection = active_connection(request.auth, connection_id)
    if not request.auth.is_staff:
        raise HttpError(403, "Only staff can extract or profile a schema.")
    try:
        schemas.check_extraction_cooldown(connection)
    except schemas.CoolingDown as error:
        raise HttpError(429, error.user_message) from None
    with_profile = payload.with_profile if payload else True  # profiles unless told not to
    snapshot, created = schemas.request_extraction(connection, with_profile=with_profile)
    snapshot.refresh_from_db(fields=["status"])
    return Status(
        202,
        {
            "task_id": f"schema-{snapshot.pk}",
            "snapshot_id": snapshot.pk,
            "status": snapshot.status,
            "created": created,
        },
    )


@router.put(
    "/{connection_id}/default",
    response=responses({200: DatabaseOut}),
    summary="Make (or unmake) the default database (staff)",
)
def set_default(request, connection_id: UUID, payload: DefaultIn):
    require_staff(request)
    connection = registry.get_visible_connection(request.auth, connection_id)
    if payload.is_default:
        if not connection.is_active:
            raise HttpError(400, "An inactive database cannot be the default.")
        registry.set_default_connection(connection)
    elif connection.is_default:
        Connection.objects.filter(pk=connection.pk).update(is_default=False)
    connection.refresh_from_db()
    return database_out(connection)


@router.get(
    "/{connection_id}/schema",
    response=responses({200: SchemaOut}),
    summary="The latest extracted schema",
)
def get_schema(request, connection_id: UUID, diff: bool = False):
    connection = registry.get_visible_connection(request.auth, connection_id)
    snapshot = schemas.latest_snapshot(connection)
    if snapshot is None:
        raise Http404("No schema extracted yet; POST extract-schema first.")
    document = schemas.snapshot_document(snapshot.pk)
    profiles = schemas.snapshot_profiles(snapshot.pk) or None
    hidden = sensitive.masked_for(request.auth, connection)  # nothing for staff
    if hidden and document:
        document = sensitive.mask_document(document, hidden)
        profiles = sensitive.mask_profiles(profiles, hidden)
    body = {
        "snapshot_id": snapshot.pk,
        "status": snapshot.status,
        "created_at": snapshot.created_at,
        "finished_at": snapshot.finished_at,
        "table_count": snapshot.table_count,
        "column_count": snapshot.column_count,
        "fingerprint": snapshot.fingerprint,
        "document": document.to_dict() if document else {},
        "profiles": profiles,
    }
    if diff:
        changes = schemas.diff_with_previous(snapshot)
        body["diff"] = changes.as_dict() if changes is not None else None
    return body
