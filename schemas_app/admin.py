from django.contrib import admin, messages

from connections.models import Connection

from . import services
from .models import ExtractionSchedule, SchemaSnapshot, SensitiveColumn


@admin.register(SchemaSnapshot)
class SchemaSnapshotAdmin(admin.ModelAdmin):
    list_display = (
        "connection",
        "status",
        "phase",
        "created_at",
        "duration_ms",
        "table_count",
        "column_count",
    )
    list_filter = ("status", "connection")
    readonly_fields = [f.name for f in SchemaSnapshot._meta.fields]
    exclude = ("document", "profiles")

    def get_queryset(self, request):
        return (
            super().get_queryset(request).defer(*services.HEAVY_FIELDS).select_related("connection")
        )

    def has_add_permission(self, request):
        return False


@admin.register(ExtractionSchedule)
class ExtractionScheduleAdmin(admin.ModelAdmin):
    list_display = ("connection", "interval_minutes", "with_profile")


@admin.action(description="Extract schema (with column profiles)")
def extract_schema(modeladmin, request, queryset):
    for connection in queryset:
        # With profiles: questions match values ("in Germany") against profiled top values.
        _, created = services.request_extraction(connection, with_profile=True)
        # The task runs after this request commits (eagerly without REDIS_URL): the
        # connection's schema page shows its progress and outcome.
        state = "queued" if created else "already pending or running"
        modeladmin.message_user(
            request, f"{connection.name}: extraction {state}.", messages.SUCCESS
        )


# The registry app knows nothing of schemas (arrows point chat -> schemas_app -> connections),
# so the schema action is attached to the Connection admin from this side.
connection_admin = admin.site._registry.get(Connection)
if connection_admin is not None:
    connection_admin.actions = [*(connection_admin.actions or []), extract_schema]


@admin.register(SensitiveColumn)
class SensitiveColumnAdmin(admin.ModelAdmin):
    """Staff decisions on sensitive columns. New ones are made on the schema page or through
    the API, which check that the column exists; here they can be reviewed, flipped or
    deleted (deleting hands the column back to detection)."""

    list_display = ("connection", "table", "column", "sensitive", "note", "set_by", "set_at")
    list_filter = ("sensitive", "connection")
    search_fields = ("table", "column", "note")
    readonly_fields = ("connection", "table", "column", "set_by", "set_at")

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        obj.set_by = request.user
        super().save_model(request, obj, form, change)
