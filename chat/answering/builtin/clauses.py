"""The tail of a question, after its subject: conditions, grouping, ordering, ranking.

Each rule reads one clause at the cursor and returns where it ended, or None when the clause
is not its shape; the first rule that reads it wins. Whatever no rule reads stays unused and
ends in a refusal naming it (reader._finish).
"""

from __future__ import annotations

from .interpretation import Col, Filter, Having, Measure, Order, Related, Subquery
from .mentions import Mention
from .reader import Reading, Refusal, resolve_column

CONNECTIVES = {"and"}


def read_tail(r: Reading, i: int, stop: int | None = None) -> None:
    rules = (
        _order,
        _group,
        _superlative,
        _having,
        _negated_related,
        _comparison,
        _like,
        _values,
        _column_equals,
        _year,
        _relative_year,
        _direction,
        _sample,
        _and_table,
    )
    n = len(r.ms) if stop is None else stop
    while i < n:
        m = r.ms[i]
        if m.kind == "function" or m.is_role("and"):
            r.take(i)
            i += 1
            continue
        for rule in rules:
            end = rule(r, i)
            if end is not None:
                i = end
                break
        else:
            i += 1  # left unused: refused at the end, naming it


# -- small readers ---------------------------------------------------------------------------
def _measure_at(r: Reading, i: int) -> tuple[Measure, int] | None:
    """A column, "the number of <table>", "the average <column>" at i: (measure, end)."""
    j = r.next(i)
    m = r.at(j)
    if m is None:
        return None
    if m.kind == "column":
        r.take(j)
        return Measure("", r.col(m)), j + 1
    if m.is_role("count"):
        k = r.next(j + 1)
        t = r.at(k)
        if t is not None and t.kind == "table" and len(t.tables) == 1:
            r.take(j, k)
            table = t.tables[0]
            if table is r.subject:
                return None
            return Measure("count", None, table.qualified_name), k + 1
        return None
    if m.is_role("agg") and m.arg in ("avg", "sum", "max", "min"):
        k = r.next(j + 1)
        c = r.at(k)
        if c is not None and c.kind == "column":
            r.take(j, k)
            return Measure(m.arg, r.col(c)), k + 1
    return None


def _adjective_column(r: Reading, m: Mention) -> Col:
    words, _direction = m.adjective
    found = []
    for table in [r.subject]:
        for c in table.columns:
            from .index import name_words

            if set(name_words(c.name)) & set(words) and r.lex.is_numeric(c):
                found.append(c)
    if len(found) != 1:
        raise Refusal(f"I could not tell which column '{m.text}' compares.")
    return r.ref(r.subject, found[0].name)


def _number(r: Reading, i: int) -> tuple[float, int] | None:
    j = r.next(i)
    m = r.at(j)
    if m is not None and m.kind == "number":
        r.take(j)
        return m.number, j + 1
    return None


# -- rules -----------------------------------------------------------------------------------
def _order(r: Reading, i: int) -> int | None:
    """ "ordered by age", "sorted by the number of albums", "in descending order of price"."""
    m = r.ms[i]
    if not (m.is_role("order") or (m.is_role("by") and (r.limit or r.order_pending))):
        if m.is_role("dir") and r.at(r.next(i + 1)) and r.ms[r.next(i + 1)].is_role("order"):
            j = r.next(i + 1)
            found = _measure_at(r, j + 1)
            r.take(i, j)
            if found is None:  # "by age in descending order": the direction of the last
                _set_direction(r, m.arg == "desc")
                return j + 1
            r.order.append(Order(found[0], desc=m.arg == "desc"))
            return found[1]
        return None
    found = _measure_at(r, i + 1)
    if found is None:
        if m.is_role("order"):
            r.take(i)
            r.order_pending = True
            return i + 1
        return None
    r.take(i)
    measure, end = found
    desc = False
    k = r.next(end)
    d = r.at(k)
    if d is not None and d.is_role("dir"):
        desc = d.arg == "desc"
        r.take(k)
        end = k + 1
        k2 = r.next(end)
        if r.at(k2) is not None and r.ms[k2].is_role("order"):
            r.take(k2)
            end = k2 + 1
    elif r.limit and m.is_role("by"):
        desc = True  # "top 5 countries by number of customers"
    if (
        r.limit
        and m.is_role("by")
        and not measure.agg
        and measure.column.table != r.subject.qualified_name
    ):
        # "top 5 products by quantity": the quantities of each product's rows, added up.
        if r.lex.graph.duplicates_rows_of(r.subject.qualified_name, [measure.column.table]):
            measure = Measure("sum", measure.column)
            r.group_rows = True
            r.ranking_output = True
    if measure.agg and measure.table and measure.table != r.subject.qualified_name:
        r.group_rows = True
        r.ranking_output = True
    r.order.append(Order(measure, desc))
    return end


def _set_direction(r: Reading, desc: bool) -> None:
    if not r.order:
        raise Refusal("I could not tell what to order by.")
    last = r.order[-1]
    r.order[-1] = Order(last.measure, desc)


def _direction(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    if not m.is_role("dir"):
        return None
    r.take(i)
    if m.arg in ("asc",) and "alphabet" in m.text and not r.order:
        raise Refusal("I could not tell what to sort alphabetically.")
    _set_direction(r, m.arg == "desc")
    return i + 1


def _group(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    if not m.is_role("group", "by"):
        return None
    j = r.next(i + 1)
    g = r.at(j)
    if g is None:
        return None
    r.group_first = r.group_first or m.text in ("by", "per")
    if g.kind == "column":
        col = r.col(g)
        r.group_by.append(col)
        r.take(i, j)
        return j + 1
    if g.kind == "table" and len(g.tables) == 1 and g.tables[0] is not r.subject:
        table = g.tables[0]
        labels = r.lex.words.label_columns(table)
        r.group_by += [r.ref(table, c.name) for c in labels]
        r.take(i, j)
        return j + 1
    return None


def _superlative(r: Reading, i: int) -> int | None:
    """ "with the most albums", "the highest salary", "the youngest": rank, keep the first."""
    m = r.ms[i]
    if m.kind == "adj" and m.role == "sup":
        r.take(i)
        r.order.append(Order(Measure("", _adjective_column(r, m)), m.adjective[1] == "desc"))
        r.limit = r.limit or 1
        return i + 1
    if not (m.is_role("agg") and m.arg in ("max", "min")):
        return None
    desc = m.arg == "max"
    j = r.next(i + 1)
    t = r.at(j)
    if t is None:
        return None
    if t.kind == "table" and t.tables and t.tables[0] is r.subject and r.outputs:
        # "Which country has the most customers": groups of the column named first.
        if any(o.agg for o in r.outputs):
            return None
        r.group_by += [o.column for o in r.outputs]
        measure = Measure("count", None, r.subject.qualified_name)
        r.ranking_output = True
    elif t.kind == "table" and len(t.tables) == 1 and t.tables[0] is not r.subject:
        measure = Measure("count", None, t.tables[0].qualified_name)
        r.group_rows = True
        r.ranking_output = True
    elif t.kind == "column":
        measure = Measure("", r.col(t))
    elif t.is_role("count"):
        found = _measure_at(r, j)
        if found is None:
            return None
        measure, end = found
        r.group_rows = True
        r.ranking_output = True
        r.take(i)
        r.order.append(Order(measure, desc))
        r.limit = r.limit or 1
        return end
    else:
        return None
    r.take(i, j)
    r.order.append(Order(measure, desc))
    r.limit = r.limit or 1
    return j + 1


def _having(r: Reading, i: int) -> int | None:
    """ "with at least 2 orders", "that have more than 3 employees"."""
    m = r.ms[i]
    if not m.is_role("cmp") or m.arg == "!=":
        return None
    found = _number(r, i + 1)
    if found is None:
        return None
    number, end = found
    k = r.next(end)
    t = r.at(k)
    if r.at(end) is not None and r.ms[end].text in (
        "record",
        "records",
        "entries",
        "times",
        "rows",
    ):
        # "event names that have more than 2 records": groups of the column named.
        plain = [o.column for o in r.outputs if not o.agg]
        if not plain:
            return None
        r.take(i, end)
        r.group_by += [c for c in plain if c not in r.group_by]
        r.having.append(Having(Measure("count", None, r.subject.qualified_name), m.arg, number))
        return end + 1
    if t is None or t.kind != "table" or len(t.tables) != 1 or t.tables[0] is r.subject:
        r.used.discard(end - 1)
        return None
    r.take(i, k)
    r.having.append(Having(Measure("count", None, t.tables[0].qualified_name), m.arg, number))
    r.group_rows = True
    return k + 1


def _negated_related(r: Reading, i: int) -> int | None:
    """ "that have no orders", "without any albums", "who never had an order"."""
    m = r.ms[i]
    if not m.is_role("neg"):
        return None
    j = r.next(i + 1)
    t = r.at(j)
    if t is None or t.kind != "table" or len(t.tables) != 1 or t.tables[0] is r.subject:
        return None
    if r.lex.graph.distance(r.subject.qualified_name, t.tables[0].qualified_name) > 2:
        raise Refusal(f"I could not tell how {t.tables[0].name} relates to {r.subject.name}.")
    rest = [
        x for x in r.ms[j + 1 :] if x.kind != "function" and not x.is_role("order", "dir", "by")
    ]
    if rest:  # "no friends who are students": about the subject or the other table?
        words = " ".join(x.text for x in rest)
        raise Refusal(
            f"I could not tell whether '{words}' is about {r.subject.name} or {t.tables[0].name}."
        )
    r.take(i, j)
    r.related.append(Related(t.tables[0].qualified_name, negated=True))
    return j + 1


def _comparison(r: Reading, i: int) -> int | None:
    """ "age above 30", "older than 30", "whose rank is between 10 and 15", "price above the
    average"; the column is the one named right before, or the adjective's."""
    m = r.ms[i]
    if m.kind == "column":
        op_at = r.next(i + 1)
    elif m.kind == "adj" and m.role == "cmp":
        op_at = i
    elif m.kind == "adj" and m.role == "is":  # "priced above 700", "costs 23"
        op_at = r.next(i + 1)
        nxt = r.at(op_at)
        if nxt is not None and nxt.kind == "number":
            col = _adjective_column(r, m)
            r.take(i, op_at)
            r.filters.append(Filter(col, "=", (_num(nxt.number),)))
            return op_at + 1
    elif m.is_role("cmp", "between") and _implied_number(r, i):
        op_at = i
    else:
        return None
    op = r.at(op_at)
    negated = False
    if op is not None and op.is_role("neg") and op.text == "not":
        negated = True
        op_at = r.next(op_at + 1)
        op = r.at(op_at)
    if op is None:
        return None
    if m.kind == "adj" and m.role == "cmp":
        col = _adjective_column(r, m)
        sign = ">" if m.adjective[1] == "desc" else "<"
    elif m.kind == "adj" and op.is_role("cmp", "between"):
        col = _adjective_column(r, m)
        sign = op.arg
    elif m.kind == "column" and op.kind == "number" and _to_follows(r, op_at):
        col = r.col(m)  # "with total 100 to 200"
        op_at -= 1
        op = Mention("role", op_at, op_at, "between", role="between")
        sign = "between"
    elif op.is_role("cmp", "between"):
        col = r.col(m) if m.kind == "column" else _implied_column(r, op_at)
        sign = op.arg
    else:
        return None
    if _is_date(r, col):
        return _date_comparison(r, i, op_at, op, col, negated)
    column = r.lex.table(col.table).column(col.column)
    if not r.lex.is_numeric(column):
        raise Refusal(f"{col.column} is not a number, so it cannot be compared with one.")
    if op.is_role("between"):
        lo = _number(r, op_at + 1)
        if lo is None:
            return None
        k = r.next(lo[1])
        if not (r.at(k) and (r.ms[k].is_role("and") or r.ms[k].text in ("to", "or"))):
            raise Refusal("Please give a range as 'between 10 and 20'.")
        hi = _number(r, k + 1)
        if hi is None:
            raise Refusal("Please give a range as 'between 10 and 20'.")
        r.take(*(x for x in (i, op_at, k) if x >= 0))
        low, high = sorted((lo[0], hi[0]))
        r.filters.append(Filter(col, "between", (_num(low), _num(high))))
        return hi[1]
    end = op_at + 1
    found = _number(r, end)
    if found is not None:
        value, end = found
        values = (_num(value),)
    else:
        k = r.next(end)
        nxt = r.at(k)
        if nxt is not None and nxt.is_role("agg") and nxt.arg == "avg":
            r.take(k)
            end = k + 1
            values = (Subquery(Measure("avg", col)),)
        else:
            return None
    if negated:
        sign = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "=": "!="}.get(sign, sign)
    r.take(i, op_at)
    r.filters.append(Filter(col, sign, values))
    return end


def _num(value: float):
    return int(value) if float(value).is_integer() else value


def _like(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    col_at = None
    if m.kind == "column" and r.at(r.next(i + 1)) and r.ms[r.next(i + 1)].is_role("like"):
        col_at, i = i, r.next(i + 1)
        m = r.ms[i]
    if not m.is_role("like"):
        return None
    j = r.next(i + 1)
    v = r.at(j)
    if v is None or v.kind not in ("literal", "unknown", "value"):
        return None
    if col_at is not None:
        col = r.col(r.ms[col_at])
    else:
        names = [c for c in r.lex.words.label_columns(r.subject) if not r.lex.is_numeric(c)]
        if len(names) != 1:
            raise Refusal(f"I could not tell which column of {r.subject.name} to search.")
        col = r.ref(r.subject, names[0].name)
    text = v.text if v.kind != "value" else v.text
    pattern = {"contains": f"%{text}%", "starts": f"{text}%", "ends": f"%{text}"}[m.arg]
    r.take(*(x for x in (col_at, i, j) if x is not None))
    r.filters.append(Filter(col, "like", (pattern,)))
    return j + 1


def _values(r: Reading, i: int) -> int | None:
    """ "in Germany", "Metal tracks", "not in France or Spain", "the Rock genre"."""
    m = r.ms[i]
    negated = False
    start = i
    if m.is_role("neg") or (m.is_role("cmp") and m.arg == "!="):
        j = r.next(i + 1)
        if r.at(j) is None or r.ms[j].kind not in ("value",):
            return None
        negated, i, m = True, j, r.ms[j]
    if m.kind not in ("value", "literal") or (m.kind == "literal" and not m.values):
        return None
    group = [i]
    k = r.next(i + 1)
    while r.at(k) is not None:
        joined = r.ms[k].is_role("or", "and")
        nxt = r.next(k + 1) if joined else k
        if r.at(nxt) is None or r.ms[nxt].kind != "value" or not _shared(r.ms[group[0]], r.ms[nxt]):
            break
        if r.ms[k].is_role("and") and not negated:
            break  # "X and Y" on one column: both, which one row cannot be (set operations)
        group += [nxt]
        if joined:
            r.take(k)
        k = r.next(nxt + 1)
    options = _shared(*(r.ms[g] for g in group))
    # A column or table named right before or after narrows the value: "genre Rock".
    around = [x for x in (_prev_index(r, start), r.next(group[-1] + 1)) if r.at(x) is not None]
    for x in around:
        near = r.ms[x]
        if x in r.used:
            continue
        if near.kind == "column":
            narrowed = {(c.table.qualified_name, c.column.name) for c in near.columns} & options
            if narrowed:
                options, _ = narrowed, r.take(x)
        elif near.kind == "table" and len(near.tables) == 1:
            narrowed = {o for o in options if o[0] == near.tables[0].qualified_name}
            if narrowed and near.tables[0] is not r.subject:
                options, _ = narrowed, r.take(x)
    col = _pick(r, options, r.ms[i].text)
    before = _prev_index(r, start)
    if before >= 0 and r.ms[before].is_role("by") and before not in r.used:
        r.take(before)  # "payments by paypal"
    stored = []
    for g in group:
        stored += [
            v.value
            for v in r.ms[g].values
            if (v.table.qualified_name, v.column.name) == (col.table, col.column)
        ][:1]
    r.take(start, *group)
    op = ("notin" if negated else "in") if len(stored) > 1 else ("!=" if negated else "=")
    r.filters.append(Filter(col, op, tuple(dict.fromkeys(stored)), keep_nulls=negated))
    return group[-1] + 1


def _prev_index(r: Reading, i: int) -> int:
    j = i - 1
    while j >= 0 and r.ms[j].kind == "function":
        j -= 1
    return j


def _shared(*ms: Mention) -> set[tuple[str, str]]:
    sets = [{(v.table.qualified_name, v.column.name) for v in m.values} for m in ms]
    return set.intersection(*sets) if sets else set()


def _pick(r: Reading, options: set[tuple[str, str]], text: str) -> Col:
    own = [o for o in options if o[0] == r.subject.qualified_name]
    if len(own) == 1:
        return Col(*own[0])
    if len(own) > 1:
        raise Refusal(f"'{text}' is a value of several columns of {r.subject.name}.")
    dist = {o: r.lex.graph.distance(r.subject.qualified_name, o[0]) for o in options}
    best = min(dist.values(), default=99)
    near = [o for o in options if dist[o] == best]
    if best >= 99 or len(near) != 1:
        raise Refusal(f"I could not tell which column '{text}' is a value of.")
    return Col(*near[0])


def _column_equals(r: Reading, i: int) -> int | None:
    """ "whose id is 5", "with name 'Bob'", "named 'Bob'"."""
    m = r.ms[i]
    if m.kind == "column":
        col = r.col(m)
        j = r.next(i + 1)
    elif m.is_role("named"):
        names = [c for c in r.lex.words.label_columns(r.subject) if not r.lex.is_numeric(c)]
        if len(names) != 1:
            return None
        col, j = r.ref(r.subject, names[0].name), r.next(i + 1)
    else:
        return None
    v = r.at(j)
    if v is not None and v.is_role("cmp") and v.arg == "=":
        r.take(j)
        j = r.next(j + 1)
        v = r.at(j)
    if v is None:
        return None
    if v.kind == "number":
        value = _num(v.number)
    elif v.kind == "literal":
        value = v.text
        if v.values:
            hit = [
                x.value
                for x in v.values
                if (x.table.qualified_name, x.column.name) == (col.table, col.column)
            ]
            value = hit[0] if hit else value
    else:
        return None
    r.take(i, j)
    r.filters.append(Filter(col, "=", (value,)))
    return j + 1


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
    _year_filter(r, years)
    r.take(*range(i, end))
    return end


__all__ = ["read_tail", "resolve_column"]


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
    return after is None or after.kind not in ("table", "column", "unknown")


def _implied_column(r: Reading, at: int) -> Col:
    """The one number of the subject a bare comparison can mean (a year: its date)."""
    nxt = r.at(r.next(at + 1))
    dated = r.ms[at].text in ("before", "after", "since", "earlier than", "later than")
    dated = dated or r.ms[at].is_role("between")
    if dated and nxt is not None and nxt.kind == "number" and _looks_like_year(nxt.number):
        dates = r.lex.words.date_columns(r.subject)
        if len(dates) == 1:
            return r.ref(r.subject, dates[0].name)
    measures = r.lex.words.measures(r.subject)
    if len(measures) == 1:
        return r.ref(r.subject, measures[0].name)
    raise Refusal(
        f"I could not tell which number of {r.subject.name} to compare; name a column such as "
        + ", ".join(c.name for c in measures[:6])
        + "."
    )


def _looks_like_year(number) -> bool:
    return number is not None and float(number).is_integer() and 1900 <= number <= 2100


def _is_date(r: Reading, col: Col) -> bool:
    from .linking import is_temporal

    column = r.lex.table(col.table).column(col.column)
    return column is not None and is_temporal(column)


def _date_comparison(r: Reading, i, op_at, op, col, negated) -> int | None:
    """ "hired before 2003", "since 2024", "between 2022 and 2023" on a date column: whole
    calendar years, compared as ISO dates (they compare as text and as dates alike)."""
    lo = _number(r, op_at + 1)
    if lo is None or not _looks_like_year(lo[0]) or negated:
        return None
    year, end = int(lo[0]), lo[1]
    if op.is_role("between"):
        k = r.next(end)
        hi = _number(r, k + 1) if r.at(k) and r.ms[k].text in ("and", "to") else None
        if hi is None or not _looks_like_year(hi[0]):
            return None
        r.take(i, op_at, k)
        low, high = sorted((year, int(hi[0])))
        r.filters += [
            Filter(col, ">=", (f"{low}-01-01",)),
            Filter(col, "<", (f"{high + 1}-01-01",)),
        ]
        return hi[1]
    bound = {">": (">=", year + 1), ">=": (">=", year), "<": ("<", year), "<=": ("<", year + 1)}
    if op.arg not in bound:
        return None
    sign, y = bound[op.arg]
    r.take(i, op_at)
    r.filters.append(Filter(col, sign, (f"{y}-01-01",)))
    return end


def _year_filter(r: Reading, years: list[int]) -> None:
    named = [
        c for c in r.subject.columns if c.name.lower().endswith("year") and r.lex.is_numeric(c)
    ]
    if len(named) == 1:
        col = r.ref(r.subject, named[0].name)
        r.filters.append(Filter(col, "=" if len(years) == 1 else "in", tuple(years)))
        return
    dates = r.lex.words.date_columns(r.subject)
    if len(dates) != 1:
        raise Refusal(
            f"I could not tell which date of {r.subject.name} the year {years[0]} is about."
        )
    r.filters.append(Filter(r.ref(r.subject, dates[0].name), "years", tuple(years)))


def _relative_year(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    if not m.is_role("relyear") or r.today is None:
        return None
    year = r.today.year + int(m.arg)
    r.take(i)
    _year_filter(r, [year])
    r.notes.append(f"'{m.text}' is {year} (today is {r.today.isoformat()}).")
    return i + 1


def _sample(r: Reading, i: int) -> int | None:
    """ "show 5 sample rows from customers": a few whole rows."""
    m = r.ms[i]
    if not m.is_role("sample"):
        return None
    r.take(i)
    r.limit = r.limit or 5
    return i + 1


def _and_table(r: Reading, i: int) -> int | None:
    """ "the names of parties and their regions": the other table's label columns too."""
    m = r.ms[i]
    if m.kind != "table" or len(m.tables) != 1 or m.tables[0] is r.subject:
        return None
    before = _prev_index(r, i)
    if before < 0 or not r.ms[before].is_role("and") or not r.named_outputs:
        return None
    if r.lex.graph.distance(r.subject.qualified_name, m.tables[0].qualified_name) != 1:
        return None
    table = m.tables[0]
    r.outputs += [Measure("", r.ref(table, c.name)) for c in r.lex.words.label_columns(table)]
    r.take(i)
    return i + 1
