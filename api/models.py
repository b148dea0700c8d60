import hashlib
import secrets

from django.conf import settings
from django.db import models

TOKEN_PREFIX = "dct_"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only the sha256 of the secret is stored; the secret is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    hashed_token = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(
        max_length=16, help_text="The first characters, to recognise a token."
    )
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked is None

    @classmethod
    def issue(cls, user, name: str) -> tuple["ApiToken", str]:
        """Create a token; returns (token, secret). The secret is never stored nor shown again."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=(name or "").strip()[:100] or "API token",
            hashed_token=hash_secret(secret),
            prefix=secret[: len(TOKEN_PREFIX) + 6],
        )
        return token, secret
