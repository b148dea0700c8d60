"""The tail of a question, after its subject: conditions, grouping, ordering, ranking.

Each rule reads one clause at the cursor and returns where it ended, or None when the clause
is not its shape; the first rule that reads it wins. Whatever no rule reads stays unused and
ends in a refusal naming it (reader._finish).
"""

from __future__ import annotations

from .interpretation import Col, Filter, Measure
from .mentions import Mention
from .reader import Reading, Refusal


def read_tail(r: Reading, i: int, stop: int | None = None) -> None:
    from .comparisons import _aggregate_comparison, _comparison, _number_before_column
    from .dates import _relative_year, _year
    from .equals import _column_equals
    from .exists import _has_related
    from .mode_groups import _mode_of_group
    from .named_values import _values
    from .negated_links import _negated_link
    from .or_comparisons import _bound_before_column, _number_then_bound
    from .ordering import _direction, _order
    from .ranking import _having, _superlative
    from .relations import (
        _and_column,
        _and_table,
        _count_related,
        _late_outputs,
        _mode,
        _negated_related,
        _recent,
    )
    from .restated import _restated_outputs
    from .set_operations import _but_not
    from .text_match import _like
    from .trailing_each import _trailing_each

    rules = (
        _restated_outputs,
        _trailing_each,
        _late_outputs,
        _count_related,
        _recent,
        _mode,
        _mode_of_group,
        _order,
        _group,
        _superlative,
        _number_before_column,
        _number_then_bound,
        _bound_before_column,
        _aggregate_comparison,
        _having,
        _negated_link,
        _negated_related,
        _has_related,
        _comparison,
        _like,
        _values,
        _but_not,
        _column_equals,
        _year,
        _relative_year,
        _direction,
        _sample,
        _and_table,
        _and_column,
    )
    n = len(r.ms) if stop is None else stop
    either = None  # "whose genre is modern or language is English": (the "or", filters so far)
    while i < n:
        m = r.ms[i]
        if m.kind == "function" or m.is_role("and"):
            r.take(i)
            i += 1
            continue
        if m.is_role("or") and m.text == "or" and r.filters and i not in r.used:
            either = (i, len(r.filters))
            i += 1
            continue
        for rule in rules:
            end = rule(r, i)
            if end is not None:
                i = end
                if either is not None:  # the first condition read after the "or"
                    _either(r, *either)
                    either = None
                break
        else:
            i += 1  # left unused: refused at the end, naming it
    if any(f.op == "or" for f in r.filters) and len(r.filters) > 1:
        # "in East Julianaside, Texas or in Gleasonmouth, Arizona": which conditions the "or"
        # joins is not said by the words alone
        raise Refusal("I could not tell which conditions 'or' joins; ask for each separately.")


def _either(r: Reading, at: int, before: int) -> None:
    """Two conditions joined by "or" ("from Hartford or younger than 40"): one condition that
    either meets, when they are the only two, one on each side of the "or"; otherwise the
    "or" stays unread and the question is refused."""
    if before != 1 or len(r.filters) != before + 1:
        return
    first, second = r.filters[before - 1], r.filters[before]
    if first.op == "or" or second.op == "or":
        return
    said_at = r.next(at + 1)
    said = r.at(said_at)
    named_at = r.next(said_at + 1)  # "or with black membership card": the column is said
    named = r.at(named_at) is not None and r.ms[named_at].kind == "column" and named_at in r.used
    if said is not None and said.kind in ("value", "literal") and first.column != second.column:
        if not named:
            return  # "in Germany or enterprise": a bare value of another column
    r.filters[before - 1 :] = [Filter(first.column, "or", (first, second))]
    r.take(at)


# -- small readers ---------------------------------------------------------------------------
def _measure_at(r: Reading, i: int) -> tuple[Measure, int] | None:
    """A column, "the number of <table>", "the average <column>" at i: (measure, end)."""
    j = r.next(i)
    m = r.at(j)
    if m is None:
        return None
    if m.kind == "column":
        r.take(j)
        if m.extra.get("implied"):  # "by revenue": per row, or summed over related rows
            from .vocabulary import amount

            return amount(r, m), j + 1
        return Measure("", r.col(m)), j + 1
    if m.is_role("count"):
        from .restated import bare_count

        if (said := bare_count(r, j)) is not None:
            r.take(j)
            return said, j + 1
        k = r.next(j + 1)
        t = r.at(k)
        if t is not None and t.kind == "table" and len(t.tables) == 1:
            r.take(j, k)
            table = t.tables[0]
            # "in descending order of the count of companies in each industry": the count of
            # the subject's rows per group (refused at the end if no group is said).
            return Measure("count", None, table.qualified_name), k + 1
        return None
    if m.is_role("agg") and m.arg in ("avg", "sum", "max", "min"):
        k = r.next(j + 1)
        c = r.at(k)
        if c is not None and c.kind == "column":
            r.take(j, k)
            return Measure(m.arg, r.col(c)), k + 1
    return None


def _adjective_column(r: Reading, m: Mention) -> Col:
    words, _direction = m.adjective
    found = []
    for table in [r.subject]:
        for c in table.columns:
            from .index import name_words

            if set(name_words(c.name)) & set(words) and r.lex.is_numeric(c):
                found.append(c)
    if len(found) != 1:
        raise Refusal(f"I could not tell which column '{m.text}' compares.")
    return r.ref(r.subject, found[0].name)


def _number(r: Reading, i: int) -> tuple[float, int] | None:
    j = r.next(i)
    m = r.at(j)
    if m is not None and m.kind == "number":
        r.take(j)
        return m.number, j + 1
    return None


# -- rules -----------------------------------------------------------------------------------
def _group(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    if not m.is_role("group", "by"):
        return None
    j = r.next(i + 1)
    g = r.at(j)
    if g is None:
        return None
    if g.kind == "table" and g.tables == (r.subject,) and not any(o.agg for o in r.outputs):
        # "the name and budget of each department", "requested by all entrepreneurs",
        # "payment methods used by customers": every row of the subject, no grouping.
        before = _prev_index(r, i)
        verb = before >= 0 and r.ms[before].kind == "unknown" and r.ms[before].text.endswith("ed")
        r.take(i, j, *([before] if verb and m.text == "by" else []))
        return j + 1
    r.group_first = r.group_first or m.text in ("by", "per")
    if g.kind == "column":
        col = r.col(g)
        r.group_by.append(col)
        r.take(i, j)
        return j + 1
    after = r.at(j + 1)
    if (
        m.text == "by"
        and g.kind == "table"
        and after is not None
        and (
            after.text in ("with", "whose", "who", "that", "named", "called")
            or after.kind == "value"
        )
    ):
        return None  # "accounts by the customer with first name X": whose, not per which
    if g.kind == "table" and len(g.tables) == 1 and g.tables[0] is not r.subject:
        table = g.tables[0]
        linked = _columns_into(r, table)
        named = [o.column for o in r.outputs if not o.agg and o.column.column in linked]
        if named:  # "the invoice number and the number of transactions for each invoice"
            r.group_by += [c for c in named if c not in r.group_by]
            r.take(i, j)
            return j + 1
        labels = r.lex.words.label_columns(table)
        if all(c.name in table.primary_key or c.name.lower() == "id" for c in labels):
            if len(linked) == 1 and m.text != "by":  # "the number of transactions for each
                # investor": the key is all there is to show, and the subject holds it
                # ("used by the customer X" names who, not a group)
                r.group_by.append(r.ref(r.subject, next(iter(linked))))
                r.take(i, j)
                return j + 1
            raise Refusal(f"{table.name} has no name-like column to show per group; name one.")
        r.group_by += [r.ref(table, c.name) for c in labels]
        from .traces import fired

        fired("group:by-table-labels" + (":several" if len(labels) > 1 else ""))
        r.take(i, j)
        return j + 1
    return None


def _columns_into(r: Reading, table) -> set[str]:
    """The subject's columns that reference `table` by a foreign key."""
    return {
        c for fk in r.subject.foreign_keys if fk.referred_table == table.name for c in fk.columns
    }


def _num(value: float):
    return int(value) if float(value).is_integer() else value


def _prev_index(r: Reading, i: int) -> int:
    j = i - 1
    while j >= 0 and r.ms[j].kind == "function":
        j -= 1
    return j


def _sample(r: Reading, i: int) -> int | None:
    """ "show 5 sample rows from customers": a few whole rows."""
    m = r.ms[i]
    if not m.is_role("sample"):
        return None
    r.take(i)
    r.limit = r.limit or 5
    r.sample = True
    return i + 1
