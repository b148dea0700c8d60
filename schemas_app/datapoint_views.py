"""The DataPoints page: points by scope and kind, and a Sync Status panel."""

import logging

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from connections.services import get_visible_connection, selected_connection, visible_connections

from . import datapoints
from .models import DataPoint

logger = logging.getLogger(__name__)


def _scope(request, value: str):
    """(connection or None for global). No value: the user's selected database, else global."""
    if value == "global":
        return None
    if value:
        return get_visible_connection(request.user, value)
    return selected_connection(request.user)


def _context(request, connection) -> dict:
    scope_key = datapoints.scope_key_for(connection)
    points = DataPoint.objects.filter(scope_key=scope_key).order_by("kind", "name")
    by_kind = [
        (label, [p for p in points if p.kind == kind]) for kind, label in DataPoint.Kind.choices
    ]
    directory = datapoints.configured_directory(connection)
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
    directory = datapoints.configured_directory(connection)
    outcome = {}
    try:
        report = datapoints.sync_directory(
            directory, connection=connection, global_scope=connection is None
        )
    except datapoints.DataPointError as error:
        outcome = {"sync_failed": str(error)}
    except Exception:  # the page must say the sync failed, not answer with a bare 500
        logger.exception("DataPoints sync of %s failed", directory)
        outcome = {"sync_failed": "The sync failed unexpectedly; the error was logged."}
    else:
        label = connection.name if connection else "the global scope"
        outcome = {
            "sync_summary": f"Synced {report.summary(label)}.",
            "sync_warning": report.errors,
        }
    if request.htmx:
        # The panel shows the outcome itself: HTMX swaps only the panel, not the flash list.
        return render(
            request,
            "schemas_app/datapoints.html#sync_panel",
            {**_context(request, connection), **outcome},
        )
    if "sync_failed" in outcome:
        flash.error(request, outcome["sync_failed"])
    else:
        level = flash.warning if outcome["sync_warning"] else flash.success
        level(request, outcome["sync_summary"])
    scope = str(connection.pk) if connection else "global"
    return redirect(f"{reverse('datapoints')}?scope={scope}")
