"""Years and dates in the tail of a question: "in 2009", "before 2003", "between 2022 and
2023", "last year" — a year column of the subject if it has one, else its one date column,
compared as whole calendar years."""

from __future__ import annotations

from .clauses import _prev_index
from .interpretation import Col, Filter
from .reader import Reading, Refusal
from .year_columns import _event_verb, _holds_years, _year_column, _year_value


def _year(r: Reading, i: int) -> int | None:
    """ "in 2009", "in 2022 or 2024": a year column of the subject, else its date."""
    m = r.ms[i]
    if m.kind != "number" or not _looks_like_year(m.number):
        return None
    years, end = [int(m.number)], i + 1
    k = r.next(end)
    while r.at(k) and r.ms[k].is_role("or", "and") and r.at(k + 1) and r.ms[k + 1].kind == "number":
        if not _looks_like_year(r.ms[k + 1].number):
            break
        years.append(int(r.ms[k + 1].number))
        r.take(k)
        end = k + 2
        k = r.next(end)
    _year_filter(r, years, i)
    r.take(*range(i, end))
    return end


# Comparisons that say a year is a date's: "hired before 2003", "2011 or later".
DATED = {"before", "after", "since", "earlier than", "later than", "prior to", "or later",
         "or earlier", "or before", "or after", "in or after", "in or before", "on or after",
         "on or before"}  # fmt: skip


def _to_follows(r: Reading, i: int) -> bool:
    to, after = r.at(i + 1), r.at(i + 2)
    return to is not None and to.text == "to" and after is not None and after.kind == "number"


def _implied_number(r: Reading, i: int) -> bool:
    """ "orders over 500": a comparison with a bare number and no column before it."""
    j = r.next(i + 1)
    nxt = r.at(j)
    if nxt is None or nxt.kind != "number":
        return False
    after = r.at(r.next(j + 1))
    # "at least 10 professors" (a stored value): a count of rows, not a number column
    return after is None or after.kind not in ("table", "column", "unknown", "value", "literal")


def _implied_column(r: Reading, at: int) -> Col:
    """The one number of the subject a bare comparison can mean (a year: its date)."""
    nxt = r.at(r.next(at + 1))
    dated = r.ms[at].text in DATED or r.ms[at].is_role("between")
    if nxt is not None and nxt.extra.get("age"):  # "at least 25 years old"
        from .index import name_words

        ages = [c for c in r.subject.columns if "age" in name_words(c.name) and r.lex.is_numeric(c)]
        if len(ages) == 1:
            return r.ref(r.subject, ages[0].name)
        raise Refusal(f"I could not tell which age of {r.subject.name} to compare.")
    if nxt is not None and nxt.extra.get("unit"):  # "longer than 5 minutes": the duration
        from .vocabulary import duration_columns

        durations = duration_columns(r.lex, r.subject)
        if len(durations) == 1:
            return r.ref(r.subject, durations[0].name)
    if dated and nxt is not None and nxt.kind == "number" and _looks_like_year(nxt.number, True):
        if (said := _said_date(r)) is not None:
            return said
        listed = r.at(_prev_index(r, at))  # "type with an institution founded after 1990":
        listed = listed is not None and listed.kind == "column"  # the head took the column
        if not listed and (years := _year_column(r)) is not None:
            _event_verb(r, at)
            return years
        dates = r.lex.words.date_columns(r.subject)
        if len(dates) == 1:
            _event_verb(r, at)
            return r.ref(r.subject, dates[0].name)
    if r.ms[at].text in DATED and nxt is not None and _looks_like_year(nxt.number, True):
        # "ranked before 2000": a time word and a year, but no date or year column to compare
        raise Refusal(f"I could not tell which date of {r.subject.name} the year is about.")
    measures = r.lex.words.measures(r.subject)
    if len(measures) == 1:
        return r.ref(r.subject, measures[0].name)
    raise Refusal(
        f"I could not tell which number of {r.subject.name} to compare; name a column such as "
        + ", ".join(c.name for c in measures[:6])
        + "."
    )


def _looks_like_year(number, dated: bool = False) -> bool:
    """A bare number read as a year: 1900..2100; after a word that says time ("before",
    "since", "between") from 1000 on ("churches opened before 1850")."""
    first = 1000 if dated else 1900
    return number is not None and float(number).is_integer() and first <= number <= 2100


def _is_date(r: Reading, col: Col) -> bool:
    from .linking import is_temporal

    column = r.lex.table(col.table).column(col.column)
    return column is not None and is_temporal(column)


def _date_comparison(r: Reading, i, op_at, op, col, negated) -> int | None:
    """ "hired before 2003", "since 2024", "between 2022 and 2023" on a date column: whole
    calendar years, compared as ISO dates (they compare as text and as dates alike)."""
    j = r.next(op_at + 1)
    lo = _span(r.at(j))
    if lo is None or negated:
        return None
    if op.is_role("between"):
        k = r.next(j + 1)
        h = r.next(k + 1)
        hi = _span(r.at(h)) if r.at(k) and r.ms[k].text in ("and", "to") else None
        if hi is None:
            return None
        low, high = sorted((lo, hi))
        r.take(i, op_at, j, k, h)
        r.filters += [Filter(col, ">=", (low[0],)), Filter(col, "<", (high[1],))]
        return h + 1
    first, after = lo
    bound = {">": (">=", after), ">=": (">=", first), "<": ("<", first), "<=": ("<", after)}
    if op.arg not in bound:
        return None
    sign, value = bound[op.arg]
    r.take(i, op_at, j)
    r.filters.append(Filter(col, sign, (value,)))
    return j + 1


def _span(m) -> tuple[str, str] | None:
    """(first day, first day after) of a year as ISO text."""
    if m is None or m.kind != "number" or not _looks_like_year(m.number, True):
        return None
    year = int(m.number)
    return f"{year}-01-01", f"{year + 1}-01-01"


def _said_date(r: Reading) -> Col | None:
    """The date column a verb of the question names ("signed up", "hired"), if connected."""
    for m in r.ms:
        col = m.extra.get("date")
        if col is not None and r.lex.graph.distance(r.subject.qualified_name, col.table) <= 2:
            return col
    return None


def _year_filter(r: Reading, years: list[int], at: int | None = None) -> None:
    col = _said_date(r) or _year_column(r)
    if col is None:
        dates = r.lex.words.date_columns(r.subject)
        if len(dates) != 1:
            raise Refusal(
                f"I could not tell which date of {r.subject.name} the year {years[0]} is about."
            )
        col = r.ref(r.subject, dates[0].name)
    if at is not None and col.table == r.subject.qualified_name:
        _event_verb(r, at)
    if not _holds_years(r, col):
        r.filters.append(Filter(col, "years", tuple(years)))
        return
    values = tuple(_year_value(r, col, y) for y in years)
    r.filters.append(Filter(col, "=" if len(values) == 1 else "in", values))


def _relative_year(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    if not m.is_role("relyear") or r.today is None:
        return None
    year = r.today.year + int(m.arg)
    r.take(i)
    _year_filter(r, [year])
    col = r.filters[-1].column
    where = f"{r.lex.table(col.table).name}.{col.column}"
    r.notes.append(f"Dates: {where} in {year} (today is {r.today.isoformat()}).")
    return i + 1
