"""Write the demo shop into one database, in batches (near-constant memory at any scale)."""

from __future__ import annotations

import time
from collections.abc import Callable

from connections.dialects.writers import writer_for

from .generator import generate
from .shop import TABLE_ORDER, TABLES

DEFAULT_DATABASE = "datachat_demo"  # used when a server URL names no database
BATCH_SIZE = 5_000


def sqlite_target(path) -> dict:
    """seed()'s target for a SQLite file (what parse_connection_url gives for sqlite:///...)."""
    return {"kind": "sqlite", "host": "", "port": None, "username": "", "password": "",
            "options": {}, "database": str(path)}  # fmt: skip


def seed(
    params: dict,
    *,
    scale: int = 1,
    batch_size: int = BATCH_SIZE,
    report: Callable[[str, int, float], None] | None = None,
) -> dict[str, int]:
    """Drop and recreate the demo tables at `params`, fill them; return rows per table.

    `report(table, rows, seconds)` is called once per table when all rows are in; seconds
    are the time spent writing that table; generation and the final commit/FK step are
    only in the caller's total.
    """
    if params["kind"] != "sqlite" and not params.get("database"):
        params = {**params, "database": DEFAULT_DATABASE}
    writer = writer_for(params, TABLES)
    counts = dict.fromkeys(TABLE_ORDER, 0)
    seconds = dict.fromkeys(TABLE_ORDER, 0.0)
    buffers: dict[str, list[tuple]] = {t: [] for t in TABLE_ORDER}

    def flush() -> None:
        # Parents first, so FK-checking engines never see an orphan mid-load.
        for table in TABLE_ORDER:
            if buffers[table]:
                started = time.perf_counter()
                writer.insert(table, buffers[table])
                seconds[table] += time.perf_counter() - started
                counts[table] += len(buffers[table])
                buffers[table] = []

    try:
        writer.reset()
        for table, row in generate(scale):
            buffers[table].append(row)
            if len(buffers[table]) >= batch_size:
                flush()
        flush()
        writer.finish()
    finally:
        writer.close()
    if report:
        for table in TABLE_ORDER:
            report(table, counts[table], seconds[table])
    return counts
