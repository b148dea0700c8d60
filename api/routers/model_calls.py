"""/model-calls: the model's audit log for staff (every request sent to a language model, in
full). Others get 403: the prompts hold other users' questions and the data the model saw."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import field_validator

from chat import model_log
from chat.model_log_views import as_utc
from chat.models import ModelCall

from ..schemas import INT32, responses

router = Router(tags=["model log"])


class ModelCallOut(Schema):
    id: int
    created_at: datetime
    user: str | None = Field(description="Who asked (null: no user, e.g. a DataPoints sync).")
    message_id: int | None = Field(description="The chat answer the request was for.")
    kind: str = Field(description="chat or embedding.")
    purpose: str = Field(description="generate, candidate, correct, generate-multi, ...")
    model: str
    databases: list[str]
    exposure: dict[str, str] = Field(description="The exposure level of each database.")
    prompt_tokens: int
    completion_tokens: int
    cost: float | None = Field(description="USD by litellm's price list; null when unknown.")
    duration_ms: float
    error: str
    request: list[Any] = Field(description="The messages (or texts embedded), as sent.")
    reply: str


class ModelCallFilters(Schema):
    since: datetime | None = Field(None, description="Only requests from this moment on.")
    message_id: int | None = Field(None, ge=1, le=INT32)
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)

    @field_validator("since")
    @classmethod
    def _in_utc(cls, since: datetime | None) -> datetime | None:
        # The database reads offsets of at most a day's fraction it knows (not -19:04):
        # compare in UTC, naive moments being the server's time.
        try:
            return as_utc(since)
        except ValueError as error:
            raise ValueError(str(error)) from None


def _require_staff(request) -> None:
    if not request.auth.is_staff:
        raise HttpError(403, "Only staff can read the model's audit log.")


@router.get("", response=responses({200: list[ModelCallOut]}), summary="Model requests (staff)")
def list_model_calls(request, filters: Query[ModelCallFilters]):
    """Newest first."""
    _require_staff(request)
    calls = model_log.calls(since=filters.since, message_id=filters.message_id).order_by(
        "-created_at", "-pk"
    )
    return [model_log.as_dict(c) for c in calls[filters.offset : filters.offset + filters.limit]]


@router.get(
    "/{call_id}", response=responses({200: ModelCallOut}), summary="One model request (staff)"
)
def get_model_call(request, call_id: int):
    _require_staff(request)
    call = ModelCall.objects.select_related("user").filter(pk=call_id).first()
    if call is None:
        raise Http404("No such model request.")
    return model_log.as_dict(call)
