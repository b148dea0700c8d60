from django.contrib import admin

from .models import CrossDatabaseLink


@admin.register(CrossDatabaseLink)
class CrossDatabaseLinkAdmin(admin.ModelAdmin):
    """Saving runs the model's clean(): both ends are checked against the latest snapshots."""

    list_display = ("__str__", "left_connection", "right_connection", "comment", "created_at")
    list_filter = ("left_connection", "right_connection")
    fields = (
        ("left_connection", "left_table", "left_column"),
        ("right_connection", "right_table", "right_column"),
        "comment",
    )
