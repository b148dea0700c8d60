"""The Redis cache, degrading instead of failing: the cache only saves work (answers, rows,
parsed schemas), so Redis being down or slow must read as a miss, not a 500.

Connect and read timeouts come from OPTIONS (settings.CACHES); errors are logged at most
once per LOG_EVERY_SECONDS per process so an outage does not flood the log."""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LOG_EVERY_SECONDS = 30.0
_last_logged = 0.0


def _degraded(operation: str, error: Exception) -> None:
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= LOG_EVERY_SECONDS:
        _last_logged = now
        logger.warning("Cache unavailable (%s: %s); carrying on without it", operation, error)


class ResilientRedisCache(RedisCache):
    """Every operation falls back to what it means with no cache: a miss, nothing stored."""

    def _try(self, operation: str, fallback, *args):
        try:
            return getattr(super(), operation)(*args)
        except (RedisError, OSError) as error:
            _degraded(operation, error)
            return fallback

    def get(self, key, default=None, version=None):
        return self._try("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._try("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._try("has_key", False, key, version)

    def set(self, key, value, timeout=None, version=None):
        self._try("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=None, version=None):
        return self._try("set_many", list(data), data, timeout, version)  # keys not stored

    def add(self, key, value, timeout=None, version=None):
        return self._try("add", False, key, value, timeout, version)

    def touch(self, key, timeout=None, version=None):
        return self._try("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._try("delete", False, key, version)

    def delete_many(self, keys, version=None):
        self._try("delete_many", None, keys, version)

    def clear(self):
        return self._try("clear", False)

    def incr(self, key, delta=1, version=None):
        # No value to fall back to: say the key is missing, as Django does for an absent one.
        try:
            return super().incr(key, delta, version)
        except (RedisError, OSError) as error:
            _degraded("incr", error)
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).") from None
