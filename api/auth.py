"""API authentication: `Authorization: Bearer <token>` or the browser session (with CSRF)."""

from __future__ import annotations

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from .models import ApiToken, hash_secret


class BearerToken(HttpBearer):
    """A personal token, looked up by the sha256 of the secret; revoked tokens never match."""

    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        found = (
            ApiToken.objects.select_related("user")
            .filter(hashed_token=hash_secret(token), revoked__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used=timezone.now())
        request.user = found.user
        request.api_token = found
        return found.user


class BrowserSession(SessionAuth):
    """The signed-in browser session; ninja checks the CSRF token on unsafe methods."""

    def _get_key(self, request):
        # Anonymous callers get 401, not a CSRF 403: CSRF only matters for a signed-in browser.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


AUTH = [BearerToken(), BrowserSession()]
