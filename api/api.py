"""The NinjaAPI instance: auth, consistent JSON errors ({"detail": "..."}), routers."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DatabaseError
from django.http import Http404
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .auth import AUTH

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="DataChat API",
    version="1",
    description=(
        "Everything the pages do, over HTTP. Authenticate with `Authorization: Bearer <token>` "
        "(create tokens at /profile/tokens/) or the browser session (with the CSRF token on "
        'unsafe methods). Every error is JSON: `{"detail": "..."}`.'
    ),
    auth=AUTH,
    urls_namespace="api",
    # Swagger UI comes from ninja's own static files ("ninja" is in INSTALLED_APPS): no CDN.
    docs=Swagger(settings={"persistAuthorization": True}),
)


def _error(request, status: int, detail: str, errors: list | None = None):
    body = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(Http404)
def not_found(request, exc):
    message = str(exc)
    # A bare Http404 (e.g. an unknown URL under /api/v1/) has no message of its own.
    return _error(
        request, 404, message if message and "Resolver404" not in message else "Not found."
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return _error(
        request,
        401,
        "Authentication required: send `Authorization: Bearer <token>` with a "
        "valid, unrevoked token, or sign in.",
    )


@api.exception_handler(HttpError)
def http_error(request, exc):
    return _error(request, exc.status_code, exc.message)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return _error(request, 403, str(exc) or "You do not have permission to do this.")


def _field(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path")]
    return ".".join(parts) or "request"


@api.exception_handler(ValidationError)
def invalid(request, exc):
    errors = [
        {"field": _field(e.get("loc", ())), "message": e.get("msg", "invalid")} for e in exc.errors
    ]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return _error(request, 422, f"Invalid request: {summary}", errors)


@api.exception_handler(DatabaseError)
def registry_unavailable(request, exc):
    logger.exception("System database error in the API")
    return _error(request, 503, "The database registry cannot be read right now; try again later.")


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _error(
        request,
        413,
        f"Request body too large: at most {limit:,} bytes are accepted "
        "(DATA_UPLOAD_MAX_MEMORY_SIZE).",
    )


@api.exception_handler(Exception)
def server_error(request, exc):
    logger.exception("Unexpected API error")
    return _error(request, 500, "Internal error; it was logged.")


from .routers import (  # noqa: E402
    chat,
    comparisons,
    databases,
    datapoints,
    federation,
    groups,
    messages,
    model_calls,
    reports,
    sensitive,
    tasks,
    tools,
)

api.add_router("/databases", databases.router)
api.add_router("/databases", sensitive.router)
api.add_router("/", chat.router)
api.add_router("/tools", tools.router)
api.add_router("/federation", federation.router)
api.add_router("/tasks", tasks.router)
api.add_router("/datapoints", datapoints.router)
api.add_router("/messages", messages.router)
api.add_router("/model-calls", model_calls.router)
api.add_router("/comparisons", comparisons.router)
api.add_router("/groups", groups.router)
api.add_router("/reports", reports.router)
