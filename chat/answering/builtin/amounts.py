"""Amounts and periods once the question is read: which column "revenue" or "per month" means
for the subject (nearest on the foreign-key graph), the subject an amount implies when no table
is named, the sum over related rows a ranking needs, and the checks after reading (an amount
never added up over rows the joins repeat, a metric kept to its definition, "top 3", a
duration compared in the column's own unit)."""

from __future__ import annotations

from dataclasses import replace

from .index import Lexicon
from .interpretation import Col, Interpretation, Measure, Order
from .mentions import Mention
from .words import split_identifier


# -- resolving, in the reader ---------------------------------------------------------------
def column(r, m: Mention, prefer=None) -> Col:
    from .reader import Refusal

    anchor = prefer or r.subject
    if m.extra.get("period"):
        return _period(r, m, anchor)
    options = m.extra["options"]
    if anchor is None:  # the amount of the table most others connect to (orders, invoices)
        direct = [o for o, d in options if d]
        degree = {o: len(r.lex.graph.edges[o.table]) for o in direct}
        top = [o for o in direct if degree[o] == max(degree.values(), default=0)]
        if len({(o.table, o.column) for o in top}) != 1:
            raise Refusal(f"I could not tell which amount '{m.text}' is; name a column.")
        return top[0]
    dist = {o: r.lex.graph.distance(anchor.qualified_name, o.table) for o, _ in options}
    best = min(dist.values())
    if best >= 99:
        raise Refusal(f"'{m.text}' is not connected to {anchor.name}.")
    near = [(o, d) for o, d in options if dist[o] == best]
    near = [x for x in near if x[1]] or near
    if len({(o.table, o.column, o.times) for o, _ in near}) > 1:
        names = ", ".join(sorted({f"{r.lex.table(o.table).name}.{o.column}" for o, _ in near}))
        raise Refusal(f"'{m.text}' could mean {names}; please name the column.")
    return near[0][0]


def _period(r, m: Mention, anchor) -> Col:
    from .reader import Refusal

    if anchor is None:
        raise Refusal(f"I could not tell whose dates to group by {m.text}.")
    dates = r.lex.words.date_columns(anchor)
    if len(dates) != 1:
        raise Refusal(f"I could not tell which date of {anchor.name} to group by {m.text}.")
    return Col(anchor.qualified_name, dates[0].name, period=m.extra["period"])


def implied_subject(r):
    """No table named: the table of the amount asked about ("total revenue by country"), the
    one nearest the first column named ("which country has the most revenue": orders, whose
    customer's country is then shown)."""
    implied = [m for m in r.ms if m.extra.get("implied")]
    if not implied:
        return None
    others = [
        c.table for x in r.ms if x.kind == "column" and not x.extra and x.columns for c in x.columns
    ]
    anchors = {t.qualified_name: t for t in others}
    r.amount_subject = True
    return r.lex.table(column(r, implied[0], next(iter(anchors.values()), None)).table)


def amount(r, m: Mention) -> Measure | None:
    """An amount ranked per row of the subject: a row's own value, or the sum (a metric: its
    aggregate) of the related rows' values — "the customers who spent least"."""
    if not m.extra.get("implied"):
        return None
    col = column(r, m)
    agg = m.extra.get("agg", "sum")
    plain = [o.column for o in r.outputs if not o.agg]
    labels = {c.name for c in r.lex.words.label_columns(r.subject)}
    if plain and (r.which or any(c.column not in labels for c in plain)):
        # "which country has the most revenue", "top 3 countries by revenue": the column
        # named is the group; "top N" shows the amount beside it.
        r.group_by += [c for c in plain if c not in r.group_by]
        r.named_outputs = r.named_outputs and r.which
        r.ranking_output = True
        return Measure(agg, col)
    if col.table == r.subject.qualified_name or not r.lex.graph.duplicates_rows_of(
        r.subject.qualified_name, [col.table]
    ):
        return Measure(m.extra["agg"], col) if m.extra.get("agg") else Measure("", col)
    r.group_rows = True
    r.ranking_output = True
    return Measure(agg, col)


# -- after reading ----------------------------------------------------------------------------
def settle(it: Interpretation, lex: Lexicon, ms: tuple[Mention, ...]) -> Interpretation:
    from .reader import Refusal

    options = {m.extra["label"]: m.extra["options"] for m in ms if m.extra.get("implied")}
    swaps = {}
    for m in [*it.outputs, *(o.measure for o in it.order)]:
        if m.agg not in ("sum", "avg") or m.column is None:
            continue
        tables = it.tables() - {m.column.table}
        if not lex.graph.duplicates_rows_of(m.column.table, sorted(tables)):
            continue
        better = _undoubled(m.column, options.get(m.column.label, ()), it, lex)
        if better is None:
            raise Refusal(
                f"Adding up {lex.table(m.column.table).name} here would count a row once per "
                "related row; I won't give that number."
            )
        swaps[m] = replace(m, column=better)
    if swaps:
        it = replace(
            it,
            outputs=tuple(swaps.get(o, o) for o in it.outputs),
            order=tuple(Order(swaps.get(o.measure, o.measure), o.desc) for o in it.order),
        )
        moved = {m.column.table for m in swaps.values()}
        if len(moved) == 1 and it.subject not in replace(it, subject=next(iter(moved))).tables():
            # nothing else was asked of the first table: read from the rows added up
            if not (it.group_rows or it.related or it.whole_rows):
                it = replace(it, subject=next(iter(moved)))
    for metric in [m for m in ms if m.extra.get("implied") == "metric"]:
        own = metric.extra["options"][0][0]
        used = [
            x.column
            for x in [*it.outputs, *(o.measure for o in it.order)]
            if x.column is not None and x.column.label == own.label and x.column != own
        ]
        if used:  # a DataPoint metric added up from other rows: say so
            it = replace(it, notes=(*it.notes, _kept(own, used[0], it, lex, ms)))
    tops = [m.extra["top"] for m in ms if "top" in m.extra]
    if tops:
        it = _top(it, int(tops[0]), any(m.is_role("dir") and m.arg == "asc" for m in ms))
    periods = [c for c in it.group_by if c.period]
    if periods and not it.order:
        it = replace(it, order=tuple(Order(Measure("", c)) for c in periods))
    for m in ms:
        if m.extra.get("unit") and (m.extra["unit"] == "unknown" or not _unit_used(m, it)):
            raise Refusal(f"I could not tell which duration '{m.text}' is compared with.")
    return it


def _top(it: Interpretation, n: int, ascending: bool) -> Interpretation:
    from .reader import Refusal

    ranked = [o for o in it.outputs if o.agg]
    if it.limit or len(ranked) != 1 or not (it.group_by or it.group_rows):
        raise Refusal("I could not tell what to rank for 'top'; say e.g. 'top 3 X by Y'.")
    order = it.order or (Order(ranked[0], not ascending),)
    return replace(it, limit=n, order=order)


def _kept(metric: Col, used: Col, it: Interpretation, lex: Lexicon, ms) -> str:
    from .linking import plural_phrase
    from .restate import _filter_words

    filters = [f for m in ms if m.extra.get("label") == metric.label for f in m.extra["filters"]]
    where = " and ".join(_filter_words(f, it, lex) for f in filters)
    return (
        f"{metric.label.capitalize()} follows its definition{' where ' + where if where else ''}, "
        f"added up from {plural_phrase(lex.table(used.table).name)}: its own formula would "
        "count some rows more than once here."
    )


def _undoubled(col: Col, options, it: Interpretation, lex: Lexicon) -> Col | None:
    tables = it.tables() - {col.table}
    fits = [
        o
        for o, _ in options
        if not lex.graph.duplicates_rows_of(o.table, sorted(tables - {o.table}))
    ]
    if not fits:
        return None
    return min(fits, key=lambda o: lex.graph.distance(it.subject, o.table))


def _unit_used(m: Mention, it: Interpretation) -> bool:
    """A number said in minutes compares a duration column, in that column's unit."""
    from .vocabulary import DURATION_COLUMNS

    return any(
        set(split_identifier(f.column.column)) & set(DURATION_COLUMNS)
        and m.number in [v for v in f.values if isinstance(v, int | float)]
        for f in it.filters
    )
