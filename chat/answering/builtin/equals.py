"""Equalities in the tail of a question: "whose id is 5", "with name 'Bob'", "named 'X'",
"the competition called 'X'", "'A' or 'B'", "not in the country 'Iceland'"."""

from __future__ import annotations

from .clauses import _num, _prev_index
from .interpretation import Col, Filter
from .mentions import Mention
from .named_values import _many
from .reader import Reading, _name_like
from .year_columns import _event_verb, _holds_years


def _stored_in(r: Reading, m: Mention, v: Mention | None) -> Col | None:
    """ "the document with name 'How to read a book'": of the columns the word can mean, the
    one that holds the quoted value (document_name, not an employee's name)."""
    if v is None or v.kind != "literal" or not v.values:
        return None
    said = {(c.table.qualified_name, c.column.name) for c in m.columns}
    from .index import name_words
    from .words import singular

    # Every word said must be in the column's name: "last name 'Emma'" is not first_name
    # because 'Emma' is stored there (sharing "name" is not enough); the named column wins.
    words = {singular(w) for w in m.text.split()}
    holding = {
        (x.table.qualified_name, x.column.name)
        for x in v.values
        if (x.table.qualified_name, x.column.name) in said
        or words <= set(name_words(x.column.name))
    }
    near = [h for h in holding if r.lex.graph.distance(r.subject.qualified_name, h[0]) <= 1]
    return Col(*near[0]) if len(near) == 1 else None


def _column_equals(r: Reading, i: int) -> int | None:
    """ "whose id is 5", "with name 'Bob'", "named 'Bob'"."""
    m = r.ms[i]
    if m.kind == "column":
        j = r.next(i + 1)
        col = _stored_in(r, m, r.at(j)) or r.col(m)
    elif m.is_role("named"):
        j = r.next(i + 1)
        v = r.at(j)
        own = [x for x in (v.values if v is not None else ()) if x.table is r.subject]
        if "name" in m.text.split():
            from .index import name_words

            # "whose name is 'Banking'" says the column: not industry, though 'Banking' is
            # stored there ("named"/"called" say no column and take the one holding it).
            own = [x for x in own if "name" in name_words(x.column.name)]
        names = _name_like(r)
        if len({x.column.name for x in own}) == 1:
            col = r.ref(r.subject, own[0].column.name)
        elif len(names) == 1 and not (v is not None and v.values):
            col = r.ref(r.subject, names[0].name)
        else:
            return None
    else:
        return None
    v = r.at(j)
    if m.kind == "column" and v is not None and v.is_role("named"):
        named_at, j = j, r.next(j + 1)
        v = r.at(j)
        # "the competition called 'X'": "called" compares a name; "the zip code county named
        # 'Howard'" would compare Zip_code with a name another column holds: not placed.
        from .index import name_words

        held = v is not None and any(
            (x.table.qualified_name, x.column.name) == (col.table, col.column) for x in v.values
        )
        if not {"name", "title"} & set(name_words(col.column)) and not held and v and v.values:
            return None
        r.take(named_at)
    if v is not None and v.is_role("cmp") and v.arg == "=":
        r.take(j)
        j = r.next(j + 1)
        v = r.at(j)
    if v is None:
        return None
    if v.kind == "number":
        value = _num(v.number)
    elif v.kind == "literal":
        value = v.text
        if v.values:
            hit = [
                x.value
                for x in v.values
                if (x.table.qualified_name, x.column.name) == (col.table, col.column)
            ]
            value = hit[0] if hit else value
    else:
        return None
    values, end = [value], j + 1
    k = r.next(end)
    while r.at(k) is not None and r.ms[k].is_role("or") and r.at(r.next(k + 1)) is not None:
        nxt = r.ms[r.next(k + 1)]  # "named 'Kolob Arch' or 'Rainbow Bridge'"
        if nxt.kind != v.kind or v.kind not in ("literal", "number"):
            break
        values.append(_num(nxt.number) if nxt.kind == "number" else _stored(nxt, col))
        r.take(k)
        end = r.next(k + 1) + 1
        r.take(end - 1)
        k = r.next(end)
    before = _prev_index(r, i)
    negated = before >= 0 and before not in r.used and r.ms[before].is_role("neg")
    if negated and _many(r, col):
        return None  # "except those having an institution founded in 2003": an anti-join
    if negated:  # "not in the country 'Iceland'"
        r.take(before)
    if v.kind == "number" and _holds_years(r, col) and col.table == r.subject.qualified_name:
        _event_verb(r, i)  # "wines produced in the year 2008"
    r.take(i, j)
    if len(values) > 1:
        op = "notin" if negated else "in"
        r.filters.append(Filter(col, op, tuple(dict.fromkeys(values)), keep_nulls=negated))
    else:
        op = "!=" if negated else "="
        r.filters.append(Filter(col, op, (value,), keep_nulls=negated))
    return end


def _stored(v: Mention, col: Col):
    """A quoted value as stored in the column (case), else as written."""
    hit = [
        x.value
        for x in v.values
        if (x.table.qualified_name, x.column.name) == (col.table, col.column)
    ]
    return hit[0] if hit else v.text
