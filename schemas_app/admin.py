from django.contrib import admin, messages

from connections.models import Connection

from . import services
from .models import ExtractionSchedule, SchemaSnapshot


@admin.register(SchemaSnapshot)
class SchemaSnapshotAdmin(admin.ModelAdmin):
    list_display = ("connection", "status", "phase", "created_at", "duration_ms", "table_count", "column_count")
    list_filter = ("status", "connection")
    readonly_fields = [f.name for f in SchemaSnapshot._meta.fields]
    exclude = ("document", "profiles")

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*services.HEAVY_FIELDS).select_related("connection")

    def has_add_permission(self, request):
        return False


@admin.register(ExtractionSchedule)
class ExtractionScheduleAdmin(admin.ModelAdmin):
    list_display = ("connection", "interval_minutes", "with_profile")


@admin.action(description="Extract schema")
def extract_schema(modeladmin, request, queryset):
    for connection in queryset:
        snapshot, created = services.request_extraction(connection)
        snapshot.refresh_from_db()
        state = "queued" if created else "already running"
        if snapshot.status in (SchemaSnapshot.Status.SUCCEEDED, SchemaSnapshot.Status.FAILED):
            state = snapshot.status + (f": {snapshot.error}" if snapshot.error else "")
        level = messages.ERROR if snapshot.status == SchemaSnapshot.Status.FAILED else messages.SUCCESS
        modeladmin.message_user(request, f"{connection.name}: extraction {state}.", level)


# The registry app knows nothing of schemas (arrows point chat -> schemas_app -> connections),
# so the schema action is attached to the Connection admin from this side.
connection_admin = admin.site._registry.get(Connection)
if connection_admin is not None:
    connection_admin.actions = [*(connection_admin.actions or []), extract_schema]
