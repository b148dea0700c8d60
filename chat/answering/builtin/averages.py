"""Averages of counts: "the average number of orders per customer", "how many order items per
order on average" — the count per group, then the average of those counts."""

from __future__ import annotations

from dataclasses import replace

import sqlglot.expressions as exp

from .index import Lexicon
from .interpretation import Col, Interpretation
from .mentions import Mention


def split(ms: tuple[Mention, ...]) -> tuple[tuple[Mention, ...], Mention] | None:
    """(the question without its "average" and "per <table>", the table) when it asks for an
    average of a count per row of another table; None otherwise."""
    avg = [i for i, m in enumerate(ms) if m.is_role("agg") and m.arg == "avg"]
    count = [i for i, m in enumerate(ms) if m.is_role("count")]
    if len(avg) != 1 or len(count) != 1:
        return None
    per = [
        i
        for i, m in enumerate(ms[:-1])
        if m.is_role("group") and ms[i + 1].kind == "table" and len(ms[i + 1].tables) == 1
    ]
    if len(per) != 1 or not (avg[0] < count[0] < per[0] or count[0] < per[0] < avg[0]):
        return None
    drop = {avg[0], per[0], per[0] + 1}
    if avg[0] > 0 and ms[avg[0] - 1].text == "on":
        drop.add(avg[0] - 1)  # "on average"
    rest = tuple(m for i, m in enumerate(ms) if i not in drop)
    return rest, ms[per[0] + 1]


def per_own_row(ms: tuple[Mention, ...], lex: Lexicon, today, read) -> Interpretation | None:
    """ "the average quantity per order item": per row of the table averaged, so the average
    over its rows; None unless the question reads so without "per <table>"."""
    from .reader import Refusal

    at = [
        i
        for i, m in enumerate(ms[:-1])
        if m.is_role("group") and ms[i + 1].kind == "table" and len(ms[i + 1].tables) == 1
    ]
    if len(at) != 1:
        return None
    table = ms[at[0] + 1].tables[0]
    try:
        it = read(ms[: at[0]] + ms[at[0] + 2 :], lex, today)
    except Refusal:
        return None
    averaged = all(
        o.agg == "avg" and o.column is not None and o.column.table == it.subject for o in it.outputs
    )
    if it.subject != table.qualified_name or not averaged or it.group_by or it.group_rows:
        return None
    return it


def average_of_counts(it: Interpretation, group: Mention, lex: Lexicon) -> Interpretation:
    from .reader import Refusal

    table = group.tables[0]
    subject = lex.table(it.subject)
    counted = [o for o in it.outputs if o.agg == "count" and o.column is None]
    if len(it.outputs) != 1 or not counted or it.group_by or it.order or it.limit:
        raise Refusal("I can average a count per group only when the count is all that is asked.")
    # Foreign keys to the group's key: declared, or implied where an engine declares none.
    key = set(table.primary_key) or {c.name for c in table.columns if c.name.lower() == "id"}
    keys = [
        pairs
        for target, pairs in lex.graph.edges[it.subject]
        if target == table.qualified_name and {b for _, b in pairs} <= key
    ]
    if len(keys) != 1:
        raise Refusal(f"I could not tell how {subject.name} belong to {table.name}.")
    group_by = tuple(Col(it.subject, a) for a, _ in keys[0])
    return replace(it, group_by=group_by, outer="avg")


def wrap(inner: exp.Select) -> exp.Select:
    """SELECT ROUND(AVG(n), 2) FROM (<the count per group>)."""
    alias = inner.expressions[0].alias_or_name
    value = exp.Round(
        this=exp.Avg(this=exp.column(alias, quoted=True)), decimals=exp.Literal.number(2)
    )
    return exp.select(value.as_("average", quoted=True)).from_(inner.subquery("per_group"))
