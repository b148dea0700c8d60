"""Interpretation -> SQL: a join plan over the foreign-key graph, a sqlglot AST, and its text
in the target dialect (ClickHouse 18: one JOIN per SELECT, averages in Float64)."""

from __future__ import annotations

import sqlglot
import sqlglot.expressions as exp

from connections.dialects import SQLGLOT_DIALECTS, dialect_class

from . import averages, periods
from .index import Lexicon
from .interpretation import Col, Filter, Interpretation, Measure, Related, Subquery
from .reader import Refusal
from .sqlbuild import col as column_ref
from .sqlbuild import float_averages, nest_joins, rename_outside

AGGS = {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}
COMPARE = {"=": exp.EQ, "!=": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}


def compile_sql(it: Interpretation, lex: Lexicon, kind: str) -> str:
    tree = build(it, lex, kind)
    dialect = dialect_class(kind)
    if dialect.max_joins_per_select == 1:
        if isinstance(tree, exp.Select):
            nested = nest_joins(tree)
            if nested is None:
                raise Refusal(
                    "On ClickHouse 18 this needs more than one JOIN per query, which I can "
                    "only nest when the columns are named; ask for the columns instead."
                )
            tree = rename_outside(nested)
    if dialect.truncating_decimal_average:
        tree = float_averages(tree)
    return tree.sql(dialect=SQLGLOT_DIALECTS[kind])


def build(it: Interpretation, lex: Lexicon, kind: str) -> exp.Expression:
    left = periods.in_dialect(_select(it, lex, kind), kind)
    if it.outer:
        left = averages.wrap(left)
    if it.setop and it.other is not None:
        right = _select(it.other, lex, kind)
        op = exp.Intersect if it.setop == "intersect" else exp.Except
        return op(this=left, expression=right, distinct=True)
    return left


def ref(c: Col, lex: Lexicon) -> exp.Expression:
    target = column_ref(lex.table(c.table), c.column)
    if c.times:  # price * quantity
        target = exp.Mul(this=target, expression=column_ref(lex.table(c.table), c.times))
    return periods.placeholder(target, c.period) if c.period else target


def _select(it: Interpretation, lex: Lexicon, kind: str) -> exp.Select:
    subject = lex.table(it.subject)
    others = sorted(it.tables() - {it.subject})
    select = exp.select().from_(subject.sql_ref(kind))
    joined = lex.graph.join(select, it.subject, others, kind)
    if joined is None:
        raise Refusal("The tables this question needs are not connected by foreign keys.")
    select = joined
    fanout = bool(others) and lex.graph.duplicates_rows_of(it.subject, others)
    key = subject.primary_key or [c.name for c in subject.columns if c.name.lower() == "id"]

    def measure(m: Measure) -> exp.Expression:
        if m.agg == "count" and m.column is None:
            if m.table == it.subject and fanout and len(key) == 1 and not it.group_rows:
                return exp.Count(this=exp.Distinct(expressions=[column_ref(subject, key[0])]))
            return exp.Count(this=exp.Star())
        target = ref(m.column, lex)
        if m.agg == "count":
            inner = exp.Distinct(expressions=[target]) if m.distinct else target
            return exp.Count(this=inner)
        if m.agg in AGGS:
            if m.agg in ("sum", "avg") and fanout and m.column.table == it.subject:
                raise Refusal(
                    f"Adding up {subject.name} across the tables joined would count a row "
                    "once per related row; I won't give that number."
                )
            value = AGGS[m.agg](this=target)
            if m.agg == "avg" and not m.column.defined:
                value = exp.Round(this=value, decimals=exp.Literal.number(2))
            return value
        return target

    names: dict[Measure, str] = {}
    outputs = []
    if it.whole_rows:
        outputs.append(
            exp.Column(this=exp.Star(), table=exp.to_identifier(subject.name, quoted=True))
        )
    plain_names = [o.column.column for o in it.outputs if not o.agg]
    for number, m in enumerate(it.outputs):
        if m.agg:
            alias = _alias(m, number, lex)
        elif plain_names.count(m.column.column) > 1:
            alias = f"{lex.table(m.column.table).name}_{m.column.column}"
        else:
            alias = m.column.period or m.column.column
        names[m] = alias
        outputs.append(measure(m).as_(alias, quoted=True))
    select = select.select(*outputs)
    if it.distinct or (fanout and it.whole_rows and not it.group_rows):
        select = select.distinct()
    conditions = [_condition(f, lex, kind) for f in it.filters]
    conditions += [_exists(r, it, lex, kind) for r in it.related]
    if conditions:
        select = select.where(*conditions)
    groups = [ref(c, lex) for c in it.group_by]
    if it.group_rows:
        if key:
            groups = [column_ref(subject, k) for k in key] + groups
        groups += [
            ref(o.column, lex) for o in it.outputs if not o.agg and o.column not in it.group_by
        ]
    if groups:
        select = select.group_by(*_unique(groups))
    for h in it.having:
        cls = COMPARE[h.op]
        select = select.having(cls(this=measure(h.measure), expression=_literal(h.value)))
    for o in it.order:
        target = (
            exp.column(names[o.measure], quoted=True) if o.measure in names else measure(o.measure)
        )
        # The database's own place for NULLs (SQLite and MySQL: first when ascending), so
        # the SQL reads as written by hand and sorts as such a query would.
        nulls_first = (not o.desc) if dialect_class(kind).nulls_sort_small else None
        select = select.order_by(exp.Ordered(this=target, desc=o.desc, nulls_first=nulls_first))
    if it.limit:
        select = select.limit(it.limit)
    return select


def _unique(expressions: list[exp.Expression]) -> list[exp.Expression]:
    seen, out = set(), []
    for e in expressions:
        if e.sql() not in seen:
            seen.add(e.sql())
            out.append(e)
    return out


def _alias(m: Measure, number: int, lex: Lexicon) -> str:
    if m.column is not None and m.column.label:  # "revenue", "average order value"
        return "_".join(m.column.label.lower().split())
    what = "count" if m.column is None else m.column.column.lower()
    return f"{m.agg}_{what}" if m.column is not None else f"{lex.table(m.table).name.lower()}_count"


def _literal(value) -> exp.Expression:
    if isinstance(value, bool):
        return exp.Literal.number(int(value))
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def _condition(f: Filter, lex: Lexicon, kind: str) -> exp.Expression:
    if f.op == "or":  # either of two conditions
        return exp.paren(exp.or_(*[_condition(v, lex, kind) for v in f.values]))
    target = ref(f.column, lex)
    column = lex.table(f.column.table).column(f.column.column)
    values = [_subquery(v, lex, kind) if isinstance(v, Subquery) else _literal(v) for v in f.values]
    if f.op == "between":
        cond = exp.Between(this=target, low=values[0], high=values[1])
    elif f.op in ("like", "notlike"):
        cond = exp.Like(this=target, expression=values[0])
        if f.op == "notlike":
            cond = exp.Not(this=cond)
    elif f.op in ("in", "notin"):
        cond = exp.In(this=target, expressions=values)
        if f.op == "notin":
            cond = exp.Not(this=cond)
    elif f.op == "years":  # whole calendar years, adjacent ones merged
        spans: list[list[int]] = []
        for y in sorted(f.values):
            if spans and y <= spans[-1][1] + 1:
                spans[-1][1] = y
            else:
                spans.append([y, y])
        parts = [
            exp.and_(
                exp.GTE(this=target.copy(), expression=exp.Literal.string(f"{lo}-01-01")),
                exp.LT(this=target.copy(), expression=exp.Literal.string(f"{hi + 1}-01-01")),
            )
            for lo, hi in spans
        ]
        cond = parts[0] if len(parts) == 1 else exp.paren(exp.or_(*[exp.paren(p) for p in parts]))
    elif f.op == "sql":  # a DataPoint's own condition
        cond = exp.paren(sqlglot.parse_one(f.values[0], read=SQLGLOT_DIALECTS[kind]))
    elif f.op == "null":
        cond = exp.Is(this=target, expression=exp.Null())
    elif f.op == "notnull":
        cond = exp.Not(this=exp.Is(this=target, expression=exp.Null()))
    else:
        cond = COMPARE[f.op](this=target, expression=values[0])
    if f.keep_nulls and column is not None and column.nullable:
        cond = exp.paren(exp.or_(cond, exp.Is(this=target.copy(), expression=exp.Null())))
    return cond


def _subquery(sub: Subquery, lex: Lexicon, kind: str) -> exp.Expression:
    m = sub.measure
    table = lex.table(m.column.table)
    inner = exp.select(AGGS[m.agg](this=ref(m.column, lex))).from_(table.sql_ref(kind))
    if sub.filters:
        inner = inner.where(*[_condition(f, lex, kind) for f in sub.filters])
    return exp.Subquery(this=inner)


def _exists(rel: Related, it: Interpretation, lex: Lexicon, kind: str) -> exp.Expression:
    """NOT EXISTS (SELECT 1 FROM <path to rel> WHERE <first hop> = <subject's key>)."""
    hops = lex.graph.path(it.subject, rel.table)
    if not hops:
        raise Refusal(f"{rel.table} is not connected to {it.subject} by foreign keys.")
    _, first, pairs = hops[0]
    subject, near = lex.table(it.subject), lex.table(first)
    inner = exp.select(exp.Literal.number(1)).from_(near.sql_ref(kind))
    for before, after, more in hops[1:]:
        b, a = lex.table(before), lex.table(after)
        on = exp.and_(
            *[exp.EQ(this=column_ref(b, x), expression=column_ref(a, y)) for x, y in more]
        )
        inner = inner.join(a.sql_ref(kind), on=on, join_type="inner")
    where = [exp.EQ(this=column_ref(near, y), expression=column_ref(subject, x)) for x, y in pairs]
    where += [_condition(f, lex, kind) for f in rel.filters]
    inner = inner.where(*where)
    found = exp.Exists(this=inner)
    return exp.Not(this=found) if rel.negated else found
