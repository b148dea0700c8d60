"""Schema extraction, status and diffs. Tasks, commands and views call these functions."""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from connections.dialects import ConnectorError
from connections.dialects.schema import SchemaDocument
from connections.models import Connection
from datachat.queueing import QUEUE_UNAVAILABLE, enqueue_on_commit

from .detection import detect
from .models import SchemaSnapshot
from .sampling import sample_tables

logger = logging.getLogger(__name__)

Status = SchemaSnapshot.Status


HEAVY_FIELDS = ("document", "profiles")


def latest_snapshot(connection: Connection) -> SchemaSnapshot | None:
    """The last good snapshot (without its heavy JSON; read that with snapshot_document)."""
    return (
        connection.snapshots.filter(status=Status.SUCCEEDED)
        .defer(*HEAVY_FIELDS)
        .order_by("-created_at")
        .first()
    )


class _NotStored(Exception):
    """Raised inside the caches below: lru_cache does not keep exceptions, so a snapshot read
    before its document or profiles exist is read again next time instead of cached empty."""


@contextmanager
def _gc_paused():
    """Decoding and parsing a 2,000-table document creates ~150k small objects, which sets
    off the cyclic garbage collector over and over; none of them form cycles, and pausing it
    for the parse takes about 40% off the first (uncached) request."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@lru_cache(maxsize=16)
def _parsed_document(snapshot_id: int) -> SchemaDocument:
    with _gc_paused():
        data = (
            SchemaSnapshot.objects.filter(pk=snapshot_id).values_list("document", flat=True).first()
        )
        if not data:
            raise _NotStored
        return SchemaDocument.from_dict(data)


def snapshot_document(snapshot_id: int) -> SchemaDocument | None:
    """The parsed document of a snapshot, cached per process: a stored document never changes,
    and parsing a 2,000-table document on every request would be the slow part. A snapshot
    without a document yet (pending, running) is not cached."""
    try:
        return _parsed_document(snapshot_id)
    except _NotStored:
        return None


def table_names(document: SchemaDocument) -> frozenset[str]:
    """The tables a query on this database may read, for the SQL guard's `allowed_tables`:
    each as `table` and `schema.table`, lower case."""
    names = set()
    for table in document.tables:
        names.add(table.name.lower())
        names.add(table.qualified_name.lower())
    return frozenset(names)


def known_table_names(connection: Connection) -> frozenset[str] | None:
    """table_names of the latest good snapshot; None before the first extraction."""
    snapshot = latest_snapshot(connection)
    document = snapshot_document(snapshot.pk) if snapshot else None
    return table_names(document) if document is not None else None


@lru_cache(maxsize=16)
def _stored_profiles(snapshot_id: int, profiled_at) -> dict:
    profiles = (
        SchemaSnapshot.objects.filter(pk=snapshot_id).values_list("profiles", flat=True).first()
    )
    if profiles is None:
        raise _NotStored
    return profiles


def snapshot_profiles(snapshot_id: int) -> dict:
    """The column profiles of a snapshot ({} until profiled), cached per process.

    Profiles arrive after the snapshot (a separate task, maybe in another process) and can be
    redone, so the cache is keyed by `profiled_at`, read on each call with one small indexed
    query: every process sees new profiles as soon as they are stored.
    """
    profiled_at = (
        SchemaSnapshot.objects.filter(pk=snapshot_id).values_list("profiled_at", flat=True).first()
    )
    try:
        return _stored_profiles(snapshot_id, profiled_at)
    except _NotStored:
        return {}


def clear_caches() -> None:
    """Forget parsed documents and profiles (tests reuse snapshot ids across rollbacks)."""
    from .sensitive import clear_cache  # sensitive reads snapshots through this module

    _parsed_document.cache_clear()
    _stored_profiles.cache_clear()
    clear_cache()


def active_snapshot(connection: Connection) -> SchemaSnapshot | None:
    return (
        connection.snapshots.filter(status__in=SchemaSnapshot.ACTIVE_STATUSES)
        .defer(*HEAVY_FIELDS)
        .first()
    )


@dataclass
class SchemaStatus:
    state: str  # ready | extracting | profiling | failed | never
    label: str
    percent: int = 0
    extracted_at: object = None
    snapshot_id: int | None = None
    duration_ms: int | None = None  # of the extraction that produced the current schema


def schema_status(connection: Connection) -> SchemaStatus:
    """One line a user can read: schema ready / extracting N% / failed: reason / never extracted."""
    last = connection.snapshots.defer(*HEAVY_FIELDS).order_by("-created_at").first()
    if last is None:
        return SchemaStatus("never", "never extracted")
    good = latest_snapshot(connection) if last.status != Status.SUCCEEDED else last
    when = {
        "extracted_at": good.finished_at if good else None,
        "duration_ms": good.duration_ms if good else None,
        "snapshot_id": last.pk,
    }
    if last.is_active:
        return SchemaStatus("extracting", f"extracting {last.percent}%", last.percent, **when)
    if last.status == Status.FAILED:
        return SchemaStatus("failed", f"failed: {last.error}", 0, **when)
    if last.profile_status in ("pending", "running"):
        percent = last.percent if last.profile_status == "running" else 0
        return SchemaStatus("profiling", f"schema ready · profiling {percent}%", percent, **when)
    if last.profile_status == "failed":
        # The schema itself is good and usable; say why the profiles are missing.
        label = f"schema ready · profiling failed: {last.profile_error or 'unknown error'}"
        return SchemaStatus("ready", label, 100, **when)
    return SchemaStatus("ready", "schema ready", 100, **when)


def _expire_stale(connection: Connection) -> None:
    """A worker that died leaves a row 'running' forever; free the slot after the hard limit."""
    limit = timezone.now() - timedelta(seconds=settings.SCHEMA_EXTRACTION_TIME_LIMIT * 2)
    connection.snapshots.filter(
        status__in=SchemaSnapshot.ACTIVE_STATUSES, created_at__lt=limit
    ).update(
        status=Status.FAILED, error="abandoned: the worker stopped", finished_at=timezone.now()
    )


class CoolingDown(Exception):
    """Asked again too soon: extraction and profiling load the target database."""

    def __init__(self, what: str, retry_after: int):
        self.retry_after = retry_after
        self.user_message = (
            f"{what} of this database was asked less than "
            f"{settings.SCHEMA_REQUEST_COOLDOWN_SECONDS:g} s ago; try again in {retry_after} s."
        )
        super().__init__(self.user_message)


def _cooldown_left(since) -> int:
    if since is None:
        return 0
    elapsed = (timezone.now() - since).total_seconds()
    return max(0, int(settings.SCHEMA_REQUEST_COOLDOWN_SECONDS - elapsed + 0.999))


def check_extraction_cooldown(connection: Connection) -> None:
    """Raise CoolingDown when this database's last extraction was asked within
    SCHEMA_REQUEST_COOLDOWN_SECONDS (the pages and the API ask this; the scheduler does not)."""
    last = connection.snapshots.order_by("-created_at").values_list("created_at", flat=True)
    left = _cooldown_left(last.first())
    if left and not active_snapshot(connection):  # an active one is returned, not refused
        raise CoolingDown("An extraction", left)


def check_profiling_cooldown(snapshot: SchemaSnapshot) -> None:
    left = _cooldown_left(snapshot.profiled_at)
    if left and snapshot.profile_status not in ("pending", "running"):
        raise CoolingDown("Profiling", left)


def _queue_failed(snapshot_id: int) -> None:
    fail(snapshot_id, f"could not start: {QUEUE_UNAVAILABLE}; try again in a moment")


def request_extraction(
    connection: Connection, *, with_profile: bool = True
) -> tuple[SchemaSnapshot, bool]:
    """Queue an extraction unless one is already pending/running; returns (snapshot, created).
    A broker that is down fails the new snapshot at once ("the task queue is unavailable")."""
    from .tasks import extract_schema_task  # tasks import services; keep the cycle lazy

    _expire_stale(connection)
    existing = active_snapshot(connection)
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            snapshot = SchemaSnapshot.objects.create(
                connection=connection, with_profile=with_profile
            )
            snapshot_id = snapshot.pk
            enqueue_on_commit(
                extract_schema_task, snapshot_id, on_failure=lambda _: _queue_failed(snapshot_id)
            )
    except IntegrityError:  # another request won the race (one_active_extraction_per_connection)
        return active_snapshot(connection), False
    if not transaction.get_connection().in_atomic_block:
        snapshot.refresh_from_db()  # published (or failed to be) on commit, just now
    return snapshot, True


def claim(snapshot_id: int) -> bool:
    """Conditional UPDATE so that two workers never run the same extraction."""
    return bool(
        SchemaSnapshot.objects.filter(pk=snapshot_id, status=Status.PENDING).update(
            status=Status.RUNNING, started_at=timezone.now(), phase="connecting"
        )
    )


def fingerprint(document: dict) -> str:
    """Hash of the structure only (no row counts or samples), so equal schemas compare equal."""
    structural = [
        [
            t["schema"],
            t["name"],
            t["kind"],
            [[c["name"], c["type"], c["nullable"]] for c in t["columns"]],
            t["primary_key"],
            [[fk["columns"], fk["referred_table"]] for fk in t["foreign_keys"]],
        ]
        for t in document.get("tables", [])
    ]
    return hashlib.sha256(json.dumps(structural, sort_keys=True).encode()).hexdigest()


class _Progress:
    """Writes progress to the row at most a few times per second."""

    def __init__(self, snapshot_id: int, phase: str):
        self.snapshot_id, self.phase, self.last = snapshot_id, phase, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.3:
            return
        self.last = now
        SchemaSnapshot.objects.filter(pk=self.snapshot_id).update(
            phase=self.phase, tables_done=done, tables_total=total
        )


def run_extraction(snapshot_id: int, *, retry_transient: bool = False) -> SchemaSnapshot:
    """Extract (introspect, sample) and store; errors are stored, not lost. Profiling, when
    asked, follows as its own step (run_profiling).

    With `retry_transient`, a transient ConnectorError puts the row back to pending and is
    raised so the caller (the task) can retry with backoff; anything else is recorded at once.
    """
    snapshot = SchemaSnapshot.objects.select_related("connection").get(pk=snapshot_id)
    connection = snapshot.connection
    started = time.monotonic()
    try:
        engine = connection.engine()
        document: SchemaDocument = engine.introspect()
        _Progress(snapshot_id, "sampling")(0, len(document.tables))
        sample_tables(
            engine,
            document,
            rows_per_table=settings.SCHEMA_SAMPLE_ROWS,
            budget_seconds=settings.SCHEMA_SAMPLE_BUDGET_SECONDS,
            on_progress=_Progress(snapshot_id, "sampling"),
        )
        _fail_if_server_went_away(engine, document)
    except ConnectorError as exc:
        if exc.transient and retry_transient:
            SchemaSnapshot.objects.filter(pk=snapshot_id).update(
                status=Status.PENDING, phase="waiting to retry", error=exc.user_message
            )
            raise
        return fail(snapshot_id, exc.user_message, started)
    except SoftTimeLimitExceeded:
        return fail(
            snapshot_id, "timed out: the extraction took longer than its time limit", started
        )
    except Exception as exc:  # never leave a row running because of an unexpected bug
        logger.exception("Schema extraction %s failed", snapshot_id)
        return fail(snapshot_id, f"unexpected error: {exc.__class__.__name__}", started)

    data = document.to_dict()
    SchemaSnapshot.objects.filter(pk=snapshot_id).update(
        status=Status.SUCCEEDED,
        phase="done",
        finished_at=timezone.now(),
        duration_ms=int((time.monotonic() - started) * 1000),
        table_count=len(document.tables),
        column_count=sum(len(t.columns) for t in document.tables),
        tables_done=len(document.tables),
        tables_total=len(document.tables),
        document=data,
        fingerprint=fingerprint(data),
        sensitive=detect(document),  # by names and samples; again with the profiles later
        # Asked for profiles: the profiling task picks this up (see request_profiling).
        profile_status="pending" if snapshot.with_profile else "",
        error="",
    )
    return SchemaSnapshot.objects.get(pk=snapshot_id)


def request_profiling(snapshot: SchemaSnapshot) -> bool:
    """Queue column profiling of a good snapshot unless it is already queued or running."""
    from .tasks import profile_snapshot_task

    queued = (
        SchemaSnapshot.objects.filter(pk=snapshot.pk, status=Status.SUCCEEDED)
        .exclude(profile_status__in=["pending", "running"])
        .update(profile_status="pending", profile_error="")
    )
    if queued or snapshot.profile_status == "pending":
        snapshot_id = snapshot.pk
        enqueue_on_commit(
            profile_snapshot_task,
            snapshot_id,
            on_failure=lambda _: SchemaSnapshot.objects.filter(
                pk=snapshot_id, profile_status="pending"
            ).update(profile_status="failed", profile_error=QUEUE_UNAVAILABLE),
        )
    return bool(queued)


def run_profiling(snapshot_id: int) -> SchemaSnapshot:
    """Profile the columns of a stored snapshot; claimed so two workers never run it twice."""
    from .profiling import profile_document

    claimed = SchemaSnapshot.objects.filter(pk=snapshot_id, profile_status="pending").update(
        profile_status="running", phase="profiling", tables_done=0
    )
    if not claimed:
        return SchemaSnapshot.objects.get(pk=snapshot_id)
    snapshot = SchemaSnapshot.objects.select_related("connection").get(pk=snapshot_id)
    try:
        profiles = profile_document(
            snapshot.connection.engine(),
            snapshot_document(snapshot_id),
            on_progress=_Progress(snapshot_id, "profiling"),
        )
    except SoftTimeLimitExceeded:
        fields = {"profile_status": "failed", "profile_error": "timed out"}
    except Exception as exc:  # per-table failures are inside `profiles`; this is the rest
        logger.exception("Profiling snapshot %s failed", snapshot_id)
        fields = {
            "profile_status": "failed",
            "profile_error": getattr(exc, "user_message", exc.__class__.__name__),
        }
    else:
        fields = {
            "profile_status": "done",
            "profiles": profiles,
            "profiled_at": timezone.now(),
            # Profiles add values (min/max, top values) the samples may not have shown.
            "sensitive": detect(snapshot_document(snapshot_id), profiles),
        }
    SchemaSnapshot.objects.filter(pk=snapshot_id).update(phase="done", **fields)
    return SchemaSnapshot.objects.get(pk=snapshot_id)


def _fail_if_server_went_away(engine, document: SchemaDocument) -> None:
    """Some tables failing to sample is normal (a broken view, a slow table); the server
    vanishing mid-way is not, and must not end as "schema ready" with empty samples."""
    if not any(t.sample_error for t in document.tables):
        return
    check = engine.test_connection()
    if not check.ok:
        raise ConnectorError(
            f"Lost the database during extraction: {check.message}", transient=True
        )


def fail(snapshot_id: int, message: str, started: float | None = None) -> SchemaSnapshot:
    SchemaSnapshot.objects.filter(pk=snapshot_id).update(
        status=Status.FAILED,
        phase="failed",
        error=message[:2000],
        finished_at=timezone.now(),
        duration_ms=int((time.monotonic() - started) * 1000) if started else None,
    )
    return SchemaSnapshot.objects.get(pk=snapshot_id)


def extract_now(connection: Connection, *, with_profile: bool = False) -> SchemaSnapshot:
    """Extraction in this process (management command, tests), still claimed like a task.

    Raises ExtractionBusy when another extraction of the connection is pending or running.
    """
    _expire_stale(connection)
    try:
        with transaction.atomic():
            snapshot = SchemaSnapshot.objects.create(
                connection=connection, with_profile=with_profile
            )
    except IntegrityError:
        raise ExtractionBusy(
            f"{connection.name}: an extraction is already pending or running."
        ) from None
    claim(snapshot.pk)
    snapshot = run_extraction(snapshot.pk)
    if snapshot.profile_status == "pending":  # in this process too, right after extraction
        snapshot = run_profiling(snapshot.pk)
    return snapshot


class ExtractionBusy(Exception):
    pass


# --- diffs -------------------------------------------------------------------------------


@dataclass
class SchemaDiff:
    tables_added: list[str] = field(default_factory=list)
    tables_removed: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    types_changed: list[tuple[str, str, str]] = field(default_factory=list)  # column, old, new

    @property
    def is_empty(self) -> bool:
        return not any(vars(self).values())

    def as_dict(self) -> dict:
        return {k: list(v) for k, v in vars(self).items()}


def diff_documents(old: SchemaDocument, new: SchemaDocument) -> SchemaDiff:
    old_tables = {t.qualified_name: t for t in old.tables}
    new_tables = {t.qualified_name: t for t in new.tables}
    diff = SchemaDiff(
        tables_added=sorted(new_tables.keys() - old_tables.keys()),
        tables_removed=sorted(old_tables.keys() - new_tables.keys()),
    )
    for name in sorted(old_tables.keys() & new_tables.keys()):
        old_cols = {c.name: c.type for c in old_tables[name].columns}
        new_cols = {c.name: c.type for c in new_tables[name].columns}
        diff.columns_added += [f"{name}.{c}" for c in sorted(new_cols.keys() - old_cols.keys())]
        diff.columns_removed += [f"{name}.{c}" for c in sorted(old_cols.keys() - new_cols.keys())]
        diff.types_changed += [
            (f"{name}.{c}", old_cols[c], new_cols[c])
            for c in sorted(old_cols.keys() & new_cols.keys())
            if old_cols[c] != new_cols[c]
        ]
    return diff


def previous_good(snapshot: SchemaSnapshot) -> SchemaSnapshot | None:
    return (
        SchemaSnapshot.objects.filter(
            connection_id=snapshot.connection_id,
            status=Status.SUCCEEDED,
            created_at__lt=snapshot.created_at,
        )
        .defer(*HEAVY_FIELDS)
        .order_by("-created_at")
        .first()
    )


def diff_with_previous(snapshot: SchemaSnapshot) -> SchemaDiff | None:
    previous = previous_good(snapshot)
    if not previous or snapshot.status != Status.SUCCEEDED:
        return None
    return diff_documents(snapshot_document(previous.pk), snapshot_document(snapshot.pk))
