"""A saved question that re-runs on a schedule, and each of its runs with the change since
the run before (issue 16, part 4)."""

from django.conf import settings
from django.db import models

from connections.models import Connection, ConnectionGroup


class Report(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    name = models.CharField(max_length=200)
    question = models.TextField()
    # Either databases or a group (its active members at run time), never both.
    databases = models.ManyToManyField(Connection, blank=True, related_name="+")
    group = models.ForeignKey(
        ConnectionGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    schedule = models.CharField(
        max_length=100,
        default="0 8 * * *",
        help_text="Cron fields: minute hour day-of-month month day-of-week (UTC).",
    )
    is_active = models.BooleanField(default=True)
    email_owner = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The schedule slot last handed to a worker (reports.schedule); None: never.
    last_scheduled_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def last_run(self):
        return self.runs.order_by("-created_at", "-pk").first()


class ReportRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        RETRYING = "retrying", "Retrying"
        OK = "ok", "OK"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"

    FINISHED = (Status.OK, Status.REFUSED, Status.FAILED)

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=10, default="schedule", help_text="schedule or manual")
    scheduled_for = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="E.g. scheduled runs missed while beat was down.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    sentence = models.TextField(blank=True)
    # {"databases": [{name, sql, error, refused, columns, column_labels, rows, row_count,
    #  truncated}], "merged": {columns, column_labels, rows, row_count} | None}; rows capped.
    result = models.JSONField(null=True, blank=True)
    change = models.JSONField(null=True, blank=True, help_text="Against the previous OK run.")
    error = models.TextField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["report", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.report} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED
