"""DataPoints named in a question, as mentions the reader understands: a metric becomes an
amount with its own aggregate and filter ("revenue" = SUM(orders.total) of paid or shipped
orders), a glossary term a column, a value or a filter, a table synonym the table.

A point applies only when the question names it word for word and every table and column it
refers to exists in this schema (points.match_points), so a metric of another database never
leaks into this one's SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import sqlglot.expressions as exp

from connections.dialects import SQLGLOT_DIALECTS

from .index import ColumnRef, Lexicon, ValueRef
from .interpretation import Col, Filter
from .mentions import Mention
from .points import PointMatch, find_table, match_points
from .tokens import Token
from .vocabulary import options as money_options

AGGS = {exp.Sum: "sum", exp.Avg: "avg", exp.Min: "min", exp.Max: "max"}


def point_mentions(
    ms: tuple[Mention, ...], tokens: tuple[Token, ...], lex: Lexicon, points: Sequence, kind: str
) -> tuple[Mention, ...]:
    """The mentions with every span a DataPoint names replaced by the point's reading."""
    if not points:
        return ms
    words = [t.low for t in tokens]
    out = list(ms)
    for match in match_points(words, set(), points, lex.document, kind):
        inside = [m for m in out if match.start <= m.start and m.end <= match.end]
        crossing = [
            m for m in out if m.start < match.end and m.end > match.start and m not in inside
        ]
        made = _mention(match, lex, kind, " ".join(words[match.start : match.end]))
        if crossing or not inside or made is None:
            continue
        at = out.index(inside[0])
        out = out[:at] + [made] + [m for m in out[at:] if m not in inside]
    return tuple(out)


def _mention(match: PointMatch, lex: Lexicon, kind: str, text: str) -> Mention | None:
    at, end = match.start, match.end
    if match.kind == "metric":
        measured = _measured(match.expression, lex)
        if measured is None:
            return None
        agg, col = measured
        col = Col(col.table, col.column, times=col.times, label=match.name, defined=True)
        filters = _filters(match, lex, kind)
        table = lex.table(col.table)
        options = ((col, True),)
        if agg == "sum":  # per product, revenue adds up the order lines (see settle)
            options += tuple(
                (replace(o, label=match.name, defined=True), False)
                for o, direct in money_options(lex, "money", match.name)
                if not direct
            )
        return Mention(
            "column",
            at,
            end,
            text,
            columns=(ColumnRef(table, table.column(col.column)),),
            extra={
                "implied": "metric",
                "options": options,
                "label": match.name,
                "agg": agg,
                "filters": filters,
            },
        )
    if match.kind == "column":
        table, column = match.column
        col = Col(table.qualified_name, column.name, label=match.name)
        return Mention(
            "column",
            at,
            end,
            text,
            columns=(ColumnRef(table, column),),
            extra={"implied": "glossary", "options": ((col, True),), "label": match.name},
        )
    if match.kind == "value":
        table, column = match.column
        return Mention("value", at, end, text, values=(ValueRef(table, column, match.value),))
    if match.kind == "filter":
        # A condition of its own ("churned"): it adds a filter and asks nothing else.
        return Mention("function", at, end, text, extra={"filters": _filters(match, lex, kind)})
    if match.kind == "table":
        return Mention("table", at, end, text, tables=tuple(match.tables))
    return None


def _measured(expression: exp.Expression, lex: Lexicon) -> tuple[str, Col] | None:
    """AGG(t.c) or AGG(t.a * t.b): (aggregate, column); other formulas are not read."""
    agg = AGGS.get(type(expression))
    if agg is None:
        return None
    inner = expression.this
    if isinstance(inner, exp.Column):
        col = _col(inner, lex)
        return (agg, col) if col else None
    if isinstance(inner, exp.Mul):
        left, right = _col(inner.this, lex), _col(inner.expression, lex)
        if left and right and left.table == right.table:
            return agg, Col(left.table, left.column, times=right.column)
    return None


def _col(node: exp.Expression, lex: Lexicon) -> Col | None:
    if not isinstance(node, exp.Column):
        return None
    table = find_table(lex.document, node.table)
    if table is None:
        return None
    column = table.column(node.name)
    if column is None:
        column = next((c for c in table.columns if c.name.lower() == node.name.lower()), None)
    return Col(table.qualified_name, column.name) if column else None


def _filters(match: PointMatch, lex: Lexicon, kind: str) -> tuple[Filter, ...]:
    cond = match.condition
    if cond is None:
        return ()
    col = _col(cond.this, lex) if isinstance(cond, exp.In | exp.EQ) else None
    literals = cond.expressions if isinstance(cond, exp.In) else [cond.expression] if col else []
    if col and literals and all(isinstance(v, exp.Literal) for v in literals):
        values = tuple(v.this if v.is_string else float(v.this) for v in literals)
        op = "in" if isinstance(cond, exp.In) and len(values) > 1 else "="
        return (Filter(col, op, values),)
    tables = [t.qualified_name for t in match.tables]
    sql = cond.sql(dialect=SQLGLOT_DIALECTS[kind])
    return (Filter(Col(tables[0], "", label=match.name), "sql", (sql, *tables)),)
