"""A bound said after its number: "capacity 800 or more", "year 2005 or later", "aged 25 or
older" read as >= / <=. The comparison words ("or more", "or later") come after the number,
so the usual "column, comparison, number" order of comparisons.py does not find them."""

from __future__ import annotations

from .clauses import _num
from .dates import _is_date
from .interpretation import Filter
from .named_values import _many
from .reader import Reading
from .year_columns import _event_verb, _holds_years


def _number_then_bound(r: Reading, i: int) -> int | None:
    """A numeric column, its number, then "or more"/"or less" ("with capacity 800 or more")."""
    m = r.ms[i]
    if m.kind != "column" or i in r.used:
        return None
    j = r.next(i + 1)
    k = j + 1
    num, bound = r.at(j), r.at(k)
    if num is None or num.kind != "number" or bound is None or not bound.is_role("cmp"):
        return None
    if not bound.text.startswith("or ") or bound.arg not in (">=", "<="):
        return None
    col = r.col(m)
    table = r.lex.table(col.table)
    column = table.column(col.column)
    if not r.lex.is_numeric(column) or r.lex.words.is_key(table, column) or _is_date(r, col):
        return None  # a date's years are compared as dates in dates.py
    if _many(r, col):
        return None  # a column of several related rows: which one is compared is not said
    if _holds_years(r, col) and col.table == r.subject.qualified_name:
        _event_verb(r, i)  # "cinemas opened in year 2011 or later"
    r.take(i, j, k)
    r.filters.append(Filter(col, bound.arg, (_num(num.number),)))
    return k + 1


def _bound_before_column(r: Reading, i: int) -> int | None:
    """ "members under age 30", "rooms over capacity 50": the comparison, then the numeric
    column and its number (comparisons.py reads "age under 30" and "under 30 age")."""
    m = r.ms[i]
    if i in r.used or not m.is_role("cmp") or m.arg not in ("<", "<=", ">", ">="):
        return None
    j = i + 1  # right after: "under the age of 30" is another shape
    k = r.next(j + 1)
    c, num = r.at(j), r.at(k)
    if c is None or c.kind != "column" or num is None or num.kind != "number":
        return None
    col = r.col(c)
    table = r.lex.table(col.table)
    column = table.column(col.column)
    if not r.lex.is_numeric(column) or r.lex.words.is_key(table, column) or _is_date(r, col):
        return None
    if _many(r, col):
        return None
    r.take(i, j, k)
    r.filters.append(Filter(col, m.arg, (_num(num.number),)))
    return k + 1
