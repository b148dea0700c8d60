"""Shared plumbing of the engines whose driver has no pool of its own (MySQL, ClickHouse):
SQLAlchemy's QueuePool holds their connections, one pool per engine instance."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.pool import QueuePool

from .base import ConnectorError, Dialect, connect_timeout


class QueuePooledDialect(Dialect):
    def __init__(self, params, *, pool_max_size: int = 20):
        super().__init__(params, pool_max_size=pool_max_size)
        self._pool: QueuePool | None = None
        self._lock = threading.Lock()

    @property
    def _where(self) -> str:
        return f"{self.params.host}:{self.params.port or self.default_port}"

    def _new_connection(self) -> Any:
        """Open one driver connection (the pool's creator)."""
        raise NotImplementedError

    def _pool_options(self) -> dict:
        """Extra QueuePool arguments (ping dialect, reset behaviour)."""
        return {}

    def _get_pool(self) -> QueuePool:
        with self._lock:
            if self._pool is None:
                self._pool = QueuePool(
                    self._new_connection,
                    pool_size=self.pool_max_size,
                    max_overflow=0,
                    timeout=connect_timeout(),
                    **self._pool_options(),
                )
            return self._pool

    def _checkout(self):
        """A pooled connection ("fairy"); the caller closes it or, if it is unusable, invalidates it."""
        try:
            return self._get_pool().connect()
        except PoolTimeoutError:
            raise ConnectorError(
                f"All {self.pool_max_size} connections are busy; try again shortly.", transient=True
            ) from None

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.dispose()
