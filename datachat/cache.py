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
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except (RedisError, OSError) as error:
            _degraded("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except (RedisError, OSError) as error:
            _degraded("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except (RedisError, OSError) as error:
            _degraded("has_key", error)
            return False

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except (RedisError, OSError) as error:
            _degraded("set", error)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except (RedisError, OSError) as error:
            _degraded("set_many", error)
            return list(data)

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except (RedisError, OSError) as error:
            _degraded("add", error)
            return False

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except (RedisError, OSError) as error:
            _degraded("touch", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except (RedisError, OSError) as error:
            _degraded("delete", error)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except (RedisError, OSError) as error:
            _degraded("delete_many", error)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except (RedisError, OSError) as error:
            _degraded("incr", error)
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).") from None

    def clear(self):
        try:
            return super().clear()
        except (RedisError, OSError) as error:
            _degraded("clear", error)
            return False
