"""The DataPoints page: points by scope and kind, and a Sync Status panel."""

from pathlib import Path

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from connections.services import get_visible_connection, selected_connection, visible_connections

from . import datapoints
from .models import DataPoint


def _scope(request, value: str):
    """(connection or None for global). No value: the user's selected database, else global."""
    if value == "global":
        return None
    if value:
        return get_visible_connection(request.user, value)
    return selected_connection(request.user)


def sync_directory_for(connection) -> Path:
    """DATAPOINTS_DIR/<slug of the database name>/ (e.g. "Demo shop" -> demo-shop/) for a
    database, DATAPOINTS_DIR/global/ for the global scope."""
    return Path(settings.DATAPOINTS_DIR) / (slugify(connection.name) if connection else "global")


def _context(request, connection) -> dict:
    scope_key = datapoints.scope_key_for(connection)
    points = DataPoint.objects.filter(scope_key=scope_key).order_by("kind", "name")
    by_kind = [
        (label, [p for p in points if p.kind == kind]) for kind, label in DataPoint.Kind.choices
    ]
    directory = sync_directory_for(connection)
    return {
        "connection": connection,
        "scope_value": str(connection.pk) if connection else "global",
        "connections": visible_connections(request.user).filter(is_active=True),
        "by_kind": by_kind,
        "total": len(points),
        "last_sync": datapoints.last_sync(connection),
        "directory": directory,
        "directory_exists": directory.is_dir(),
        "can_sync": request.user.is_staff,
    }


@login_required
def datapoints_page(request):
    connection = _scope(request, request.GET.get("scope", ""))
    return render(request, "schemas_app/datapoints.html", _context(request, connection))


@login_required
@require_POST
def datapoints_sync(request):
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can sync DataPoints.")
    connection = _scope(request, request.POST.get("scope", "global"))
    directory = sync_directory_for(connection)
    try:
        report = datapoints.sync_directory(
            directory, connection=connection, global_scope=connection is None
        )
    except datapoints.DataPointError as error:
        flash.error(request, str(error))
    else:
        level = flash.warning if report.errors else flash.success
        level(request, f"Synced {report.summary()}.")
    if request.htmx:
        return render(
            request, "schemas_app/datapoints.html#sync_panel", _context(request, connection)
        )
    scope = str(connection.pk) if connection else "global"
    return redirect(f"{reverse('datapoints')}?scope={scope}")
