"""Rows of the subject that have related rows: "customers who have an account", "customers
with any account", "users who had some tweets" (EXISTS along the foreign keys). Only when the
other table ends the question: a condition after it could be about either table."""

from __future__ import annotations

from .interpretation import Related
from .reader import Reading, one_link

DETERMINERS = ("a", "an", "any", "some")


def _has_related(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    if m.kind != "table" or len(m.tables) != 1 or m.tables[0] is r.subject:
        return None
    before = r.ms[i - 1] if i > 0 else None
    verb = r.ms[i - 2] if i > 1 else None
    if before is None or not before.is_fn(*DETERMINERS):
        if not (before is not None and before.is_fn("have", "has", "had")):
            return None  # "who have accounts" without a determiner
    elif verb is None or not verb.is_fn("have", "has", "had", "with"):
        return None
    if any(x.kind != "function" for x in r.ms[i + 1 :]):
        return None
    table = m.tables[0].qualified_name
    if r.lex.graph.distance(r.subject.qualified_name, table) > 2 or not one_link(r, table):
        return None
    r.take(i)
    r.related.append(Related(table, negated=False))
    return i + 1
