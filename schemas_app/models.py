from django.db import models

from connections.dialects.schema import SchemaDocument
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
    profiled_at = models.DateTimeField(null=True, blank=True)
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

    def schema(self) -> SchemaDocument | None:
        return SchemaDocument.from_dict(self.document) if self.document else None


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
