"""An aggregate over the rows of the most (least) common value: "the total access count of
documents in the most popular document type", "how many customers are there in the customer
type with the most customers", "the average price of products with the least common
category". GROUP BY the column, ORDER BY how many rows each value holds, the first group:
the aggregate asked is that group's.

Only when everything asked is an aggregate (a listed column would be another reading: the
rows whose value is the most common one).
"""

from __future__ import annotations

from .interpretation import Col, Measure, Order
from .reader import Reading


def _mode_of_group(r: Reading, i: int) -> int | None:
    if not _only_aggregates(r) or r.group_by or r.order or r.group_rows:
        return None
    m = r.ms[i]
    if m.is_role("mode"):  # "in the most popular document type"
        j = r.next(i + 1)
        col = _grouping_column(r, j)
        if col is None:
            return None
        return _group(r, col, m.arg == "desc", (i, j), j + 1)
    col = _grouping_column(r, i)
    if col is None:
        return None
    j = r.next(i + 1)
    after = r.at(j)
    if after is not None and after.is_role("mode") and r.next(j + 1) == len(r.ms):
        return _group(r, col, after.arg == "desc", (i, j), j + 1)  # "the type that is most common"
    t = r.at(r.next(j + 1))
    if (
        after is not None
        and after.is_role("agg")
        and after.text in ("most", "least", "fewest")
        and t is not None
        and t.kind == "table"
        and t.tables == (r.subject,)
    ):  # "in the customer type with the most customers"
        k = r.next(j + 1)
        return _group(r, col, after.text == "most", (i, j, k), k + 1)
    return None


def _only_aggregates(r: Reading) -> bool:
    if r.outputs:
        return all(o.agg for o in r.outputs)
    return r.count


def _grouping_column(r: Reading, j: int) -> Col | None:
    """The subject's column named at j, or its one foreign key into the table named there."""
    m = r.at(j)
    if m is None:
        return None
    if m.kind == "column":
        own = [c for c in m.columns if c.table is r.subject]
        if len(own) != 1:
            return None
        return r.ref(r.subject, own[0].column.name)
    if m.kind == "table" and len(m.tables) == 1 and m.tables[0] is not r.subject:
        keys = [fk for fk in r.subject.foreign_keys if fk.referred_table == m.tables[0].name]
        if len(keys) == 1 and len(keys[0].columns) == 1:
            return r.ref(r.subject, keys[0].columns[0])
    return None


def _group(r: Reading, col: Col, desc: bool, taken: tuple[int, ...], end: int) -> int:
    r.take(*taken)
    r.group_by.append(col)
    r.order.append(Order(Measure("count", None, r.subject.qualified_name), desc))
    r.limit = r.limit or 1
    r.unshown_groups.append(col)  # only the aggregate asked is shown, not the group's value
    return end
