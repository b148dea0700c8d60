"""Calendar periods of a date column ("per month", "monthly", "by year") in each dialect.

The compiler marks a period while it builds the query (it knows the column, not yet the
dialect's function) and renders every mark for the target dialect at the end."""

from __future__ import annotations

import sqlglot.expressions as exp

from connections.dialects import dialect_class

MARK = "datachat_period_"


def placeholder(target: exp.Expression, period: str) -> exp.Expression:
    return exp.Anonymous(this=MARK + period, expressions=[target])


def in_dialect(tree: exp.Expression, kind: str) -> exp.Expression:
    dialect = dialect_class(kind)

    def render(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and str(node.this).startswith(MARK):
            period = str(node.this)[len(MARK) :]
            inner = node.expressions[0]
            return dialect.month_start(inner) if period == "month" else dialect.year_of(inner)
        return node

    return tree.transform(render)
