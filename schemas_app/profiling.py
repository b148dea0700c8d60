"""Column profiles of a schema snapshot: how much to profile (budgets, limits from settings).

The aggregate queries live with the engines (connections/dialects/profiling.py): each engine
profiles one table through its read-only execute(), sampling big tables its own way. Here the
whole run stops at a time budget, and limits on tables and columns keep it bounded on huge
schemas. Everything is configurable in settings (PROFILE_*).
"""

from __future__ import annotations

import time

from django.conf import settings

from connections.dialects import ConnectorError, Dialect
from connections.dialects.profiling import ProfileLimits, profilable, type_words
from connections.dialects.schema import SchemaDocument, Table

__all__ = ["limits", "profilable", "profile_document", "profile_table", "type_words"]


def limits() -> ProfileLimits:
    return ProfileLimits(
        max_columns=settings.PROFILE_MAX_COLUMNS,
        sample_rows=settings.PROFILE_SAMPLE_ROWS,
        low_cardinality=settings.PROFILE_LOW_CARDINALITY,
        top_values=settings.PROFILE_TOP_VALUES,
    )


def profile_table(engine: Dialect, table: Table, *, timeout: float) -> dict:
    """{column: profile} of one table, within `timeout` seconds and the configured limits."""
    return engine.profile(table, timeout=timeout, limits=limits())


def profile_document(engine: Dialect, document: SchemaDocument, *, on_progress=None) -> dict:
    """{qualified table name: {column: profile}}; failures are recorded per table, not raised."""
    deadline = time.monotonic() + settings.PROFILE_BUDGET_SECONDS
    tables = [t for t in document.tables if t.kind == "table"][: settings.PROFILE_MAX_TABLES]
    profiles: dict[str, dict] = {}
    for done, table in enumerate(tables, start=1):
        remaining = deadline - time.monotonic()
        if remaining <= 0.1:
            profiles[table.qualified_name] = {"_error": "skipped: profiling time budget used up"}
            continue
        try:
            profiles[table.qualified_name] = engine.profile(
                table, timeout=max(0.5, min(remaining, 30.0)), limits=limits()
            )
        except ConnectorError as exc:
            profiles[table.qualified_name] = {"_error": exc.user_message[:300]}
        if on_progress:
            on_progress(done, len(tables))
    return profiles
