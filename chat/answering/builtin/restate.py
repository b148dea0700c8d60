"""Interpretation -> plain English: the one-line restatement shown as "Read as: ..." and a
human header per result column ("Number of customers", "Average capacity")."""

from __future__ import annotations

from dataclasses import replace

from .index import Lexicon
from .interpretation import Col, Filter, Interpretation, Measure, Subquery
from .linking import plural_phrase, split_identifier

AGG_WORDS = {"avg": "average", "sum": "total", "min": "minimum", "max": "maximum"}
OP_WORDS = {
    "=": "is", "!=": "is not", "<": "below", "<=": "at most", ">": "above", ">=": "at least",
    "in": "is one of", "notin": "is none of", "like": "matches", "years": "in",
}  # fmt: skip


def words(name: str) -> str:
    return " ".join(split_identifier(name))


def column_words(c: Col, it: Interpretation, lex: Lexicon) -> str:
    if c.period or c.label:  # "month", "revenue"
        return c.period or c.label
    own = words(c.column)
    if c.table == it.subject:
        return own
    return f"{words(lex.table(c.table).name)} {own}"


def measure_words(m: Measure, it: Interpretation, lex: Lexicon) -> str:
    if m.agg == "count" and m.column is None:
        return f"number of {plural_phrase(lex.table(m.table).name)}"
    what = column_words(m.column, it, lex)
    if m.column.defined:  # a DataPoint metric: its own name says the aggregate
        return what
    if m.agg == "count":
        return f"number of {'distinct ' if m.distinct else ''}{what} values"
    if m.agg:
        return f"{AGG_WORDS[m.agg]} {what}"
    return what


def label(m: Measure, it: Interpretation, lex: Lexicon) -> str:
    text = measure_words(m, it, lex)
    return text[:1].upper() + text[1:]


def column_labels(it: Interpretation, lex: Lexicon) -> list[str]:
    if it.outer:
        text = restate(it, lex)
        return [text[:1].upper() + text[1:]]
    if it.whole_rows:
        return []  # SELECT table.*: the column names say it
    return [label(m, it, lex) for m in it.outputs]


def _value(v) -> str:
    if isinstance(v, Subquery):
        return f"the {measure_words(v.measure, Interpretation('', ()), _NoLex())}"
    return repr(v) if isinstance(v, str) else str(v)


class _NoLex:
    def table(self, name):  # pragma: no cover - subqueries name their own columns
        raise KeyError(name)


def _filter_words(f: Filter, it: Interpretation, lex: Lexicon) -> str:
    if f.op == "or":
        return "either " + " or ".join(_filter_words(v, it, lex) for v in f.values)
    what = column_words(f.column, it, lex)
    if f.op == "between":
        return f"{what} between {f.values[0]} and {f.values[1]}"
    if f.op in ("like", "notlike"):
        pattern = str(f.values[0])
        inner = pattern.strip("%")
        how = (
            "contains"
            if pattern.startswith("%") and pattern.endswith("%")
            else "starts with"
            if pattern.endswith("%")
            else "ends with"
        )
        if f.op == "notlike":  # "does not contain 'M'"
            how = {"contains": "does not contain"}.get(how, how.replace("s ", " ", 1))
            how = how if how.startswith("does not") else f"does not {how}"
        return f"{what} {how} {inner!r}"
    if f.op == "years":
        return f"{what} in " + " or ".join(str(y) for y in f.values)
    if f.op == "sql":  # a DataPoint's condition: its name
        return f.column.label
    if f.op in ("null", "notnull"):
        return f"{what} is {'not ' if f.op == 'notnull' else ''}empty"
    values = ", ".join(
        f"the average {column_words(v.measure.column, it, lex)}"
        if isinstance(v, Subquery)
        else _value(v)
        for v in f.values
    )
    return f"{what} {OP_WORDS[f.op]} {values}"


def _needs_subject(m: Measure, it: Interpretation) -> bool:
    """Whether an output's words leave its rows unsaid: a bare column of the subject ("name")
    or a count of another table's rows. "number of tracks" and "genre name" say theirs, so
    "genre name and number of tracks of tracks" never happens."""
    if m.column is None:
        return m.table != it.subject
    return m.column.table == it.subject and not (m.column.period or m.column.label)


def restate(it: Interpretation, lex: Lexicon) -> str:
    if it.outer:  # "average number of orders per customer"
        columns = [c.column for c in it.group_by]
        edges = lex.graph.edges[it.subject]
        per = next((t for t, pairs in edges if [a for a, _ in pairs] == columns), "group")
        per = lex.table(per).name if per != "group" else per
        inner = replace(it, outer="", group_by=())
        return f"average {restate(inner, lex)} per {' '.join(split_identifier(per))}"
    subject = plural_phrase(lex.table(it.subject).name)
    # A DataPoint's condition on the rows themselves reads as a word before them: "churned".
    named = [f for f in it.filters if f.op == "sql" and f.column.table == it.subject]
    subject = " ".join([*(f.column.label for f in named), subject])
    if it.whole_rows:
        head = subject
    else:
        parts = [measure_words(m, it, lex) for m in it.outputs]
        own = plural_phrase(lex.table(it.subject).name)
        parts = [p.replace(f"number of {own}", f"number of {subject}", 1) for p in parts]
        head = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
        if it.distinct:
            head = "distinct " + head
        if any(_needs_subject(m, it) for m in it.outputs):
            head += f" of {subject}"
    clauses = [_filter_words(f, it, lex) for f in it.filters if f not in named]
    for r in it.related:
        clauses.append(
            f"{'with no' if r.negated else 'with'} {plural_phrase(lex.table(r.table).name)}"
        )
    text = head
    if clauses:
        text += " where " + " and ".join(clauses)
    if it.group_by:
        text += " for each " + " and ".join(column_words(c, it, lex) for c in it.group_by)
    for h in it.having:
        text += f" having {measure_words(h.measure, it, lex)} {OP_WORDS[h.op]} {h.value}"
    if it.order:
        o = it.order[0]
        what = measure_words(o.measure, it, lex)
        if it.limit:
            text += f", the {it.limit if it.limit > 1 else ''} {'highest' if o.desc else 'lowest'} by {what}".replace(
                "  ", " "
            )
        else:
            text += f", ordered by {what}{' descending' if o.desc else ''}"
    elif it.limit:
        text += f", first {it.limit}"
    if it.setop and it.other is not None:
        text += f" {'and also' if it.setop == 'intersect' else 'but not'} " + restate(it.other, lex)
    return text
