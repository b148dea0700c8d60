"""Production misconfiguration fails loudly at start-up instead of falling back silently."""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def check_production_secrets(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    errors = []
    if not settings.SECRET_KEY or settings.SECRET_KEY == settings.INSECURE_DEFAULT_SECRET_KEY:
        errors.append(
            Error(
                "SECRET_KEY is missing or is the local default while DEBUG is off.",
                hint="Set SECRET_KEY in the environment to a long random value.",
                id="datachat.E001",
            )
        )
    keys = [k.strip() for k in settings.DATABASE_CREDENTIALS_KEY.split(",") if k.strip()]
    if not keys:
        errors.append(
            Error(
                "DATABASE_CREDENTIALS_KEY is not set while DEBUG is off.",
                hint="Generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'",
                id="datachat.E002",
            )
        )
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            errors.append(
                Error(
                    f"DATABASE_CREDENTIALS_KEY entry {position} is not a valid Fernet key.",
                    id="datachat.E003",
                )
            )
    return errors
