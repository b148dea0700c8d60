"""Numeric comparisons in the tail of a question: "older than 30", "age above the average",
"between 10 and 20", "with more than 2 credits", "an average gross of over 4500000"."""

from __future__ import annotations

from .clauses import _adjective_column, _num, _number
from .dates import _date_comparison, _implied_column, _implied_number, _is_date, _to_follows
from .interpretation import Filter, Having, Measure, Subquery
from .mentions import Mention
from .named_values import _many
from .reader import Reading, Refusal
from .year_columns import _event_verb, _holds_years, _text_year_comparison


def _number_before_column(r: Reading, i: int) -> int | None:
    """ "courses with more than 2 credits", "colleges with over 15000 enrollment": the
    comparison and number come before the numeric column they compare."""
    m = r.ms[i]
    if not m.is_role("cmp") or m.arg == "!=":
        return None
    j = r.next(i + 1)
    k = r.next(j + 1)
    num, c = r.at(j), r.at(k)
    if num is None or num.kind != "number" or c is None or c.kind != "column" or k != j + 1:
        return None
    col = r.col(c)
    table = r.lex.table(col.table)
    column = table.column(col.column)
    if not r.lex.is_numeric(column) or r.lex.words.is_key(table, column):
        return None
    if _many(r, col):
        return None  # a column of several related rows: which one is compared?
    r.take(i, j, k)
    r.filters.append(Filter(col, m.arg, (_num(num.number),)))
    return k + 1


def _aggregate_comparison(r: Reading, i: int) -> int | None:
    """ "studios with an average gross of over 4500000", "product names with average price
    below 100": per group of the columns listed, HAVING AVG(column) compared."""
    m = r.ms[i]
    if not (m.is_role("agg") and m.arg in ("avg", "sum", "max", "min")):
        return None
    j = r.next(i + 1)
    c = r.at(j)
    k = r.next(j + 1)
    op = r.at(k)
    if c is None or c.kind != "column" or op is None or not op.is_role("cmp") or op.arg == "!=":
        return None
    found = _number(r, k + 1)
    plain = [o.column for o in r.outputs if not o.agg]
    if found is None or not plain or any(o.agg for o in r.outputs) or r.group_by:
        return None
    col = r.col(c)
    if not r.lex.is_numeric(r.lex.table(col.table).column(col.column)):
        return None
    r.take(i, j, k)
    r.group_by += plain
    r.having.append(Having(Measure(m.arg, col), op.arg, _num(found[0])))
    return found[1]


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
    dated = _is_date(r, col) or _holds_years(r, col)
    if m.kind == "column" and dated and col.table == r.subject.qualified_name:
        _event_verb(r, i)  # "wines produced before the year 2010"
    if _is_date(r, col):
        return _date_comparison(r, i, op_at, op, col, negated)
    column = r.lex.table(col.table).column(col.column)
    if not r.lex.is_numeric(column) and _holds_years(r, col):
        return _text_year_comparison(r, i, op_at, op, col, negated)
    if not r.lex.is_numeric(column):
        raise Refusal(f"{col.column} is not a number, so it cannot be compared with one.")
    if op.is_role("between"):
        lo = _number(r, op_at + 1)
        if lo is None:
            return None
        to = r.at(lo[1]) is not None and r.ms[lo[1]].text == "to"  # a function word
        k = lo[1] if to else r.next(lo[1])
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
            end = _average_said(r, k + 1, col)
            values = (Subquery(Measure("avg", col)),)
        else:
            return None
    if negated:
        sign = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "=": "!="}.get(sign, sign)
    r.take(i, op_at)
    r.filters.append(Filter(col, sign, values))
    return end


def _average_said(r: Reading, i: int, col) -> int:
    """ "budget above the average budget (of all departments)": the column and its table
    said again after "average" say nothing new. Anything else after them would be a
    condition on the average's rows or on the listed ones, which is not told: refused."""
    from .relations import ASK_VERBS

    end, said = i, False
    j = r.next(i)
    m = r.at(j)
    if m is not None and m.kind == "column" and j not in r.used:
        try:
            same = r.col(m, r.lex.table(col.table)) == col
        except Refusal:
            same = False
        if same:
            r.take(j)
            end, said = j + 1, True
            j = r.next(end)
            m = r.at(j)
    if m is not None and m.kind == "table" and len(m.tables) == 1 and j not in r.used:
        if m.tables[0].qualified_name == col.table and any(
            x.is_fn("of", "across", "among", "for") for x in r.ms[end:j]
        ):
            r.take(j)
            end, said = j + 1, True
    if said:
        k = r.next(end)
        after = r.at(k)
        asked = any(x.text in ASK_VERBS for x in r.ms[end:k])  # "? Give their names."
        if after is not None and not asked and not after.is_role("and", "or", "order", "dir"):
            raise Refusal(f"I could not tell which rows '{after.text}' is about.")
    return end
