"""Ordering clauses: "ordered by age", "in descending order of price", "top 5 X by Y",
"in alphabetical order", a direction said after its column ("by age, descending").

Rules follow clauses.py's shape: read one clause at the cursor, return where it ended or None.
"""

from __future__ import annotations

from .clauses import _measure_at, _prev_index
from .interpretation import Col, Measure, Order
from .reader import Reading, Refusal


def _order(r: Reading, i: int) -> int | None:
    """ "ordered by age", "sorted by the number of albums", "in descending order of price"."""
    m = r.ms[i]
    nxt = r.at(r.next(i + 1))
    if m.is_role("by") and nxt is not None and nxt.is_role("dir"):
        r.take(i)  # "by ascending order of length": the direction and order say it
        return i + 1
    if not (m.is_role("order") or (m.is_role("by") and (r.limit or r.order_pending))):
        if m.is_role("dir") and r.at(r.next(i + 1)) and r.ms[r.next(i + 1)].is_role("order"):
            j = r.next(i + 1)
            found = _measure_at(r, j + 1)
            r.take(i, j)
            if m.arg == "alpha" and found is None:
                before = r.at(_prev_index(r, i))
                _alphabetical(
                    r, before is not None and before.is_role("dir") and before.arg == "desc"
                )
                return j + 1
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
    if r.limit and m.is_role("by"):
        r.rank_by = True
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


def _own_or_parent(r: Reading, col: Col, text: str) -> Col:
    """A column to rank rows by: the subject's own or a parent's, never one repeated per child."""
    if col.table != r.subject.qualified_name and r.lex.graph.duplicates_rows_of(
        r.subject.qualified_name, [col.table]
    ):
        raise Refusal(f"{r.subject.name} has many '{text}' values (in {col.table}); which one?")
    return col


def _alphabetical(r: Reading, desc: bool = False) -> None:
    """ "the names of scientists in alphabetical order": by the first column listed."""
    if r.order:
        return
    if desc and r.sort_first:
        r.sort_desc = True
    plain = [o for o in r.outputs if not o.agg]
    if not plain and not r.sort_first:
        raise Refusal("I could not tell what to sort alphabetically; name the column.")
    if plain:
        r.order.append(Order(Measure("", plain[0].column), desc))


def _set_direction(r: Reading, desc: bool) -> None:
    if not r.order and r.sort_first:
        r.sort_desc = desc
        return
    counted = [o for o in r.outputs if o.agg]
    if r.count and not counted:
        counted = [Measure("count", None, r.subject.qualified_name)]
    if not r.order and len(counted) == 1:  # "... and the number of schools in descending order"
        r.order.append(Order(counted[0], desc))
        return
    plain = [o for o in r.outputs if not o.agg]
    if not r.order and plain and not r.group_by:
        r.order.append(Order(plain[0], desc))  # "the names of enzymes in descending order"
        return
    if not r.order:
        raise Refusal("I could not tell what to order by.")
    last = r.order[-1]
    r.order[-1] = Order(last.measure, desc)


def _direction(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    if not m.is_role("dir"):
        return None
    r.take(i)
    before = r.at(_prev_index(r, i))
    if m.arg == "alpha" and before is not None and before.is_role("dir"):
        return i + 1  # "descending alphabetical order"
    after = r.at(r.next(i + 1))
    if m.arg == "alpha" and after is not None and after.is_role("by"):
        return i + 1  # "ordered alphabetically by the name": the "by" names the column
    if m.arg == "alpha":
        _alphabetical(r)
        return i + 1
    if after is not None and after.is_role("by"):
        found = _measure_at(r, r.next(i + 1) + 1)  # "ordered descending by days held"
        if found is not None:
            r.take(r.next(i + 1))
            r.order.append(Order(found[0], m.arg == "desc"))
            return found[1]
    _set_direction(r, m.arg == "desc")
    return i + 1
