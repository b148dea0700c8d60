"""`{% schema_status_badge connection %}` for pages of other apps (the database list/detail)."""

from django import template

from schemas_app.services import schema_status

register = template.Library()


@register.inclusion_tag("schemas_app/_status_badge.html")
def schema_status_badge(connection):
    return {"connection": connection, "status": schema_status(connection)}
