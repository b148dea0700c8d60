"""Reading a year against a column of years (years.py) or a date: which column of the
subject holds them, the value as the column keeps it, and the participle before the
condition that says what the year records ("wines produced in 2008")."""

from __future__ import annotations

from .clauses import _prev_index
from .interpretation import Col, Filter
from .reader import Reading

# Participles that name when something happened, besides the regular "-ed" ones.
IRREGULAR_EVENTS = {"built", "held", "written", "sold", "begun", "drawn"}


def _event_verb(r: Reading, at: int) -> None:
    """ "wines produced in 2008", "churches opened before 1850": the participle right
    before a year or day of the subject's own one date says what the date records, and is
    read with it. Not when it starts like a table's name ("ordered" with an orders table):
    that event may be the other table's."""
    from .index import name_words

    j = _prev_index(r, at)
    verb = r.at(j)
    if verb is None or verb.kind != "unknown" or j in r.used or " " in verb.text:
        return
    if not (verb.text.endswith("ed") and len(verb.text) > 4 or verb.text in IRREGULAR_EVENTS):
        return
    stem = verb.text[:4]
    if any(w.startswith(stem) for t in r.lex.document.tables for w in name_words(t.name)):
        return
    r.take(j)


def _year_column(r: Reading) -> Col | None:
    """The subject's one column of calendar years (years.py). None when another table the
    question names keeps years too: "in 2008" could then be either table's year."""
    own = [c for c in r.subject.columns if (r.subject.qualified_name, c.name) in r.lex.years]
    if len(own) != 1 or _other_named_table_keeps_years(r):
        return None
    return r.ref(r.subject, own[0].name)


def _other_named_table_keeps_years(r: Reading) -> bool:
    subject = r.subject.qualified_name
    named = {t.qualified_name for m in r.ms for t in m.tables}
    for m in r.ms:  # a column or value that may be the subject's own names no other table
        owners = {ref.table.qualified_name for ref in (*m.columns, *m.values)}
        if subject not in owners:
            named |= owners
    return bool((named - {subject}) & {table for table, _column in r.lex.years})


def _holds_years(r: Reading, col: Col) -> bool:
    return (col.table, col.column) in r.lex.years


def _year_value(r: Reading, col: Col, year: int):
    """A year as the column keeps it: a number, or text ('2011') where years are text."""
    column = r.lex.table(col.table).column(col.column)
    return year if r.lex.is_numeric(column) else str(year)


def _text_year_comparison(r: Reading, i, op_at, op, col, negated) -> int | None:
    """ "opened before 2010" where years are kept as text: four digits compare as text."""
    j = r.next(op_at + 1)
    m = r.at(j)
    if m is None or m.kind != "number" or not _year_like(m.number) or negated:
        return None
    if op.is_role("between"):
        k = r.next(j + 1)
        h = r.next(k + 1)
        hi = r.at(h)
        if not (r.at(k) and r.ms[k].text in ("and", "to") and hi and hi.kind == "number"):
            return None
        if not _year_like(hi.number):
            return None
        low, high = sorted((int(m.number), int(hi.number)))
        r.take(i, op_at, j, k, h)
        r.filters.append(Filter(col, "between", (str(low), str(high))))
        return h + 1
    if op.arg not in (">", ">=", "<", "<="):
        return None
    r.take(i, op_at, j)
    r.filters.append(Filter(col, op.arg, (str(int(m.number)),)))
    return j + 1


def _year_like(number) -> bool:
    return number is not None and float(number).is_integer() and 1000 <= number <= 2100
