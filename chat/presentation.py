"""Pure functions turning per-database results into what the page shows: a merged
comparison table when shapes match, and a chart spec when the shape suits one."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from dataclasses import dataclass

from .answering.labels import distinct, labels_for

CHART_MAX_ROWS = 60


@dataclass
class DatabaseResult:
    database: str
    columns: list[str]
    rows: list[list]
    column_labels: list[str] | None = None  # human headers; None: from the names


def merge_results(results: list[DatabaseResult]) -> dict | None:
    """One table with a leading `database` column when every result has the same shape: as
    many columns, and at each position values of a compatible kind (numbers with numbers,
    text with text), whatever the databases named them (`revenue` on one, `sum_value` on
    another). None when there is nothing to compare or the shapes differ.

    The columns are the first result's names and `column_labels` its human labels. Where a
    database labelled its columns otherwise, `renamed` says how ({database: its labels}), so
    the page can tell that the columns were matched by position. Scalars whose labels differ
    compare under "Value": one number per database, whatever each called it."""
    answered = [r for r in results if r.columns]
    if len(answered) < 2 or len({len(r.columns) for r in answered}) != 1:
        return None
    labels = [labels_for(r.columns, r.column_labels) for r in answered]
    readable = [[label.lower() for label in each] for each in labels]
    names = [[c.lower() for c in r.columns] for r in answered]
    same = all(n == names[0] for n in names) or all(r == readable[0] for r in readable)
    if not same and not _compatible(answered):
        return None
    first = labels[0]
    if not same and all(len(r.columns) == 1 and len(r.rows) <= 1 for r in answered):
        return {
            "columns": ["database", "value"],
            "column_labels": ["Database", "Value"],
            "rows": [[r.database, r.rows[0][0] if r.rows else None] for r in answered],
        }
    merged = {
        "columns": ["database", *answered[0].columns],
        "column_labels": distinct(["Database", *first]),
        "rows": [[r.database, *row] for r in answered for row in r.rows],
    }
    renamed = {r.database: labels[i] for i, r in enumerate(answered) if readable[i] != readable[0]}
    if renamed:
        merged["renamed"] = renamed
    return merged


# What a value can stand for when shapes are compared: a number written as text (a big
# Decimal stored as a string) fits a number column as well as a text one.
_ANY = frozenset({"number", "text", "bool"})


def _kinds(value) -> frozenset:
    if value is None:
        return _ANY
    if isinstance(value, bool):
        return frozenset({"bool"})
    if _is_number(value):
        return frozenset({"number"})
    if isinstance(value, str) and _as_number(value) is not None:
        return frozenset({"number", "text"})
    return frozenset({"text"})


def _column_kinds(rows: list[list], index: int) -> frozenset:
    kinds = _ANY
    for row in rows:
        if index < len(row):
            kinds = kinds & _kinds(row[index])
    return kinds or frozenset({"text"})  # mixed values (SQLite's loose types) read as text


def _compatible(results: list[DatabaseResult]) -> bool:
    """Every position holds values of one kind across all the results (an empty result or an
    all-NULL column fits anything)."""
    for index in range(len(results[0].columns)):
        common = _ANY
        for result in results:
            common = common & _column_kinds(result.rows, index)
        if not common:
            return False
    return True


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


def chart_spec(
    columns: list[str], rows: list[list], column_labels: list[str] | None = None
) -> dict | None:
    """A bar chart (category + numbers) or a line chart (date + numbers), else None.

    Needs at least two rows, one label column and one or more numeric columns. Series and
    axes are named by the columns' human labels (`column_labels`, else from the names).
    """
    headers = labels_for(columns, column_labels)
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
            {"label": headers[i], "data": [_as_number(r[i]) for r in rows]} for i in numeric
        ],
        "x_title": headers[label_index],
        "y_title": headers[numeric[0]] if len(numeric) == 1 else "",
    }


# Integers that are names rather than amounts read wrong with separators ("2,024", "1,234").
_PLAIN_INT_SUFFIXES = ("id", "year", "code", "zip", "phone", "number")


def display_rows(columns: list[str], rows: list[list]) -> list[list]:
    """Result rows for the HTML table, numbers formatted a column at a time so that every
    engine's answer to a question reads alike.

    A column of whole numbers shows them with thousands separators (15,370), except integer
    ids, years and codes. A column holding any fraction shows every number in it with at
    least two decimals, as money and the answer sentence read (15,370.00 beside 2,710.24):
    SQLite returns the int 15370 where PostgreSQL returns the Decimal 15370.00, and stored
    rows keep only the number, not the Decimal's scale, so the column decides. Values with
    more decimals keep them all (0.333333333333). None stays None (the page shows NULL).
    The stored rows and the CSV keep plain numbers."""
    fractional = {
        index
        for row in rows
        for index, value in enumerate(row)
        if isinstance(value, float | decimal.Decimal)
    }
    names = [str(c).lower() for c in columns]
    shown = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            name = names[index] if index < len(names) else ""
            if not _is_number(value) or (
                isinstance(value, int) and name.endswith(_PLAIN_INT_SUFFIXES)
            ):
                cells.append(value)
            elif index in fractional:
                cells.append(_with_decimals(value))
            else:
                cells.append(f"{value:,}")
        shown.append(cells)
    return shown


def numeric_columns(rows: list[list]) -> set[int]:
    """The indexes of the columns holding only numbers (and NULLs, at least one number):
    the page aligns them right."""
    seen: dict[int, bool] = {}
    for row in rows or []:
        for index, value in enumerate(row):
            if value is None:
                continue
            seen[index] = seen.get(index, True) and _is_number(value)
    return {index for index, numeric in seen.items() if numeric}


def _with_decimals(value) -> str:
    if isinstance(value, int):
        return f"{value:,}.00"  # exact, however large
    if not math.isfinite(value) or abs(value) >= 1e16:
        return f"{value:,}"  # 1e+300, inf: no expansion into hundreds of digits
    exponent = decimal.Decimal(str(value)).as_tuple().exponent  # a float or a Decimal
    return f"{value:,.{max(2, -exponent)}f}"


def display_row(columns: list[str], row: list) -> list:
    """One row on its own (see display_rows)."""
    return display_rows(columns, [row])[0]


def csv_value(value):
    """A number as the CSV writes it: a whole float as the int it is ("15370", as SQLite's
    int reads, not "15370.0"); everything else as it is. The CSV is for programs, so it
    keeps plain numbers without separators or padding."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def single_value(
    columns: list[str], rows: list[list], column_labels: list[str] | None = None
) -> dict | None:
    """{"label", "value"} when the result is one value (one column, one row), formatted as the
    table shows it; None otherwise. The page shows it large above the table."""
    if len(columns or []) != 1 or len(rows or []) != 1 or len(rows[0]) != 1:
        return None
    value = display_rows(columns, rows)[0][0]
    return {
        "label": labels_for(columns, column_labels)[0],
        "value": "NULL" if value is None else str(value),
    }


def lead_sentence(
    columns: list[str],
    rows: list[list],
    column_labels: list[str] | None = None,
    *,
    complete: bool = False,
) -> str:
    """The result in words for a group+measure shape: two columns, a text label then a
    number, at least two rows, the top two distinct. Ordered from the largest number down:
    "USA leads with 523.06 in total sales, ahead of Canada (303.96)." In another order, when
    `rows` are the whole result (`complete`, so the largest is known, not guessed):
    "Rock has the highest number of tracks (1,297), ahead of Latin (579)."
    "" for every other shape."""
    if len(columns or []) != 2 or len(rows or []) < 2:
        return ""
    if any(len(row) != 2 for row in rows):
        return ""
    names = [row[0] for row in rows]
    measures = [row[1] for row in rows]
    if any(not isinstance(name, str) or not name.strip() for name in names):
        return ""
    if any(not _is_number(value) for value in measures):
        return ""
    ranked = all(a >= b for a, b in zip(measures, measures[1:], strict=False))
    if not ranked and not complete:
        return ""  # part of an unordered result: its largest may be on a later page
    order = sorted(range(len(rows)), key=lambda i: -measures[i])  # stable: ties keep order
    top, second = order[0], order[1]
    if measures[top] == measures[second]:
        return ""  # a tie at the top
    shown = display_rows(columns, rows)  # the column decides the format, as in the table
    label = labels_for(columns, column_labels)[1]
    measure_label = label[:1].lower() + label[1:]
    # The group's own label stays out: "Name Rock leads" reads worse than "Rock leads".
    if ranked:
        return (
            f"{names[top]} leads with {shown[top][1]} in {measure_label}, "
            f"ahead of {names[second]} ({shown[second][1]})."
        )
    return (
        f"{names[top]} has the highest {measure_label} ({shown[top][1]}), "
        f"ahead of {names[second]} ({shown[second][1]})."
    )
