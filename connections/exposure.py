"""What of a database's data may go into a prompt sent to a model (README, Data exposure).

A connection's own `data_exposure`, else DATA_EXPOSURE_DEFAULT from the environment. The
levels are ordered: each sends everything the one before it does, and more.
"""

from __future__ import annotations

from django.conf import settings

from .models import Connection

SCHEMA = Connection.Exposure.SCHEMA.value
PROFILES = Connection.Exposure.PROFILES.value
VALUES = Connection.Exposure.VALUES.value
LEVELS = (SCHEMA, PROFILES, VALUES)


def default_level() -> str:
    """DATA_EXPOSURE_DEFAULT (settings refuse to start with anything else)."""
    return getattr(settings, "DATA_EXPOSURE_DEFAULT", PROFILES) or PROFILES


def effective(connection: Connection | None) -> str:
    """The level that holds for `connection`: its own, else the server's default."""
    own = getattr(connection, "data_exposure", "") if connection is not None else ""
    return own if own in LEVELS else default_level()


def allows(level: str, wanted: str) -> bool:
    """Whether `level` sends what `wanted` sends (profiles allows profiles, not values)."""
    return LEVELS.index(level) >= LEVELS.index(wanted)
