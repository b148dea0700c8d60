import uuid
from collections import Counter

from django.conf import settings
from django.db import models
from django.db.models import Q

from .dialects import DEFAULT_PORTS, ConnectionParams, Dialect, engine_for_params
from .fields import EncryptedTextField

# Dots and chip borders in the chat's database bar tell databases apart by colour, so each new
# connection takes the least used of these (distinct on white, then the cycle repeats).
PALETTE = (
    "#4f46e5",  # indigo
    "#dc2626",  # red
    "#059669",  # green
    "#d97706",  # amber
    "#2563eb",  # blue
    "#db2777",  # pink
    "#0891b2",  # cyan
    "#7c3aed",  # violet
    "#65a30d",  # lime
    "#ea580c",  # orange
)


def next_color() -> str:
    """The default colour of a new connection: the palette's least used, first in order."""
    used = Counter(c.lower() for c in Connection.objects.values_list("color", flat=True))
    return min(PALETTE, key=lambda color: (used[color], PALETTE.index(color)))


class Connection(models.Model):
    class Kind(models.TextChoices):
        POSTGRESQL = "postgresql", "PostgreSQL"
        MYSQL = "mysql", "MySQL / MariaDB"
        CLICKHOUSE = "clickhouse", "ClickHouse"
        SQLITE = "sqlite", "SQLite"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    host = models.CharField(max_length=255, blank=True)
    port = models.PositiveIntegerField(
        null=True, blank=True, help_text="Blank: the kind's default port."
    )
    database = models.CharField(
        max_length=500, blank=True, help_text="Database name, or the file path for SQLite."
    )
    username = models.CharField(max_length=255, blank=True)
    password = EncryptedTextField(blank=True, db_column="password_encrypted")
    options = models.JSONField(
        default=dict, blank=True, help_text='Driver options, e.g. {"sslmode": "require"}.'
    )
    tags = models.JSONField(default=list, blank=True)
    color = models.CharField(
        max_length=7,
        default=next_color,
        help_text="Hex colour, e.g. #4f46e5. New ones take the next unused colour.",
    )
    is_active = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.CharField(max_length=500, blank=True)
    last_tested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_connection"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_port(self) -> int | None:
        return self.port or DEFAULT_PORTS.get(self.kind)

    @property
    def credentials_unreadable(self) -> bool:
        return getattr(self.password, "unreadable", False)

    @property
    def display_target(self) -> str:
        if self.kind == self.Kind.SQLITE:
            return self.database
        return f"{self.host}:{self.effective_port}/{self.database}"

    def params(self) -> ConnectionParams:
        return ConnectionParams(
            kind=self.kind,
            host=self.host,
            port=self.effective_port,
            database=self.database,
            username=self.username,
            password="" if self.credentials_unreadable else (self.password or ""),
            options=tuple(sorted((self.options or {}).items())),
        )

    def engine(self) -> Dialect:
        """The pooled engine for this connection's current credentials."""
        return engine_for_params(str(self.id), self.params(), pool_max_size=settings.POOL_MAX_SIZE)


class DatabaseSelection(models.Model):
    """The database a user is currently working with (one row per user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="database_selection"
    )
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="selections")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} -> {self.connection}"
