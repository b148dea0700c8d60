import uuid
from collections import Counter

from django.conf import settings
from django.db import models
from django.db.models import Q

from .dialects import DEFAULT_PORTS, ConnectionParams, Dialect, engine_for_params, is_secret_option
from .fields import EncryptedJSONField, EncryptedTextField

# What pages, the admin and the API show in place of a stored secret option's value. Sent
# back unchanged, it keeps the stored value.
SECRET_MASK = "********"

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
        REDSHIFT = "redshift", "Amazon Redshift"
        BIGQUERY = "bigquery", "Google BigQuery"

    class Exposure(models.TextChoices):
        """What of a database's data may go into a prompt sent to a model (issue 18)."""

        SCHEMA = "schema", "Schema only (names, types, keys, comments)"
        PROFILES = "profiles", "Schema and profiles (counts and statistics, no raw values)"
        VALUES = "values", "Schema, profiles and values (representative values, sample rows)"

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
    # Options whose names look secret (sslpassword, passfile, api_key, ...), encrypted like the
    # password; merged into the driver options only when connecting.
    secret_options = EncryptedJSONField(
        default=dict, blank=True, editable=False, db_column="secret_options_encrypted"
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
    # Least privilege: the last privilege report (so badges need no live query), and the
    # admin's explicit override for an account that may do more than read.
    privilege_problems = models.JSONField(default=list, blank=True, editable=False)
    privileges_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    allow_privileged = models.BooleanField(
        "Allow a privileged account",
        default=False,
        help_text="Use this account even though it can do more than read (write, read server "
        "files, manage roles, ...). Prefer a read-only account: the test names what is wrong "
        "and how to create one.",
    )
    privileged_allowed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    privileged_allowed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Blank: the global default (DATA_EXPOSURE_DEFAULT in the environment).
    data_exposure = models.CharField(
        "Data sent to a model",
        max_length=10,
        choices=Exposure.choices,
        blank=True,
        help_text="What of this database's data may go into prompts sent to an LLM. "
        "Blank: the server's default.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_connection"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.move_secret_options()
        super().save(*args, **kwargs)

    @property
    def effective_port(self) -> int | None:
        return self.port or DEFAULT_PORTS.get(self.kind)

    @property
    def credentials_unreadable(self) -> bool:
        return getattr(self.password, "unreadable", False) or getattr(
            self.secret_options, "unreadable", False
        )

    @property
    def readable_secret_options(self) -> dict:
        secrets = self.secret_options
        return secrets if isinstance(secrets, dict) else {}

    @property
    def masked_options(self) -> dict:
        """The options as anyone may see them: secret values replaced by the mask."""
        return {**(self.options or {}), **dict.fromkeys(self.readable_secret_options, SECRET_MASK)}

    @property
    def privileged(self) -> bool:
        """The last test found the account able to do more than read (used only when
        allow_privileged is on: otherwise it is refused)."""
        return bool(self.privilege_problems)

    @property
    def display_target(self) -> str:
        if self.kind == self.Kind.SQLITE:
            return self.database
        if self.kind == self.Kind.BIGQUERY:  # no host: the project and dataset say where
            project = (self.options or {}).get("project")
            return f"{project}.{self.database}" if project else self.database
        return f"{self.host}:{self.effective_port}/{self.database}"

    def params(self) -> ConnectionParams:
        return ConnectionParams(
            kind=self.kind,
            host=self.host,
            port=self.effective_port,
            database=self.database,
            username=self.username,
            password="" if self.credentials_unreadable else (self.password or ""),
            options=tuple(sorted({**(self.options or {}), **self.readable_secret_options}.items())),
            allow_privileged=self.allow_privileged,
        )

    def move_secret_options(self) -> None:
        """Secret-looking keys never stay in the clear `options` column, whichever code set
        them: they move to the encrypted field (the mask keeps a stored value, an empty value
        drops it)."""
        moved = {k: v for k, v in (self.options or {}).items() if is_secret_option(k)}
        if not moved:
            return
        self.options = {k: v for k, v in self.options.items() if k not in moved}
        secrets = dict(self.readable_secret_options)
        for key, value in moved.items():
            if value == SECRET_MASK:
                continue
            if value in ("", None):
                secrets.pop(key, None)
            else:
                secrets[key] = value
        self.secret_options = secrets

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


class ConnectionGroup(models.Model):
    """A named set of registered databases (dev/staging/prod of one service, a region's
    shards, ...): a chat can start on its active members, and any two can be compared."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(Connection, related_name="groups", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def active_members(self) -> list[Connection]:
        return list(self.members.filter(is_active=True).order_by("name"))
