"""The profile page where users create and revoke their API tokens."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import ApiToken

NEW_TOKEN_KEY = "api_new_token"


@login_required
def tokens_page(request):
    if request.method == "POST":
        name = request.POST.get("name", "").replace("\x00", "")  # PostgreSQL refuses NUL
        created, secret = ApiToken.issue(request.user, name)
        # Post/redirect/get: a browser refresh must not create a second token. The secret
        # rides in the (server-side) session only until the next page shows it, once.
        request.session[NEW_TOKEN_KEY] = {"id": created.pk, "secret": secret}
        return redirect("api_tokens")
    new = request.session.pop(NEW_TOKEN_KEY, None)
    tokens = ApiToken.objects.filter(user=request.user)
    created = tokens.filter(pk=new["id"]).first() if new else None
    secret = new["secret"] if created else None
    response = render(
        request, "api/tokens.html", {"tokens": tokens, "secret": secret, "created": created}
    )
    response["Cache-Control"] = "no-store"  # the one page with a secret must not be cached
    return response


@login_required
@require_POST
def revoke_token(request, token_id):
    updated = ApiToken.objects.filter(pk=token_id, user=request.user, revoked__isnull=True).update(
        revoked=timezone.now()
    )
    if not updated and not ApiToken.objects.filter(pk=token_id, user=request.user).exists():
        raise Http404("No such token.")
    return redirect("api_tokens")


@csrf_exempt  # changes nothing; without it a POST gets Django's HTML CSRF page, not JSON
def api_not_found(request, rest=""):
    """Unknown URLs under /api/v1/ answer in JSON like the rest of the API."""
    return JsonResponse({"detail": "Not found."}, status=404)


def json_method_not_allowed(view):
    """django-ninja answers a method a path lacks with a text/html 405; every API error is
    JSON with a message, so say which methods the path accepts (the Allow header stays)."""

    @functools.wraps(view)  # also copies csrf_exempt
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        allowed = ", ".join(sorted(m.strip() for m in response.get("Allow", "").split(",") if m))
        detail = f"Method {request.method} is not allowed here"
        json_response = JsonResponse(
            {"detail": f"{detail}; use {allowed}." if allowed else f"{detail}."}, status=405
        )
        if allowed:
            json_response["Allow"] = allowed
        return json_response

    return wrapped
