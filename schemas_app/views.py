from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from connections.dialects.schema import SchemaDocument
from connections.services import get_visible_connection

from . import browser, sensitive, services
from .models import SchemaSnapshot

# HTMX stops polling when a response has status 286.
HTMX_STOP_POLLING = 286


def _document_or_none(connection):
    snapshot = services.latest_snapshot(connection)
    return snapshot, (services.snapshot_document(snapshot.pk) if snapshot else None)


@login_required
def schema_page(request, connection_id):
    connection = get_visible_connection(request.user, connection_id)
    snapshot, document = _document_or_none(connection)
    context = {
        "connection": connection,
        "snapshot": snapshot,
        "status": services.schema_status(connection),
        "schemas": browser.schema_names(document) if document else [],
        "diff": services.diff_with_previous(snapshot) if snapshot else None,
    }
    return render(request, "schemas_app/schema_page.html", context)


def _staff_only(request) -> None:
    """Extraction and profiling load the target database: staff start them."""
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can extract or profile a schema.")


def _cooling_down(request, connection, error: services.CoolingDown):
    if request.htmx:
        response = _status_response(request, connection, notice=error.user_message)
        response.status_code = 429
    else:
        flash.error(request, error.user_message)
        response = redirect("schema_page", connection_id=connection.pk)
    response["Retry-After"] = str(error.retry_after)
    return response


@login_required
@require_POST
def extract(request, connection_id):
    connection = get_visible_connection(request.user, connection_id)
    if not connection.is_active:
        raise Http404("No such database.")
    _staff_only(request)
    try:
        services.check_extraction_cooldown(connection)
    except services.CoolingDown as error:
        return _cooling_down(request, connection, error)
    # Profiles by default (value questions need them): only profile=0 skips them. The schema
    # page's checkbox sends a hidden 0 before its 1; the database page's button sends nothing.
    with_profile = request.POST.getlist("profile", ["1"])[-1] != "0"
    services.request_extraction(connection, with_profile=with_profile)
    if request.htmx:
        return _status_response(request, connection)
    return redirect("schema_page", connection_id=connection.pk)


@login_required
@require_POST
def profile(request, connection_id):
    """Profile the columns of the latest good snapshot (its own task)."""
    connection = get_visible_connection(request.user, connection_id)
    snapshot = services.latest_snapshot(connection)
    if snapshot is None or not connection.is_active:
        raise Http404("Extract the schema first.")
    _staff_only(request)
    try:
        services.check_profiling_cooldown(snapshot)
    except services.CoolingDown as error:
        return _cooling_down(request, connection, error)
    services.request_profiling(snapshot)
    if request.htmx:
        return _status_response(request, connection)
    return redirect("schema_page", connection_id=connection.pk)


@login_required
def status(request, connection_id):
    connection = get_visible_connection(request.user, connection_id)
    return _status_response(request, connection)


def _status_response(request, connection, notice: str = ""):
    status = services.schema_status(connection)
    response = render(
        request,
        "schemas_app/schema_page.html#status",
        {"connection": connection, "status": status, "notice": notice},
    )
    if status.state not in ("extracting", "profiling") and request.GET.get("poll"):
        response.status_code = HTMX_STOP_POLLING
        response["HX-Refresh"] = "true"  # reload the page once so the tree shows the new snapshot
    return response


@login_required
def tree_tables(request, connection_id):
    connection = get_visible_connection(request.user, connection_id)
    snapshot, document = _document_or_none(connection)
    if not document:
        raise Http404("This database has no schema yet.")
    schema = request.GET.get("schema", "")
    return render(
        request,
        "schemas_app/schema_page.html#tables",
        {"connection": connection, "tables": browser.tables_in(document, schema)},
    )


@login_required
def table_detail(request, connection_id):
    connection = get_visible_connection(request.user, connection_id)
    snapshot, document = _document_or_none(connection)
    table = document.table(request.GET.get("table", "")) if document else None
    if table is None:
        raise Http404("No such table in the latest schema.")
    return _table_detail(request, connection, snapshot, table)


def _table_detail(request, connection, snapshot, table, *, notice: str = "", status: int = 200):
    part = "columns" if request.GET.get("part") == "columns" else "table_detail"
    states = sensitive.column_states(connection)
    name = table.qualified_name
    profiles = services.snapshot_profiles(snapshot.pk).get(name, {})
    if not request.user.is_staff:  # staff see the values, with the "sensitive" badge
        hidden = {key for key, state in states.items() if state.sensitive}
        profiles = sensitive.mask_table_profiles(name, profiles, hidden)
        table = sensitive.mask_document(SchemaDocument("", tables=[table]), hidden).tables[0]
    context = {
        "connection": connection,
        "table": table,
        "fk_links": browser.foreign_key_columns(table),
        "profiles": profiles,
        "profile_error": profiles.get("_error", ""),  # set when profiling this table failed
        "column_profiles": [
            (c, profiles.get(c.name), states.get((name, c.name))) for c in table.columns
        ],
        "sensitive_notice": notice,
        "sensitive_names": {c for (t, c), state in states.items() if t == name and state.sensitive},
    }
    return render(request, f"schemas_app/schema_page.html#{part}", context, status=status)


@login_required
@require_POST
def set_sensitive(request, connection_id):
    """Staff mark (sensitive=1), unmark (0) or hand back to detection ("auto") one column;
    the table's detail is rendered again (HTMX), with the reason of a refusal."""
    connection = get_visible_connection(request.user, connection_id)
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can mark or unmark sensitive columns.")
    snapshot, document = _document_or_none(connection)
    table = document.table(request.POST.get("table", "")) if document else None
    if table is None:
        raise Http404("No such table in the latest schema.")
    choice = request.POST.get("sensitive", "")
    values = {"1": True, "0": False, "auto": None}
    try:
        if choice not in values:
            raise sensitive.SensitiveColumnError(
                f"sensitive must be 1 (mark), 0 (unmark) or auto (detection decides), "
                f"not {choice!r}."
            )
        sensitive.set_override(
            connection,
            table.qualified_name,
            request.POST.get("column", ""),
            values[choice],
            user=request.user,
        )
    except sensitive.SensitiveColumnError as error:
        return _table_detail(request, connection, snapshot, table, notice=str(error), status=400)
    if not request.htmx:  # the plain form (no JavaScript): back to the page
        return redirect("schema_page", connection_id=connection.pk)
    return _table_detail(request, connection, snapshot, table)


@login_required
def search(request, connection_id):
    connection = get_visible_connection(request.user, connection_id)
    snapshot, document = _document_or_none(connection)
    query = request.GET.get("q", "")[:200]
    hits, total = browser.search(document, query) if document else ([], 0)
    return render(
        request,
        "schemas_app/schema_page.html#search_results",
        {"connection": connection, "hits": hits, "total": total, "query": query},
    )


@login_required
def download(request, connection_id):
    connection = get_visible_connection(request.user, connection_id)
    snapshot_id = request.GET.get("snapshot", "")
    if snapshot_id and not (
        snapshot_id.isascii() and snapshot_id.isdigit() and len(snapshot_id) < 19
    ):
        return JsonResponse(
            {"error": "snapshot must be a snapshot id (a whole number), as in ?snapshot=12."},
            status=400,
        )
    snapshots = connection.snapshots.filter(status=SchemaSnapshot.Status.SUCCEEDED)
    snapshot = snapshots.filter(pk=int(snapshot_id)).first() if snapshot_id else snapshots.first()
    if snapshot is None:
        raise Http404("No schema snapshot to download.")
    document, profiles = snapshot.document, snapshot.profiles
    hidden = sensitive.masked_for(request.user, connection, snapshot)
    if hidden:  # non-staff download what the page shows them: sensitive values masked
        document = sensitive.mask_document(SchemaDocument.from_dict(document), hidden).to_dict()
        profiles = sensitive.mask_profiles(profiles, hidden)
    response = JsonResponse(
        {
            "connection": connection.name,
            "snapshot_id": snapshot.pk,
            "extracted_at": snapshot.finished_at.isoformat() if snapshot.finished_at else None,
            "fingerprint": snapshot.fingerprint,
            "schema": document,
            "profiles": profiles,
        },
        json_dumps_params={"indent": 2},
    )
    filename = f"schema-{connection.name}-{snapshot.pk}.json".replace(" ", "_")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
