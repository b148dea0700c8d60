"""The one intermediate form: what a question asks, independent of any SQL dialect.

Tables are referred to by qualified name and columns by (table, column) names, so an
Interpretation is a plain value: two readings are equal exactly when they ask the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Col:
    table: str  # qualified name
    column: str
    period: str = ""  # month | year: the column's dates grouped by calendar month or year
    times: str = ""  # another column of the table it is multiplied by (price * quantity)
    label: str = field(default="", compare=False)  # what the question called it ("revenue")
    defined: bool = False  # a DataPoint metric's: its aggregate exactly as defined (no ROUND)


@dataclass(frozen=True)
class Measure:
    """A value per result row: a column, an aggregate of one, or a count of rows.

    agg "" is the plain column; "count" with column None counts rows of `table` (the subject,
    or a related table counted per subject row: "the artist with the most albums")."""

    agg: str = ""  # "" | count | sum | avg | min | max
    column: Col | None = None
    table: str = ""  # for counts of rows
    distinct: bool = False


@dataclass(frozen=True)
class Subquery:
    """A nested single value: (SELECT AVG(price) FROM products [WHERE ...])."""

    measure: Measure
    filters: tuple[Filter, ...] = ()


@dataclass(frozen=True)
class Filter:
    column: Col
    op: str  # = != < <= > >= between like notlike in notin null notnull years sql
    # sql: values = (condition text from a DataPoint, the tables it reads...)
    values: tuple = ()  # literals; for like: the pattern; for a nested comparison: Subquery
    keep_nulls: bool = False  # "not X": rows where the column is NULL are not X either


@dataclass(frozen=True)
class Having:
    measure: Measure
    op: str
    value: float


@dataclass(frozen=True)
class Order:
    measure: Measure
    desc: bool = False


@dataclass(frozen=True)
class Related:
    """Rows of the subject with (or without) matching rows in another table: EXISTS /
    NOT EXISTS along the foreign keys, with the other table's own conditions."""

    table: str
    negated: bool
    filters: tuple[Filter, ...] = ()


@dataclass(frozen=True)
class Interpretation:
    subject: str  # the table whose rows are listed, counted or measured
    outputs: tuple[Measure, ...]
    filters: tuple[Filter, ...] = ()
    related: tuple[Related, ...] = ()
    group_by: tuple[Col, ...] = ()
    group_rows: bool = False  # grouped per subject row (by its key): counts of related rows
    having: tuple[Having, ...] = ()
    order: tuple[Order, ...] = ()
    limit: int | None = None
    distinct: bool = False
    whole_rows: bool = False  # SELECT subject.* (no column named)
    outer: str = ""  # avg: the average of the per-group values ("orders per customer")
    setop: str = ""  # intersect | except
    other: Interpretation | None = None  # the right side of a set operation
    notes: tuple[str, ...] = field(default=(), compare=False)

    def tables(self) -> set[str]:
        """Every table the main query reads (not those inside EXISTS or subqueries)."""
        found = {self.subject}
        measures = [
            *self.outputs,
            *(o.measure for o in self.order),
            *(h.measure for h in self.having),
        ]
        for m in measures:
            if m.column is not None:
                found.add(m.column.table)
            if m.table:
                found.add(m.table)
        found |= {f.column.table for f in self.filters}
        found |= {v.column.table for f in self.filters if f.op == "or" for v in f.values}
        found |= {t for f in self.filters if f.op == "sql" for t in f.values[1:]}
        found |= {c.table for c in self.group_by}
        return found
