"""The model's audit log: every request sent to a language model, stored, shown to staff and
exported (README, Data exposure).

The gateway (chat.answering.gateway) hands each call to `store`, or to an answer's `sink`
list that `collecting` writes once the answer is done: answers run their databases in worker
threads that keep off the system database, so the owning thread writes for them.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .answering import gateway
from .models import ModelCall

logger = logging.getLogger(__name__)

REDACTED = "[redacted]"
PURGE_EVERY_SECONDS = 3600
EXPORT_FIELDS = (
    "id",
    "created_at",
    "user",
    "message_id",
    "kind",
    "purpose",
    "model",
    "databases",
    "exposure",
    "prompt_tokens",
    "completion_tokens",
    "cost",
    "duration_ms",
    "error",
    "request",
    "reply",
)


def _secrets() -> list[str]:
    # Embeddings use the same LLM_API_KEY: there is no other key to hide.
    key = getattr(settings, "LLM_API_KEY", "")
    return [key] if key and len(key) >= 4 else []


def _redact(value):
    """The API key never reaches the log, even if a prompt or an error were to carry it."""
    secrets = _secrets()
    if not secrets:
        return value
    text = json.dumps(value, ensure_ascii=False)
    for secret in secrets:
        text = text.replace(json.dumps(secret)[1:-1], REDACTED)
    return json.loads(text)


def _row(entry: dict) -> ModelCall:
    user, message = entry.get("user"), entry.get("message")
    databases = entry.get("databases") or {}
    return ModelCall(
        user_id=getattr(user, "pk", user),
        message_id=getattr(message, "pk", message),
        kind=entry.get("kind") or ModelCall.Kind.CHAT,
        purpose=(entry.get("purpose") or "")[:40],
        databases=list(databases),
        exposure=dict(databases),
        model=(entry.get("model") or "")[:200],
        request=_redact(entry.get("request") or []),
        reply=_redact(entry.get("reply") or ""),
        prompt_tokens=int(entry.get("prompt_tokens") or 0),
        completion_tokens=int(entry.get("completion_tokens") or 0),
        cost=entry.get("cost"),
        duration_ms=float(entry.get("duration_ms") or 0),
        error=_redact(entry.get("error") or ""),
    )


def store(entries: Iterable[dict]) -> int:
    rows = [_row(e) for e in entries]
    if rows:
        ModelCall.objects.bulk_create(rows)
        _purge_now_and_then()
    return len(rows)


_last_purge = 0.0


def _purge_now_and_then() -> None:
    """Without a broker no beat runs the purge: writing does, at most once an hour."""
    global _last_purge
    if time.monotonic() - _last_purge < PURGE_EVERY_SECONDS:
        return
    _last_purge = time.monotonic()
    purge()


class _Sink(list):
    closed = False


@contextlib.contextmanager
def collecting(**fields) -> Iterator[list]:
    """Model calls made in this block (and in threads handed `gateway.current_about()`) are
    stored when it ends, with `fields` (user, message, databases); failed answers too."""
    sink = _Sink()
    try:
        with gateway.about(**fields, sink=sink):
            yield sink
    finally:
        sink.closed = True  # a straggling thread's later call is stored on its own
        try:
            store(list(sink))
        except Exception:  # the log must never fail an answer; the line says it is missing
            logger.exception("Could not store %d model calls in the audit log", len(sink))


def purge(now: datetime | None = None) -> int:
    """Delete calls older than MODEL_LOG_RETENTION_DAYS (0: keep them all)."""
    days = int(getattr(settings, "MODEL_LOG_RETENTION_DAYS", 0) or 0)
    if days <= 0:
        return 0
    before = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = ModelCall.objects.filter(created_at__lt=before).delete()
    return deleted


def as_dict(call: ModelCall) -> dict:
    return {
        "id": call.pk,
        "created_at": call.created_at.isoformat(),
        "user": call.user.get_username() if call.user_id else None,
        "message_id": call.message_id,
        "kind": call.kind,
        "purpose": call.purpose,
        "model": call.model,
        "databases": call.databases,
        "exposure": call.exposure,
        "prompt_tokens": call.prompt_tokens,
        "completion_tokens": call.completion_tokens,
        "cost": call.cost,
        "duration_ms": call.duration_ms,
        "error": call.error,
        "request": call.request,
        "reply": call.reply,
    }


def calls(since: datetime | None = None, message_id: int | None = None):
    qs = ModelCall.objects.select_related("user").order_by("created_at", "pk")
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if message_id is not None:
        qs = qs.filter(message_id=message_id)
    return qs


def export_lines(queryset, fmt: str) -> Iterator[str]:
    """The calls as JSON lines or CSV (request and the JSON fields as JSON text)."""
    if fmt == "jsonl":
        for call in queryset.iterator():
            yield json.dumps(as_dict(call), ensure_ascii=False, default=str) + "\n"
        return
    if fmt != "csv":
        raise ValueError(f"Unknown format {fmt!r}: use jsonl or csv.")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_FIELDS)
    for call in queryset.iterator():
        row = as_dict(call)
        writer.writerow(
            [
                json.dumps(row[f], ensure_ascii=False)
                if isinstance(row[f], list | dict)
                else row[f]
                for f in EXPORT_FIELDS
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
