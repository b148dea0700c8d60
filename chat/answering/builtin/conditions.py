"""Conditions in the tail of a question: comparisons ("older than 30", "above the average"),
text matching ("contains 'x'"), named values ("in Germany", "not Rock or Jazz") and equalities
("whose id is 5")."""

from __future__ import annotations

from .clauses import _adjective_column, _num, _number, _prev_index
from .dates import _date_comparison, _implied_column, _implied_number, _is_date, _to_follows
from .interpretation import Col, Filter, Having, Measure, Subquery
from .mentions import Mention
from .reader import Reading, Refusal

# "contains the substring 'CV'", "starts with the letter 'a'"
FILLERS = {"substring", "word", "words", "letter", "letters", "string", "phrase", "character"}


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
    if _is_date(r, col):
        return _date_comparison(r, i, op_at, op, col, negated)
    column = r.lex.table(col.table).column(col.column)
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
            end = k + 1
            values = (Subquery(Measure("avg", col)),)
        else:
            return None
    if negated:
        sign = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "=": "!="}.get(sign, sign)
    r.take(i, op_at)
    r.filters.append(Filter(col, sign, values))
    return end


def _like(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    col_at = None
    if m.kind == "column" and r.at(r.next(i + 1)) and r.ms[r.next(i + 1)].is_role("like"):
        col_at, i = i, r.next(i + 1)
        m = r.ms[i]
    if not m.is_role("like"):
        return None
    j = r.next(i + 1)
    fillers = []
    while r.at(j) is not None and r.ms[j].text in FILLERS:
        fillers.append(j)
        j = r.next(j + 1)
    v = r.at(j)
    if v is None or v.kind not in ("literal", "value"):
        return None
    r.take(*fillers)
    if col_at is not None:
        col = r.col(r.ms[col_at])
    else:
        names = [c for c in r.lex.words.label_columns(r.subject) if not r.lex.is_numeric(c)]
        if len(names) != 1:
            raise Refusal(f"I could not tell which column of {r.subject.name} to search.")
        col = r.ref(r.subject, names[0].name)
    text = v.text if v.kind == "literal" else str(v.values[0].value)
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
        verb = r.at(j) is not None and r.ms[j].kind == "unknown" and r.ms[j].text.endswith("ed")
        if verb:  # "wines not produced in Sonoma"
            j = r.next(j + 1)
        if r.at(j) is None or not (
            r.ms[j].kind == "value" or (r.ms[j].kind == "literal" and r.ms[j].values)
        ):
            return None  # "not in Germany", "not located in 'Donceel'"
        negated, i, m = True, j, r.ms[j]
        if verb:
            r.take(r.next(start + 1))
    if m.kind not in ("value", "literal") or (m.kind == "literal" and not m.values):
        return None
    if not negated and _head_noun(r, i):
        return None
    group = [i]
    k = r.next(i + 1)
    while r.at(k) is not None:
        joined = r.ms[k].is_role("or", "and")
        nxt = r.next(k + 1) if joined else k
        if not joined and nxt != group[-1] + 1:
            break  # "from Los Angeles to Honolulu": two conditions, not a list
        if r.at(nxt) is None or r.ms[nxt].kind != "value" or not _shared(r.ms[group[0]], r.ms[nxt]):
            break
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
    if negated and _many(r, col):
        return None  # not a value of one of several related rows: an anti-join
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
    both_said = r.at(_prev_index(r, start)) is not None and r.ms[_prev_index(r, start)].is_role(
        "both"
    )
    if (
        len(stored) > 1
        and (col.table, col.column) in r.lex.exhaustive
        and not negated
        and not both_said
    ):
        every = _distinct_values(r, col)
        if every and set(stored) >= every:
            return None  # "male and female faculty": every value, a breakdown not a filter
    r.take(start, *group)
    both = _prev_index(r, start)
    joined = [x for x in range(group[0], group[-1]) if r.ms[x].is_role("and")]
    if both >= 0 and r.ms[both].is_role("both") and len(stored) == 2 and joined and not negated:
        # "products made by both Sony and Creative Labs": rows with each, both kept
        # (reader._contradiction turns the two into an INTERSECT).
        r.take(both)
        r.filters += [Filter(col, "=", (stored[0],)), Filter(col, "=", (stored[1],))]
        return group[-1] + 1
    op = ("notin" if negated else "in") if len(stored) > 1 else ("!=" if negated else "=")
    r.filters.append(Filter(col, op, tuple(dict.fromkeys(stored)), keep_nulls=negated))
    return group[-1] + 1


def _head_noun(r: Reading, i: int) -> bool:
    """ "the products with next entry id above 8" where a lookup table stores 'Product': a
    plural after "the", before "with/whose/that", names the rows asked about, not a value
    of another table's column."""
    m = r.ms[i]
    if m.kind != "value" or not m.text.endswith("s") or " " in m.text:
        return False
    if any(str(v.value).lower() == m.text for v in m.values):
        return False  # stored as said, plural and all
    if any(v.table is r.subject for v in m.values):
        return False
    before = r.at(i - 1)
    after = r.at(i + 1)
    return (
        before is not None
        and before.text == "the"
        and (after is None or after.text in ("with", "whose", "that", "which", "who"))
    )


def _distinct_values(r: Reading, col: Col) -> set:
    return {
        v.value
        for refs in r.lex.values.values()
        for v in refs
        if (v.table.qualified_name, v.column.name) == (col.table, col.column)
    }


def _many(r: Reading, col: Col) -> bool:
    """The column is in a table holding several rows per subject row."""
    return col.table != r.subject.qualified_name and r.lex.graph.duplicates_rows_of(
        r.subject.qualified_name, [col.table]
    )


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
