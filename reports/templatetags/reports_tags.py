"""The dashboard's reports panel: a template tag, so the dashboard's view (chat) needs no
import of this app."""

from django import template
from django.db.models import OuterRef, Subquery

from reports.models import ReportRun
from reports.service import visible_reports

register = template.Library()


@register.inclusion_tag("reports/_dashboard_panel.html")
def reports_panel(user):
    last = ReportRun.objects.filter(report=OuterRef("pk")).order_by("-created_at", "-pk")
    reports = visible_reports(user).annotate(
        last_status=Subquery(last.values("status")[:1]),
        last_run_at=Subquery(last.values("created_at")[:1]),
    )
    labels = dict(ReportRun.Status.choices)
    rows = [(r, labels.get(r.last_status, "")) for r in reports[:50]]
    return {"rows": rows}
