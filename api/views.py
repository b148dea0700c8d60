"""The profile page where users create and revoke their API tokens."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .models import ApiToken


@login_required
def tokens_page(request):
    secret = None
    created = None
    if request.method == "POST":
        created, secret = ApiToken.issue(request.user, request.POST.get("name", ""))
    tokens = ApiToken.objects.filter(user=request.user)
    # The secret is in this one response only (never stored, never in a redirect or session).
    response = render(
        request, "api/tokens.html", {"tokens": tokens, "secret": secret, "created": created}
    )
    if secret:
        response["Cache-Control"] = "no-store"
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


def api_not_found(request, rest=""):
    """Unknown URLs under /api/v1/ answer in JSON like the rest of the API."""
    return JsonResponse({"detail": "Not found."}, status=404)
