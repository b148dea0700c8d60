"""Sensitive columns: which columns hold personal data or secrets, and their values masked.

The stable API (prompt builders, the schema browser and the API call these):

- ``sensitive_columns(connection) -> set[tuple[str, str]]``: (table, column) pairs that are
  sensitive now: detected in the latest good snapshot, plus staff overrides (a staff "not
  sensitive" removes a detected pair, a staff "sensitive" adds one). `table` is the snapshot's
  ``Table.qualified_name`` ("public.customer" on PostgreSQL, "Customer" where the engine has
  no schema level), `column` the column's exact name. Empty before the first extraction.
- ``column_states(connection) -> dict[(table, column), ColumnState]``: the same with why
  (``reason`` such as "name: e-mail" or "values: e-mail addresses in 2/2 samples") and who
  decided (``source`` "detected" or "staff"); non-sensitive staff overrides are included.
- ``mask_value(value) -> str | None``: None stays None; "john@example.com" -> "j***@example.com";
  a card number keeps its last 4 digits ("***1111"), an IBAN its country and last 4
  ("DE***3000"), a phone number its first character and last 2 digits ("+***43"); other text
  its first character ("J***"); numbers, booleans, and text of digits (dates, amounts) or of 2
  characters or fewer become "***".
- ``mask_rows(table, columns, rows, sensitive) -> list[list]``: rows (lists or tuples aligned
  with `columns`, names or Column objects) with the values of sensitive columns masked.
  `table` is a qualified name or a Table; `sensitive` is what sensitive_columns returned.
- ``mask_profile(profile) -> dict`` masks one column profile's values (min, max, top values;
  counts and fractions stay); ``mask_table_profiles(table, profiles, sensitive)`` does a
  {column: profile} dict and ``mask_profiles(profiles, sensitive)`` a whole snapshot's.
- ``mask_document(document, sensitive) -> SchemaDocument``: a copy with sample rows masked.

Query results are never masked: what a user may read is decided by the database's grants.
Detection itself is in schemas_app.detection; it runs at extraction and after profiling.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from connections.dialects.schema import SchemaDocument, Table
from connections.models import Connection

from . import detection
from .models import SchemaSnapshot, SensitiveColumn

MASK = "***"
_NUMERIC_TEXT = re.compile(r"^[\d\s.,:/+TZ-]+$")


def mask_value(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return MASK  # a number, date or flag of a sensitive column: no hint of its size
    text = value.strip()
    if detection.is_email(text):
        local, domain = text.rsplit("@", 1)
        return f"{local[0]}{MASK}@{domain}"
    if detection.is_card(text):
        return MASK + re.sub(r"\D", "", text)[-4:]
    if detection.is_iban(text):
        compact = text.replace(" ", "")
        return f"{compact[:2]}{MASK}{compact[-4:]}"
    if detection.is_phone(text):
        return f"{text[0]}{MASK}{re.sub(r'[^0-9]', '', text)[-2:]}"
    if len(text) <= 2 or _NUMERIC_TEXT.match(text):
        return MASK  # a date, an amount as text ("52000.00"): even a first digit says much
    return text[0] + MASK


def _name(table: Table | str) -> str:
    return table.qualified_name if isinstance(table, Table) else table


def mask_rows(table, columns, rows, sensitive: set[tuple[str, str]]) -> list[list]:
    name = _name(table)
    names = [getattr(c, "name", c) for c in columns]
    hidden = [i for i, column in enumerate(names) if (name, column) in sensitive]
    if not hidden:
        return [list(row) for row in rows]
    masked = []
    for row in rows:
        row = list(row)
        for i in hidden:
            if i < len(row):
                row[i] = mask_value(row[i])
        masked.append(row)
    return masked


def mask_profile(profile: dict | None) -> dict | None:
    if not profile:
        return profile
    masked = dict(profile)
    for key in ("min", "max"):
        if key in masked:
            masked[key] = mask_value(masked[key])
    if masked.get("top_values"):
        masked["top_values"] = [[mask_value(v), count] for v, count in masked["top_values"]]
    return masked


def mask_table_profiles(table, profiles: dict, sensitive: set[tuple[str, str]]) -> dict:
    name = _name(table)
    return {
        column: mask_profile(p) if (name, column) in sensitive and isinstance(p, dict) else p
        for column, p in profiles.items()
    }


def mask_profiles(profiles: dict | None, sensitive: set[tuple[str, str]]) -> dict | None:
    if not profiles:
        return profiles
    return {
        table: mask_table_profiles(table, columns, sensitive)
        if isinstance(columns, dict)
        else columns
        for table, columns in profiles.items()
    }


def mask_document(document: SchemaDocument, sensitive: set[tuple[str, str]]) -> SchemaDocument:
    """A copy (the parsed document is cached and shared) with sample rows masked."""
    masked = copy.copy(document)
    masked.tables = []
    tables = {t for t, _ in sensitive}
    for table in document.tables:
        if table.qualified_name in tables:
            table = copy.copy(table)
            table.sample_rows = mask_rows(table, table.columns, table.sample_rows, sensitive)
        masked.tables.append(table)
    return masked


# --- which columns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnState:
    sensitive: bool
    reason: str  # "name: e-mail", "values: ...", or the staff note
    source: str  # "detected" | "staff"
    detected_reason: str = ""  # what detection said, kept when staff overrode it


@lru_cache(maxsize=32)
def _detected_later(snapshot_id: int, profiled_at) -> dict:
    """Detection for a snapshot stored before detection existed (sensitive is NULL)."""
    from .services import snapshot_document, snapshot_profiles

    document = snapshot_document(snapshot_id)
    return detection.detect(document, snapshot_profiles(snapshot_id)) if document else {}


def detected(snapshot: SchemaSnapshot | None) -> dict[str, dict[str, str]]:
    """{table: {column: reason}} found in one snapshot."""
    if snapshot is None:
        return {}
    if snapshot.sensitive is not None:
        return snapshot.sensitive
    return _detected_later(snapshot.pk, snapshot.profiled_at)


def column_states(connection: Connection) -> dict[tuple[str, str], ColumnState]:
    from .services import latest_snapshot

    states = {
        (table, column): ColumnState(True, reason, "detected", reason)
        for table, columns in detected(latest_snapshot(connection)).items()
        for column, reason in columns.items()
    }
    for override in SensitiveColumn.objects.filter(connection=connection):
        key = (override.table, override.column)
        found = states.get(key)
        states[key] = ColumnState(
            override.sensitive,
            override.note or ("marked by staff" if override.sensitive else "unmarked by staff"),
            "staff",
            found.detected_reason if found else "",
        )
    return states


def sensitive_columns(connection: Connection) -> set[tuple[str, str]]:
    return {key for key, state in column_states(connection).items() if state.sensitive}


def clear_cache() -> None:
    _detected_later.cache_clear()


# --- staff decisions -------------------------------------------------------------------------


class SensitiveColumnError(ValueError):
    """A staff change that names no column of the latest schema; nothing was changed."""


def set_override(
    connection: Connection, table: str, column: str, sensitive: bool | None, *, user, note=""
) -> ColumnState | None:
    """Mark (True) or unmark (False) one column, or drop the staff decision (None) so that
    detection decides again. The column must be in the latest good snapshot. Returns the
    column's state afterwards (None: not sensitive and never decided)."""
    from .services import latest_snapshot, snapshot_document

    snapshot = latest_snapshot(connection)
    document = snapshot_document(snapshot.pk) if snapshot else None
    if document is None:
        raise SensitiveColumnError("This database has no extracted schema yet; extract it first.")
    found = document.table(table)
    if found is None:
        raise SensitiveColumnError(f"No table {table!r} in the latest schema of {connection.name}.")
    if found.column(column) is None:
        raise SensitiveColumnError(f"No column {column!r} in {table}.")
    if len(note) > 300:
        raise SensitiveColumnError("The note is longer than 300 characters.")
    if sensitive is None:
        SensitiveColumn.objects.filter(connection=connection, table=table, column=column).delete()
    else:
        SensitiveColumn.objects.update_or_create(
            connection=connection,
            table=table,
            column=column,
            defaults={"sensitive": sensitive, "note": note, "set_by": user},
        )
    return column_states(connection).get((table, column))


def masked_for(user, connection: Connection, snapshot=None) -> set[tuple[str, str]]:
    """The columns to mask for this user: all sensitive ones, none for staff (who see values
    with a "sensitive" badge, as they can mark and unmark columns). With an older `snapshot`
    (a download of it), what was detected in that one is masked too, unless staff unmarked it:
    a column dropped since is not in the latest detection."""
    if user.is_staff:
        return set()
    states = column_states(connection)
    hidden = {key for key, state in states.items() if state.sensitive}
    if snapshot is not None:
        hidden |= {
            (table, column)
            for table, columns in detected(snapshot).items()
            for column in columns
            if (table, column) not in states or states[(table, column)].sensitive
        }
    return hidden
