"""Figures for the dashboard page, in a fixed number of queries whatever the registry size."""

from collections import Counter

from django.db.models import Max, OuterRef, Subquery

from connections.services import visible_connections

from .models import SchemaSnapshot


def dashboard_context(user) -> dict:
    latest = SchemaSnapshot.objects.filter(connection=OuterRef("pk")).order_by("-created_at")
    last_good = latest.filter(status=SchemaSnapshot.Status.SUCCEEDED)
    connections = list(
        visible_connections(user)
        .annotate(
            snapshot_status=Subquery(latest.values("status")[:1]),
            snapshot_error=Subquery(latest.values("error")[:1]),
            last_extracted_at=Subquery(last_good.values("finished_at")[:1]),
            last_duration_ms=Subquery(last_good.values("duration_ms")[:1]),
            last_selected_at=Max("selections__updated_at"),
        )
        .order_by("name")
    )
    for connection in connections:
        connection.schema_state = {
            None: "never extracted",
            "pending": "extracting",
            "running": "extracting",
            "succeeded": "schema ready",
            "failed": "failed",
        }[connection.snapshot_status]
    recently_used = sorted(
        (c for c in connections if c.last_selected_at or c.last_tested_at),
        key=lambda c: max(filter(None, [c.last_selected_at, c.last_tested_at])),
        reverse=True,
    )[:5]
    return {
        "connections": connections,
        "by_kind": sorted(Counter(c.get_kind_display() for c in connections).items()),
        "by_status": sorted(Counter(c.schema_state for c in connections).items()),
        "active_count": sum(c.is_active for c in connections),
        "recently_used": recently_used,
    }
