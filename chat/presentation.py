"""Pure functions turning per-database results into what the page shows: a merged
comparison table when shapes match, and a chart spec when the shape suits one."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass

CHART_MAX_ROWS = 60


@dataclass
class DatabaseResult:
    database: str
    columns: list[str]
    rows: list[list]


def merge_results(results: list[DatabaseResult]) -> dict | None:
    """One table with a leading `database` column when every result has the same columns
    (names compared case-insensitively); None when there is nothing to compare."""
    answered = [r for r in results if r.columns]
    if len(answered) < 2:
        return None
    shape = [c.lower() for c in answered[0].columns]
    if any([c.lower() for c in r.columns] != shape for r in answered[1:]):
        # Scalars with different names still compare: one value per database.
        if all(len(r.columns) == 1 and len(r.rows) <= 1 for r in answered):
            return {
                "columns": ["database", "value"],
                "rows": [[r.database, r.rows[0][0] if r.rows else None] for r in answered],
            }
        return None
    return {
        "columns": ["database", *answered[0].columns],
        "rows": [[r.database, *row] for r in answered for row in r.rows],
    }


def _is_number(value) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def _is_date(value) -> bool:
    if isinstance(value, dt.date):
        return True
    if isinstance(value, str) and len(value) >= 7 and value[4] == "-" and value[:4].isdigit():
        return True  # ISO dates/months as text (SQLite, JSON round trips)
    return False


def _as_number(value):
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return float(value) if value is not None else None


def chart_spec(columns: list[str], rows: list[list]) -> dict | None:
    """A bar chart (category + numbers) or a line chart (date + numbers), else None.

    Needs at least two rows, one label column and one or more numeric columns.
    """
    if len(columns) < 2 or not (2 <= len(rows) <= CHART_MAX_ROWS):
        return None
    numeric = [
        i
        for i in range(len(columns))
        if all(
            v is None or _is_number(v) or (isinstance(v, str) and _as_number(v) is not None)
            for v in (r[i] for r in rows)
        )
        and any(v is not None for v in (r[i] for r in rows))
    ]
    labels = [i for i in range(len(columns)) if i not in numeric]
    if not numeric:
        return None
    if labels:
        label_index = labels[0]
    elif len(numeric) >= 2 and columns[numeric[0]].lower() in ("year", "month", "day"):
        label_index = numeric.pop(0)  # a numeric year/month is still a label
    else:
        return None
    if len(labels) > 1:
        return None  # two text columns: a table says it better than a chart
    label_values = [r[label_index] for r in rows]
    kind = "line" if all(_is_date(v) for v in label_values if v is not None) else "bar"
    return {
        "type": kind,
        "labels": ["" if v is None else str(v) for v in label_values],
        "datasets": [
            {"label": columns[i], "data": [_as_number(r[i]) for r in rows]} for i in numeric
        ],
    }


# Integers that are names rather than amounts read wrong with separators ("2,024", "1,234").
_PLAIN_INT_SUFFIXES = ("id", "year", "code", "zip", "phone", "number")


def display_row(columns: list[str], row: list) -> list:
    """A result row for the HTML table: numbers with thousands separators as the answer
    sentence writes them (248,958.41), except integer ids, years and codes; None stays None
    (the page shows NULL). The stored rows and the CSV keep plain numbers."""
    shown = []
    for index, value in enumerate(row):
        name = str(columns[index]).lower() if index < len(columns) else ""
        if isinstance(value, float):
            shown.append(f"{value:,}")
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and not name.endswith(_PLAIN_INT_SUFFIXES)
        ):
            shown.append(f"{value:,}")
        else:
            shown.append(value)
    return shown
