"""Staff pages of the model's audit log: "what the model saw" behind one answer, and the
export (JSON lines or CSV). Others get 404 for an answer's page (its existence is not theirs
to learn) and 403 for the export."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from . import model_log
from .models import ChatMessage

CONTENT_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}


@login_required
def model_calls(request, message_id):
    if not request.user.is_staff:
        raise Http404("No such page.")
    try:
        message = ChatMessage.objects.select_related("session__owner").get(pk=int(message_id))
    except (ChatMessage.DoesNotExist, ValueError) as exc:
        raise Http404("No such message.") from exc
    calls = list(model_log.calls(message_id=message.pk))
    totals = {
        "prompt_tokens": sum(c.prompt_tokens for c in calls),
        "completion_tokens": sum(c.completion_tokens for c in calls),
        "cost": sum(c.cost for c in calls if c.cost is not None),
    }
    context = {"message": message, "calls": calls, "totals": totals}
    context["retention_days"] = settings.MODEL_LOG_RETENTION_DAYS or "forever: no"
    return render(request, "chat/model_calls.html", context)


def parse_since(text: str) -> datetime | None:
    """An ISO date or date-time (naive ones in the server's zone), None when blank; ValueError
    naming the expected form otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(f"since={text!r} is not a date: use YYYY-MM-DD or an ISO date-time.")
        moment = datetime.combine(day, time.min)
    return as_utc(moment)


def as_utc(moment: datetime | None) -> datetime | None:
    """`moment` in UTC (naive: the server's zone), or ValueError when it has no UTC value."""
    if moment is None:
        return None
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("since is out of range.") from None


@login_required
def model_log_export(request):
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can export the model's audit log.")
    fmt = request.GET.get("format", "jsonl").strip().lower()
    if fmt not in CONTENT_TYPES:
        return HttpResponseBadRequest(f"format={fmt!r}: use jsonl or csv.")
    try:
        since = parse_since(request.GET.get("since", ""))
        message = request.GET.get("message", "").strip()
        message_id = int(message) if message else None
    except ValueError as error:
        text = str(error) if "since=" in str(error) else "message must be a message id."
        return HttpResponseBadRequest(text)
    queryset = model_log.calls(since=since, message_id=message_id)
    response = StreamingHttpResponse(
        model_log.export_lines(queryset, fmt), content_type=CONTENT_TYPES[fmt]
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="model-log-{stamp}.{fmt}"'
    return response
