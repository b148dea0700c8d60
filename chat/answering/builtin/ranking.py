"""Ranking and counting clauses: "with the most albums", "the highest salary", "the
youngest" (ORDER BY ... LIMIT), "with at least 2 orders" (HAVING, or EXISTS for "at least
one")."""

from __future__ import annotations

from .clauses import _adjective_column, _measure_at, _num, _number
from .interpretation import Having, Measure, Order, Related
from .reader import Reading, Refusal


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
    counting = m.text in ("most", "least", "fewest")
    if t.kind == "table" and not counting:
        raise Refusal(f"I could not tell what '{m.text} {t.text}' measures; name a column.")
    if t.kind == "table" and t.tables and t.tables[0] is r.subject and r.outputs:
        # "Which country has the most customers": groups of the column named first.
        if any(o.agg for o in r.outputs):
            return None
        r.group_by += [o.column for o in r.outputs]
        measure = Measure("count", None, r.subject.qualified_name)
        r.ranking_output = True
    elif t.kind == "table" and len(t.tables) == 1 and t.tables[0] is not r.subject:
        from .reader import one_link
        from .relations import link_named_elsewhere

        many = r.lex.graph.duplicates_rows_of(
            r.subject.qualified_name, [t.tables[0].qualified_name]
        )
        if not many:
            return None  # "the most in their departments": one department each, no count
        if not one_link(r, t.tables[0].qualified_name) or link_named_elsewhere(
            r, range(i - 3, i), t.tables[0]
        ):
            return None  # "the student who attended the most courses": which link?
        measure = Measure("count", None, t.tables[0].qualified_name)
        r.group_rows = True
        r.ranking_output = True
    elif t.kind == "column" and t.extra.get("implied"):
        from .vocabulary import amount  # "the most revenue", "spent least"

        measure = amount(r, t)
    elif t.kind == "column":
        from .ordering import _own_or_parent

        measure = Measure("", _own_or_parent(r, r.col(t), t.text))
    elif t.is_role("agg") and t.arg in ("sum", "avg"):
        return _ranked_by_aggregate(r, i, j, desc)
    elif t.is_role("count"):
        found = _measure_at(r, j)
        if found is None:
            return None
        measure, end = found
        if measure.table == r.subject.qualified_name:
            # "the city with the most number of customers": groups of the column named
            plain = [o.column for o in r.outputs if not o.agg]
            if not plain or any(o.agg for o in r.outputs):
                return None
            r.group_by += [c for c in plain if c not in r.group_by]
        else:
            r.group_rows = True
        r.ranking_output = True
        r.take(i)
        r.order.append(Order(measure, desc))
        r.limit = r.limit or 1
        return end
    else:
        return None
    r.take(i, j)
    if measure.agg == "count" and measure.table != r.subject.qualified_name:
        _verb_before(r, i)  # "the city that hosted the most events"
    r.order.append(Order(measure, desc))
    r.limit = r.limit or 1
    return j + 1


def _ranked_by_aggregate(r: Reading, i: int, j: int, desc: bool) -> int | None:
    """ "the customer with the greatest total loan amount", "the type of transaction with the
    highest total amount": ranked by a sum (average) of a column, per subject row when the
    column is a related table's, per value of the columns listed when it is the subject's."""
    k = r.next(j + 1)
    c = r.at(k)
    if c is None or c.kind != "column" or c.extra.get("implied") or c.extra.get("period"):
        return None
    col = r.col(c)
    table = r.lex.table(col.table)
    column = table.column(col.column)
    if not r.lex.is_numeric(column) or r.lex.words.is_key(table, column):
        return None
    if table is r.subject:
        plain = [o.column for o in r.outputs if not o.agg]
        if not plain or any(o.agg for o in r.outputs):
            return None  # nothing listed to group by: the one row with the highest value?
        r.group_by += [p for p in plain if p not in r.group_by]
    else:
        from .reader import one_link
        from .relations import link_named_elsewhere

        start = r.subject.qualified_name
        if not r.lex.graph.duplicates_rows_of(start, [table.qualified_name]):
            return None  # a parent's column: one value per subject row, nothing to add up
        if not one_link(r, table.qualified_name) or link_named_elsewhere(r, range(i - 3, i), table):
            return None
        r.group_rows = True
    r.take(i, j, k)
    r.order.append(Order(Measure(r.ms[j].arg, col), desc))
    r.limit = r.limit or 1
    r.ranking_output = True
    return k + 1


def _categories_of_subject(r: Reading, plain: list) -> bool:
    """ "the types of documents with more than 4 documents": the subject named before and
    counted again, the columns listed its categories (no key, no name: grouping by those
    would count each row alone), and no key of the subject into itself ("employees with
    more than 2 employees" are managers)."""
    if not plain or any(fk.referred_table == r.subject.name for fk in r.subject.foreign_keys):
        return False
    from .index import name_words

    for c in plain:
        column = r.lex.table(c.table).column(c.column)
        if c.table != r.subject.qualified_name or r.lex.words.is_key(r.subject, column):
            return False
        if name_words(column.name)[-1] in ("name", "title", "id"):
            return False
    return True


def _verb_before(r: Reading, i: int) -> None:
    """A verb right before "the most <rows>" says how they belong to the subject; the rows
    are counted through the one link already checked."""
    k = i - 1
    while k >= 0 and r.ms[k].kind == "function":
        k -= 1
    if k >= 0 and k not in r.used and r.ms[k].kind == "unknown":
        word = r.ms[k].text
        if word.endswith(("ed", "es", "s")) or len(word) <= 6:
            r.take(k)


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
        r.having.append(
            Having(Measure("count", None, r.subject.qualified_name), m.arg, _num(number))
        )
        return end + 1
    plain = [o.column for o in r.outputs if not o.agg]
    named_here = r.from_columns or r.subject_at == k or _categories_of_subject(r, plain)
    if t is not None and t.kind == "table" and t.tables == (r.subject,) and plain and named_here:
        # "Which months have more than 2 happy hours?": groups of the column named, by how
        # many of the subject's rows each holds.
        r.take(i, k)
        r.group_by += [c for c in plain if c not in r.group_by]
        r.having.append(
            Having(Measure("count", None, r.subject.qualified_name), m.arg, _num(number))
        )
        return k + 1
    if t is None or t.kind != "table" or len(t.tables) != 1 or t.tables[0] is r.subject:
        r.used.discard(end - 1)
        return None
    if r.lex.graph.distance(r.subject.qualified_name, t.tables[0].qualified_name) > 2:
        return None  # counted through other tables: which link is meant is not said
    from .reader import one_link
    from .relations import link_named_elsewhere

    if not one_link(r, t.tables[0].qualified_name) or link_named_elsewhere(
        r, range(i - 3, i), t.tables[0]
    ):
        return None
    if (m.arg == ">=" and number == 1) or (m.arg == ">" and number == 0):
        # "customers with at least one order (with status X)": such a row exists
        r.take(i, k)
        r.related.append(Related(t.tables[0].qualified_name, negated=False))
        return k + 1
    r.take(i, k)
    r.having.append(Having(Measure("count", None, t.tables[0].qualified_name), m.arg, _num(number)))
    r.group_rows = True
    return k + 1
