"""Where the sides of a federated plan are joined: an interface and its DuckDB implementation.

The interface is the seam for a bigger engine: a Trino cluster with a catalog per registered
database would take the whole rewritten query and do its own pushdown (README, Federation).
DuckDB runs in this process: each side's capped rows are loaded as an Arrow table and the join
runs under a memory limit, with file access, extensions and settings locked away, so the
query can read nothing but the loaded sides.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from .planner import FederationError, Plan, Side


@dataclass
class SideResult:
    """What one side's database returned, and whether a cap cut it."""

    label: str
    database: str
    kind: str
    sql: str  # the pushed-down query as sent (before the guard's LIMIT)
    columns: list[str]
    rows: list[tuple]
    filters_pushed: list[str] = field(default_factory=list)
    truncated: bool = False
    cap: str = ""  # "rows" or "memory" when a cap cut the side
    note: str = ""
    duration_ms: float = 0.0


Fetch = Callable[[Side], SideResult]


@dataclass
class FederatedResult:
    """Shaped like connections' QueryResult (columns, rows, truncated, duration), plus the
    plan that produced it and the warnings the answer must carry."""

    columns: list[str]
    column_types: list[str]
    rows: list[tuple]
    truncated: bool
    duration_ms: float
    join_sql: str
    sides: list[SideResult]
    executor: str

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def incomplete(self) -> bool:
        return any(s.truncated for s in self.sides)

    @property
    def notes(self) -> list[str]:
        return [s.note for s in self.sides if s.note]

    def plan(self) -> list[dict[str, Any]]:
        return [
            {
                "side": s.label,
                "database": s.database,
                "kind": s.kind,
                "pushed_sql": s.sql,
                "columns": s.columns,
                "filters_pushed": s.filters_pushed,
                "rows_fetched": len(s.rows),
                "truncated": s.truncated,
                "cap": s.cap,
                "duration_ms": round(s.duration_ms, 1),
            }
            for s in self.sides
        ] + [{"side": f"join ({self.executor})", "pushed_sql": self.join_sql}]

    def plan_text(self) -> str:
        lines = [
            f"{s.label} on {s.database} ({s.kind}), {len(s.rows):,} rows: {s.sql}"
            for s in self.sides
        ]
        return "\n".join([*lines, f"join in {self.executor}: {self.join_sql}"])


class FederatedExecutor(Protocol):
    """Runs a plan: gets each side's rows through `fetch` (the read-only path of its
    database) or, for an engine that reaches the databases itself, from its own catalogs."""

    name: str

    def execute(self, plan: Plan, fetch: Fetch, *, max_rows: int) -> FederatedResult: ...


class DuckDBExecutor:
    """Sides fetched in parallel, loaded into a fresh in-memory DuckDB, joined there."""

    name = "duckdb"

    def __init__(self, *, memory_limit: str, threads: int = 2):
        self.memory_limit = memory_limit
        self.threads = threads

    def execute(self, plan: Plan, fetch: Fetch, *, max_rows: int) -> FederatedResult:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=min(len(plan.sides), 4)) as pool:
            results = list(pool.map(fetch, plan.sides))
        columns, types, rows = self._join(plan, results, max_rows)
        return FederatedResult(
            columns=columns,
            column_types=types,
            rows=rows[:max_rows],
            truncated=len(rows) > max_rows,
            duration_ms=(time.monotonic() - started) * 1000,
            join_sql=plan.sql,
            sides=results,
            executor=self.name,
        )

    def _join(self, plan: Plan, results: list[SideResult], max_rows: int):
        import duckdb  # an in-process engine of this app, not a database driver of a source

        config = {
            "memory_limit": self.memory_limit,
            "threads": self.threads,
            # The query may read the loaded sides and nothing else: no files, no network,
            # no extensions, no changing these settings from SQL.
            "enable_external_access": False,
            "autoload_known_extensions": False,
            "autoinstall_known_extensions": False,
        }
        con = duckdb.connect(":memory:", config=config)
        try:
            for side, result in zip(plan.sides, results, strict=True):
                con.register(side.local_name, _arrow(side, result))
            con.execute("SET lock_configuration = true")
            cursor = con.execute(plan.sql)
            rows = cursor.fetchmany(max_rows + 1)
            description = cursor.description or []
        except duckdb.OutOfMemoryException:
            raise FederationError(
                f"The join needed more than the federation memory limit "
                f"({self.memory_limit}, FEDERATION_MEMORY_LIMIT); filter the sides further."
            ) from None
        except duckdb.Error as exc:
            message = str(exc).strip().splitlines()[0][:300]
            raise FederationError(f"The join failed in DuckDB: {message}") from None
        finally:
            con.close()
        return [d[0] for d in description], [str(d[1]) for d in description], rows


def _arrow(side: Side, result: SideResult):
    import pyarrow as pa

    names = side.columns or result.columns
    data = list(zip(*result.rows, strict=True)) if result.rows else [() for _ in names]
    arrays = []
    for values in data:
        try:
            arrays.append(pa.array(list(values)))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
            # Mixed types in one column (SQLite) or values Arrow has no type for (UUID):
            # their text keeps them joinable.
            arrays.append(pa.array([None if v is None else str(v) for v in values]))
    return pa.table(arrays, names=list(names))


def estimated_bytes(rows: list[tuple]) -> int:
    """Python's size of the rows, from a sample: the memory a side holds before loading."""
    if not rows:
        return 0
    sample = rows[:: max(1, len(rows) // 1000)]
    per_row = sum(sys.getsizeof(r) + sum(sys.getsizeof(v) for v in r) for r in sample)
    return int(per_row / len(sample) * len(rows))
