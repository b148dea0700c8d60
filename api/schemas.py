"""Request and response shapes of the API (pydantic, through django-ninja)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict, field_validator, model_validator

INT32 = 2**31 - 1
Id = Field(..., ge=1, le=INT32)


def _reject_nul(value: Any, path: str = "") -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{path or 'a value'} contains a NUL character")
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_nul(key, path)
            _reject_nul(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_nul(item, path)


class In(Schema):
    """Base of request bodies: unknown fields are refused, NUL characters too (no database
    stores them, so they would otherwise fail deep inside as a server error)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        _reject_nul(data)
        return data


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, Any]] | None = None


ERROR_CODES = frozenset({400, 401, 403, 404, 413, 422, 429, 500, 503})


def responses(ok: dict) -> dict:
    """Success responses plus the documented error ones (all `ErrorOut`)."""
    return {**ok, ERROR_CODES: ErrorOut}


# -- databases ---------------------------------------------------------------------------


class SchemaStatusOut(Schema):
    state: str
    label: str
    percent: int
    snapshot_id: int | None = None
    extracted_at: datetime | None = None


class DatabaseOut(Schema):
    id: UUID
    name: str
    description: str
    kind: str
    database_type: str
    host: str
    port: int | None
    database: str
    username: str
    has_password: bool
    options: dict[str, Any]
    tags: list[str]
    color: str
    is_active: bool
    is_default: bool
    last_test_ok: bool | None
    last_test_message: str
    last_tested_at: datetime | None
    privileged: bool = Field(
        description="The last test found an account that can do more than read (allowed by "
        "allow_privileged; otherwise it would have been refused)."
    )
    privilege_problems: list[str] = Field(description="What the account may do beyond reading.")
    privileges_checked_at: datetime | None
    allow_privileged: bool
    data_exposure: str = Field(
        description="What of the data may go into prompts sent to a model: schema, profiles or "
        "values; empty: the server's default (DATA_EXPOSURE_DEFAULT)."
    )
    data_exposure_effective: str = Field(
        description="The level that holds: data_exposure, else the server's default."
    )
    privileged_allowed_by: str | None = Field(description="Who allowed the privileged account.")
    privileged_allowed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    schema_status: SchemaStatusOut


Kind = Field(None, description="postgresql, mysql (or mariadb), clickhouse or sqlite")


class _DatabaseFields(In):
    description: str | None = Field(None, max_length=2000)
    database_url: str | None = Field(
        None,
        max_length=2000,
        description="postgresql://user:pass@host:5432/db, sqlite:///path.db, ... fills in kind, "
        "host, port, database, username, password and options. Write-only.",
    )
    database_type: str | None = Kind
    kind: str | None = Kind
    host: str | None = Field(None, max_length=255)
    port: int | None = Field(None, ge=1, le=65535)
    database: str | None = Field(None, max_length=500)
    username: str | None = Field(None, max_length=255)
    password: str | None = Field(None, max_length=1000, description="Write-only: never returned.")
    options: dict[str, str | int | float | bool] | None = None
    tags: list[str] | None = Field(None, max_length=50)
    color: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    is_active: bool | None = None
    is_default: bool | None = None
    allow_privileged: bool | None = Field(
        None,
        description="Use an account that can do more than read (refused otherwise); who set it "
        "and when is recorded. Prefer a read-only account (see README, Security).",
    )
    data_exposure: Literal["schema", "profiles", "values", ""] | None = Field(
        None,
        description="What of the data may go into prompts sent to a model: schema (names, "
        "types, keys, comments), profiles (plus counts and statistics, no raw values) or values "
        '(plus representative values and sample rows); "" for the server\'s default.',
    )
    skip_test: bool = Field(False, description="Same as test=false.")

    @field_validator("tags")
    @classmethod
    def _short_tags(cls, tags):
        if tags and any(len(tag) > 50 for tag in tags):
            raise ValueError("a tag has at most 50 characters")
        return tags


class DatabaseCreate(_DatabaseFields):
    name: str = Field(..., min_length=1, max_length=100)
    test: bool = Field(True, description="Test the connection before saving (default).")


class DatabaseUpdate(_DatabaseFields):
    name: str | None = Field(None, min_length=1, max_length=100)
    test: bool | None = Field(
        None, description="Default: test only when a connection setting changes."
    )


class TestOut(Schema):
    ok: bool
    message: str
    server_version: str
    latency_ms: float
    privileged: bool | None = Field(
        None, description="Whether the account can do more than read (null: not read)."
    )
    privilege_problems: list[str] = []


class DefaultIn(In):
    is_default: bool


class ExtractIn(In):
    with_profile: bool = True  # value questions need the profiles; false skips them


class TaskRef(Schema):
    task_id: str = Field(..., description="schema-<snapshot id>; poll GET /tasks/{task_id}.")
    snapshot_id: int
    status: str
    created: bool = Field(
        ..., description="False when an extraction was already queued or running."
    )


class SchemaOut(Schema):
    snapshot_id: int
    status: str
    created_at: datetime
    finished_at: datetime | None
    table_count: int
    column_count: int
    fingerprint: str
    document: dict[str, Any]
    profiles: dict[str, Any] | None = None
    diff: dict[str, Any] | None = Field(
        None,
        description="With ?diff=true: changes since the previous good snapshot (null if none).",
    )


class SelectIn(In):
    connection_id: UUID


class SelectedOut(Schema):
    database: DatabaseOut | None
    source: str = Field(..., description="selection, default or none")


# -- chat ----------------------------------------------------------------------------------


class MessageOut(Schema):
    id: int
    task_id: str | None
    role: str
    text: str
    question: str
    databases: list[str]
    status: str
    phase: str
    feedback: str
    created_at: datetime
    interpretation: str | None = Field(
        None,
        description='What the built-in engine understood, in plain words ("number of distinct '
        'cities of employees"; the page shows it as "Read as: ..."); null for LLM answers '
        "and when the databases' readings differ (each is in result.databases[].interpretation).",
    )
    result: dict[str, Any] | None


class ChatIn(In):
    message: str = Field(..., min_length=1, max_length=20000)
    target_database: UUID | None = None
    session_id: int | None = Field(None, ge=1, le=INT32)


class ChatOut(Schema):
    session_id: int
    databases: list[str]
    message: MessageOut


class SessionDatabaseOut(Schema):
    connection_id: UUID | None
    name: str
    available: bool


class SessionOut(Schema):
    id: int
    name: str
    created_at: datetime
    updated_at: datetime
    last_active_at: datetime
    databases: list[SessionDatabaseOut]


class SessionIn(In):
    name: str = Field("", max_length=200)
    connection_ids: list[UUID] | None = Field(
        None, max_length=20, description="Omitted: the caller's selected (or the default) database."
    )


class SessionUpdate(In):
    name: str | None = Field(None, min_length=1, max_length=200)
    connection_ids: list[UUID] | None = Field(
        None, max_length=20, description="Replaces the session's databases, in this order."
    )


class PostMessageIn(In):
    message: str = Field(..., min_length=1, max_length=20000)


class FeedbackIn(In):
    value: Literal["correct", "wrong"]


class SaveExampleIn(In):
    connection_id: UUID | None = Field(
        None, description="Save for this database only; omitted: every database it answered on."
    )


class MultiQueryIn(In):
    question: str = Field(..., min_length=1, max_length=20000)
    connection_ids: list[UUID] | None = Field(None, min_length=1, max_length=20)
    chat_session_id: int | None = Field(None, ge=1, le=INT32)


class DatabaseResultOut(Schema):
    connection_id: UUID | None
    name: str
    text: str
    sql: str
    columns: list[str]
    column_labels: list[str] = Field(
        ..., description="Human headers, one per column (columns keep the SQL's names)."
    )
    interpretation: str | None = Field(
        None, description="What the built-in engine understood; null for LLM answers."
    )
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    duration_ms: float
    estimated_bytes: int | None = Field(
        None,
        description="Bytes the query reads by the database's dry-run estimate, checked against "
        "its maximum before running (BigQuery); null for other engines.",
    )
    error: str | None


class MergedOut(Schema):
    columns: list[str]
    column_labels: list[str]
    rows: list[list[Any]]


class MultiQueryOut(Schema):
    session_id: int
    message_id: int
    status: str
    text: str
    results: list[DatabaseResultOut]
    merged: MergedOut | None


# -- tools and tasks -----------------------------------------------------------------------


class ToolIn(In):
    name: str = Field(
        ...,
        max_length=50,
        description="list_tables, describe_table, sample_rows, "
        "get_schema, profile_column or run_sql",
    )
    arguments: dict[str, Any] = Field(default_factory=dict)
    target_database: UUID | None = Field(
        None, description="Omitted: the caller's selected (or the default) database."
    )
    target_databases: list[UUID] | None = Field(
        None,
        max_length=10,
        description="run_sql only: several databases, queried as one (a federated query). "
        "The SQL names their tables as alias.table, the alias being the database's name as "
        "an identifier (Shop DB -> shop_db); the result carries the plan and each pushed-down "
        "query.",
    )


class ToolOut(Schema):
    name: str
    target_database: UUID | None = Field(None, description="Null for a federated run_sql.")
    target_databases: list[UUID] | None = None
    result: Any


class LinkEndOut(Schema):
    database: UUID
    database_name: str
    alias: str
    table: str
    column: str


class LinkOut(Schema):
    id: int
    link: str = Field(..., description="alias.table.column <-> alias.table.column")
    left: LinkEndOut
    right: LinkEndOut
    comment: str


class TaskOut(Schema):
    id: str
    kind: str = Field(..., description="schema_extraction or answer")
    status: str = Field(..., description="pending, running, succeeded/done or failed")
    finished: bool
    phase: str
    percent: int | None
    error: str
    created_at: datetime
    snapshot_id: int | None = None
    message_id: int | None = None
    session_id: int | None = None


# -- DataPoints ----------------------------------------------------------------------------

ScopeValue = Field(
    ...,
    max_length=100,
    description='"global" or a database id (UUID).',
    examples=["global"],
)


class DataPointOut(Schema):
    id: int
    kind: str = Field(..., description="metric, glossary, table_note or example")
    name: str
    scope: str = Field(..., description="connection, global or unscoped (legacy)")
    connection_id: UUID | None
    content: dict[str, Any]
    source: str = Field(..., description="file or feedback (a verified answer)")
    source_file: str
    source_line: int | None
    updated_at: datetime


class SyncErrorOut(Schema):
    file: str
    line: int | None
    message: str


class SyncStatusOut(Schema):
    scope: str
    directory: str = Field(..., description="Where Sync Now reads for this scope.")
    directory_exists: bool
    last_sync_at: datetime | None
    added: int | None
    updated: int | None
    removed: int | None
    unchanged: int | None
    errors: list[SyncErrorOut]


class SyncIn(In):
    scope: str = ScopeValue
    directory: str | None = Field(
        None,
        max_length=500,
        description="Relative to DATAPOINTS_DIR (never an absolute or outside path). "
        "Omitted: DATAPOINTS_DIR/<database name slug>/, or DATAPOINTS_DIR/global/.",
    )
    dry_run: bool = Field(False, description="Report what would change; write nothing.")


class SyncOut(Schema):
    scope: str
    directory: str
    dry_run: bool
    files: int
    added: int
    updated: int
    removed: int
    unchanged: int
    added_keys: list[str]
    updated_keys: list[str]
    removed_keys: list[str]
    errors: list[SyncErrorOut]
    sync_id: int | None
