"""Run a federated query over registered databases: aliases, snapshots, caps, the executor.

Every side goes through the same read-only path as any other query on its database: the SQL
guard with the tables of its latest snapshot, the least-privileged read-only session, the
statement timeout. On top, each side has a row cap and a memory cap; a side that hits one is
cut, and the result says so (the join then misses whatever the cut rows would have matched).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from django.conf import settings

from connections import services as registry
from connections.dialects import ConnectorError
from connections.guard import UnsafeSQLError, guard_sql
from connections.models import Connection
from schemas_app import services as schemas

from .executor import (
    DuckDBExecutor,
    FederatedExecutor,
    FederatedResult,
    SideResult,
    estimated_bytes,
)
from .planner import FEDERATED_DIALECT, Database, FederationError, Side, plan


def alias_for(connection: Connection) -> str:
    """A database's short name in federated SQL: its name as an identifier ("Shop DB" ->
    shop_db). Derived rather than stored, so it follows a rename and needs no upkeep."""
    slug = re.sub(r"[^a-z0-9]+", "_", connection.name.lower()).strip("_") or "db"
    return f"db_{slug}" if slug[0].isdigit() else slug


def databases_for(connections: Sequence[Connection]) -> dict[str, tuple[Connection, Database]]:
    """{alias: (connection, Database with its latest schema)}; FederationError when two
    share an alias or one has no schema yet."""
    found: dict[str, tuple[Connection, Database]] = {}
    for connection in connections:
        alias = alias_for(connection)
        if alias in found:
            other = found[alias][0].name
            raise FederationError(
                f"{other} and {connection.name} have the same alias {alias!r}; rename one."
            )
        snapshot = schemas.latest_snapshot(connection)
        document = schemas.snapshot_document(snapshot.pk) if snapshot else None
        if document is None:
            raise FederationError(
                f"No schema extracted yet for {connection.name}; extract it first."
            )
        found[alias] = (connection, Database(alias, connection.name, connection.kind, document))
    return found


def default_executor() -> FederatedExecutor:
    return DuckDBExecutor(memory_limit=settings.FEDERATION_MEMORY_LIMIT)


def run_federated(
    connections: Sequence[Connection],
    sql: str,
    *,
    max_rows: int | None = None,
    executor: FederatedExecutor | None = None,
    pushdown: bool = True,
) -> FederatedResult:
    """The result of `sql` over `connections`, or FederationError saying what is wrong.
    Reads the system database here, in the caller's thread; the sides run in worker threads
    that talk to the target databases only."""
    databases = databases_for(connections)
    the_plan = plan(sql, {alias: d for alias, (_, d) in databases.items()}, pushdown=pushdown)
    allowed = {
        alias: (connection, schemas.known_table_names(connection))
        for alias, (connection, _) in databases.items()
    }
    executor = executor or default_executor()
    max_rows = max_rows or settings.QUERY_MAX_ROWS
    return executor.execute(
        the_plan, lambda side: fetch_side(side, *allowed[side.database.alias]), max_rows=max_rows
    )


def _pushable_filters(side: Side, kind: str, allowed_tables) -> tuple[list, list[str]]:
    """The side's filters its database's guard accepts. One it refuses (a DuckDB-only
    function, say) is still applied in the join; only the saving is lost, and the plan says so."""
    try:
        guard_sql(side.pushed_sql(), kind, allowed_tables=allowed_tables)
        return side.filters, []
    except UnsafeSQLError:
        pass
    accepted, reasons = [], []
    for condition in side.filters:
        try:
            guard_sql(side.pushed_sql([condition]), kind, allowed_tables=allowed_tables)
            accepted.append(condition)
        except UnsafeSQLError as exc:
            reasons.append(f"{condition.sql(FEDERATED_DIALECT)}: {exc.reason}")
    return accepted, reasons


def fetch_side(side: Side, connection: Connection, allowed_tables) -> SideResult:
    """One side through its database's read-only path, cut at the row and memory caps."""
    cap_rows = settings.FEDERATION_MAX_ROWS_PER_SIDE
    cap_bytes = settings.FEDERATION_MAX_BYTES_PER_SIDE
    filters, refused = _pushable_filters(side, connection.kind, allowed_tables)
    sql = side.pushed_sql(filters)
    pushed = [f.sql(FEDERATED_DIALECT) for f in filters]
    notes = []
    if refused:
        notes.append(
            f"{side.label}: filters not pushed down (applied in the join): {'; '.join(refused)}."
        )
    try:
        guard_sql(sql, connection.kind, limit=cap_rows + 1, allowed_tables=allowed_tables)
    except UnsafeSQLError as exc:
        raise FederationError(f"Refused by the SQL guard on {side.label}: {exc.reason}") from None
    started = time.monotonic()
    try:
        # One row over the cap tells whether the side was cut.
        result = registry.run_read_only_query(
            connection, sql, max_rows=cap_rows + 1, allowed_tables=allowed_tables
        )
    except UnsafeSQLError as exc:
        raise FederationError(f"Refused by the SQL guard on {side.label}: {exc.reason}") from None
    except ConnectorError as exc:
        raise FederationError(
            f"{connection.name} returned an error for {side.label}: {exc.user_message}"
        ) from None
    rows, cap = result.rows, ""
    if len(rows) > cap_rows or result.truncated:
        rows, cap = rows[:cap_rows], "rows"
        notes.append(
            f"{side.label}: the row cap of {cap_rows:,} rows per side was hit "
            "(FEDERATION_MAX_ROWS_PER_SIDE), so the join is incomplete: it misses whatever "
            f"the rest of {side.label} would have matched."
        )
    size = estimated_bytes(rows)
    if size > cap_bytes:
        rows, cap = rows[: int(len(rows) * cap_bytes / size)], "memory"
        notes.append(
            f"{side.label}: the memory cap of {cap_bytes / 2**20:,.0f} MB per side was hit "
            f"(FEDERATION_MAX_BYTES_PER_SIDE) after {len(rows):,} rows, so the join is "
            "incomplete."
        )
    return SideResult(
        label=side.label,
        database=connection.name,
        kind=connection.kind,
        sql=sql,
        columns=result.columns,
        rows=rows,
        filters_pushed=pushed,
        truncated=bool(cap),
        cap=cap,
        note=" ".join(notes),
        duration_ms=(time.monotonic() - started) * 1000,
    )
