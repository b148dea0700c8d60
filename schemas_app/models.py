from django.conf import settings
from django.db import models

from connections.models import Connection


class SchemaSnapshot(models.Model):
    """One extraction of one connection's schema; failed ones never replace the last good one."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    ACTIVE_STATUSES = (Status.PENDING, Status.RUNNING)

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="snapshots")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    with_profile = models.BooleanField(default=False)
    phase = models.CharField(max_length=40, blank=True)
    tables_done = models.PositiveIntegerField(default=0)
    tables_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    table_count = models.PositiveIntegerField(default=0)
    column_count = models.PositiveIntegerField(default=0)
    document = models.JSONField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    profiles = models.JSONField(null=True, blank=True)
    # Profiling runs as its own task after a successful extraction (when asked), so the
    # schema is usable at once; "" = never asked, then pending -> running -> done | failed.
    profile_status = models.CharField(max_length=10, blank=True)
    profile_error = models.TextField(blank=True)
    profiled_at = models.DateTimeField(null=True, blank=True)
    # {qualified table: {column: reason}} found by schemas_app.detection at extraction (names,
    # samples) and again after profiling (profile values); None on snapshots from before it.
    sensitive = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"
        indexes = [models.Index(fields=["connection", "status", "-created_at"])]
        constraints = [
            # Two extractions of one connection never run at once: at most one active row.
            models.UniqueConstraint(
                fields=["connection"],
                condition=models.Q(status__in=["pending", "running"]),
                name="one_active_extraction_per_connection",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.connection} @ {self.created_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.tables_total:
            return 0
        return min(99, int(100 * self.tables_done / self.tables_total))


class ExtractionSchedule(models.Model):
    """Optional periodic refresh; Celery beat runs `refresh_due_schemas` every few minutes."""

    connection = models.OneToOneField(
        Connection, on_delete=models.CASCADE, related_name="extraction_schedule"
    )
    interval_minutes = models.PositiveIntegerField(
        default=0, help_text="0 disables the periodic refresh."
    )
    with_profile = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.connection}: every {self.interval_minutes} min"


class DataPoint(models.Model):
    """One piece of business context: a metric, a glossary term, a table note or an example.

    `scope_key` ("connection:<id>", "global" or "unscoped" for legacy rows) and `key`
    ("metric:revenue") identify a point, so a sync can tell added from updated from removed.
    """

    class Kind(models.TextChoices):
        METRIC = "metric", "Metric"
        GLOSSARY = "glossary", "Glossary term"
        TABLE_NOTE = "table_note", "Table note"
        EXAMPLE = "example", "Example question"

    class Scope(models.TextChoices):
        CONNECTION = "connection", "Database"
        GLOBAL = "global", "Global"
        UNSCOPED = "unscoped", "Unscoped (legacy)"

    class Source(models.TextChoices):
        FILE = "file", "File"
        FEEDBACK = "feedback", "Verified answer"

    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.UNSCOPED)
    connection = models.ForeignKey(
        Connection, null=True, blank=True, on_delete=models.CASCADE, related_name="datapoints"
    )
    scope_key = models.CharField(max_length=60, default="unscoped")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    key = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    content = models.JSONField(default=dict)
    search_text = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FILE)
    source_file = models.CharField(max_length=500, blank=True)
    source_line = models.PositiveIntegerField(null=True, blank=True)
    embedding = models.JSONField(null=True, blank=True)
    embedding_model = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["scope_key", "kind"])]
        constraints = [
            models.UniqueConstraint(fields=["scope_key", "key"], name="one_datapoint_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class DataPointSync(models.Model):
    """One sync of a directory into one scope: what changed and what could not be read."""

    scope_key = models.CharField(max_length=60)
    connection = models.ForeignKey(
        Connection, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    directory = models.CharField(max_length=500)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.scope_key} @ {self.started_at:%Y-%m-%d %H:%M}"


class SensitiveColumn(models.Model):
    """A staff decision that one column is (or is not) sensitive, overriding detection.

    Keyed by connection + table + column, not by snapshot: snapshots are replaced on every
    extraction, and the decision must survive that (and apply again if the column comes back).
    `table` is the snapshot's qualified name (schema.table where the engine has schemas).
    """

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="sensitive_overrides"
    )
    table = models.CharField(max_length=500)
    column = models.CharField(max_length=300)
    sensitive = models.BooleanField()
    note = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["table", "column"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "table", "column"], name="one_sensitive_override_per_column"
            ),
        ]

    def __str__(self) -> str:
        state = "sensitive" if self.sensitive else "not sensitive"
        return f"{self.connection} {self.table}.{self.column}: {state}"
