from django.conf import settings
from django.db import models

from connections.models import Connection


class ChatSession(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_sessions"
    )
    name = models.CharField(max_length=200, default="New chat")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_active_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_active_at"]

    def __str__(self) -> str:
        return self.name


class SessionDatabase(models.Model):
    """A session's databases, in order. The name is kept so that a database removed from the
    registry still shows (as removed) in the session, whose history stays intact."""

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="databases")
    connection = models.ForeignKey(
        Connection, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    connection_name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "connection"], name="one_entry_per_database"
            ),
        ]

    def __str__(self) -> str:
        return self.connection_name


def answer_plan(database_count: int, generator=None) -> list[str]:
    """The steps an answer goes through, as the page shows them; `phase` is always one of
    them. When the generator writes for several databases in one call (an LLM) and there are
    several, that call writes all the SQL before anything runs; otherwise each database
    writes and runs its SQL in one go (no separate step). `generator`: the configured one
    unless given."""
    if generator is None:
        from .answering.generators import sql_generator_for

        generator = sql_generator_for(settings)
    running = f"running on {database_count} database{'s' if database_count != 1 else ''}"
    if generator.one_call_for_several and database_count > 1:
        return ["choosing tables", "writing SQL", running, "done"]
    return ["choosing tables", f"writing SQL and {running}", "done"]


class ChatMessage(models.Model):
    class Role(models.TextChoices):
        USER = "user", "User"
        ASSISTANT = "assistant", "Assistant"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10, choices=Role.choices)
    text = models.TextField(blank=True)
    question = models.TextField(
        blank=True, help_text="For assistant messages: the question answered."
    )
    databases = models.JSONField(default=list, blank=True, help_text="Names of the databases used.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE)
    phase = models.CharField(max_length=60, blank=True)
    result = models.JSONField(
        null=True, blank=True, help_text="Merged table, chart hint, cache key."
    )
    feedback = models.CharField(
        max_length=10, blank=True, choices=[("correct", "Correct"), ("wrong", "Wrong")]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Liveness (chat/liveness.py): who runs the answer (host:pid) and when it last said so.
    claimed_by = models.CharField(max_length=120, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:40]}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def steps(self) -> list[tuple[str, str]]:
        """(label, "done" | "active" | "") for each step: exactly one is active."""
        plan = answer_plan(len(self.databases or []))
        current = plan.index(self.phase) if self.phase in plan else 0
        return [
            (label, "done" if i < current else "active" if i == current else "")
            for i, label in enumerate(plan)
        ]


class QueryRun(models.Model):
    """Every attempt at running SQL for a question. Kept when the message or session goes,
    so the query history page and the dashboard figures never lose runs; deleting a user
    (the admin deactivates by default) deletes their runs with their chats."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        INVALID = "invalid", "Rejected before running"
        ERROR = "error", "Error"
        REFUSED = "refused", "Refused"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    message = models.ForeignKey(
        ChatMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    connection = models.ForeignKey(
        Connection, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    connection_name = models.CharField(max_length=100)
    question = models.TextField()
    attempt = models.PositiveIntegerField(default=1)
    final = models.BooleanField(default=True, help_text="The attempt whose result was shown.")
    sql = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    error = models.TextField(blank=True)
    row_count = models.PositiveIntegerField(default=0)
    truncated = models.BooleanField(default=False)
    duration_ms = models.FloatField(default=0)
    engine = models.CharField(max_length=100, blank=True, help_text="builtin, or the LLM model.")
    columns = models.JSONField(default=list, blank=True)
    column_labels = models.JSONField(
        default=list, blank=True, help_text="Human headers, one per column (empty: from names)."
    )
    interpretation = models.TextField(
        blank=True, help_text="What the built-in engine understood, in plain words."
    )
    preview = models.JSONField(default=list, blank=True, help_text="The first rows, capped.")
    cached = models.BooleanField(
        default=False,
        help_text="A copy of an earlier run for an answer served from the result cache: "
        "nothing ran (not counted in the dashboard figures).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["connection", "-created_at"]),
            models.Index(fields=["owner", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.connection_name} #{self.attempt} {self.status}"


class ModelCall(models.Model):
    """Every request sent to a language model (chat.model_log): the exact prompt and reply,
    who and which answer it was for, the databases and their exposure levels. Written by the
    gateway, so no path to a model escapes it; never holds the API key (it is not part of the
    request that is stored). Kept MODEL_LOG_RETENTION_DAYS; outlives the chat it belongs to."""

    class Kind(models.TextChoices):
        CHAT = "chat", "Chat completion"
        EMBEDDING = "embedding", "Embedding"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        ChatMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="model_calls"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHAT)
    purpose = models.CharField(max_length=40, blank=True, help_text="generate, correct, ...")
    databases = models.JSONField(default=list, blank=True, help_text="Names of the databases.")
    exposure = models.JSONField(
        default=dict, blank=True, help_text="Exposure level per database name."
    )
    model = models.CharField(max_length=200, blank=True)
    request = models.JSONField(
        default=list, blank=True, help_text="The messages (or embedded texts) sent, in full."
    )
    reply = models.TextField(blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost = models.FloatField(null=True, blank=True, help_text="USD, by litellm's price list.")
    duration_ms = models.FloatField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.model} {self.purpose} {self.created_at:%Y-%m-%d %H:%M}"
