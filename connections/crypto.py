"""Fernet encryption of stored credentials, with rotation through MultiFernet.

DATABASE_CREDENTIALS_KEY holds one or more comma-separated keys; the first encrypts and
all of them decrypt. Locally (DEBUG) an empty setting means a key generated once into
CREDENTIALS_KEY_FILE, with a warning; in production the system check refuses to start.
"""

import logging
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

logger = logging.getLogger(__name__)

__all__ = ["InvalidToken", "credentials_fernet", "encrypt", "decrypt", "reset_key_cache"]


def _local_key() -> str:
    path = settings.CREDENTIALS_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
        logger.warning(
            "DATABASE_CREDENTIALS_KEY is not set: generated a local key in %s. "
            "Set DATABASE_CREDENTIALS_KEY in production.",
            path,
        )
    return path.read_text().strip()


def configured_keys() -> list[str]:
    raw = settings.DATABASE_CREDENTIALS_KEY or (_local_key() if settings.DEBUG else "")
    return [key.strip() for key in raw.split(",") if key.strip()]


@cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("DATABASE_CREDENTIALS_KEY is not set.")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def credentials_fernet() -> MultiFernet:
    # Keyed on the key list so tests (and override_settings) that change keys take effect.
    return _fernet_for(tuple(configured_keys()))


def reset_key_cache() -> None:
    _fernet_for.cache_clear()


def encrypt(plaintext: str) -> str:
    return credentials_fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Raises InvalidToken when no configured key can read the token."""
    return credentials_fernet().decrypt(token.encode()).decode()
