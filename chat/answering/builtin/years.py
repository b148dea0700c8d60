"""Columns that hold calendar years: "wines produced in 2008" compares a year with Year,
"churches opened before 1850" with Open_Date (an INTEGER of years), "branches opened in
2011" with Open_year (years kept as text).

A column is a year column when its name says a time (year, yr, date) or an event
(founded, established: a past participle) and every value the profile saw is a whole year,
so Rank_of_the_Year (ranks 1..13) and a price of 1999 are not. Without a profile, the name
alone must say "year" and the column hold numbers.
"""

from __future__ import annotations

from connections.dialects.schema import Column, SchemaDocument

from .linking import is_numeric
from .words import split_identifier

TIME_WORDS = {"year", "yr", "date"}
FIRST, LAST = 1000, 2100


def year_columns(document: SchemaDocument, profiles: dict) -> frozenset[tuple[str, str]]:
    found = set()
    for table in document.tables:
        profile = profiles.get(table.qualified_name) or {}
        for column in table.columns:
            if _is_year_column(column, profile.get(column.name)):
                found.add((table.qualified_name, column.name))
    return frozenset(found)


def _is_year_column(column: Column, profile: dict | None) -> bool:
    words = split_identifier(column.name)
    if words and words[-1] == "id":
        return False
    timely = bool(set(words) & TIME_WORDS) or any(w.endswith("ed") for w in words)
    if not timely:
        return False
    if not profile:
        return "year" in words and is_numeric(column)
    if "min" in profile and "max" in profile:
        return _year(profile["min"]) and _year(profile["max"])
    values = [value for value, _count in profile.get("top_values") or []]
    return bool(values) and all(_year(v) for v in values)


def _year(value) -> bool:
    """A whole year: 1987, 1987.0 or '1987'."""
    if isinstance(value, str):
        value = value.strip()
        if not (len(value) == 4 and value.isdigit()):
            return False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return number.is_integer() and FIRST <= number <= LAST
