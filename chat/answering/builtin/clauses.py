"""The tail of a question, after its subject: conditions, grouping, ordering, ranking.

Each rule reads one clause at the cursor and returns where it ended, or None when the clause
is not its shape; the first rule that reads it wins. Whatever no rule reads stays unused and
ends in a refusal naming it (reader._finish).
"""

from __future__ import annotations

from .interpretation import Col, Having, Measure, Order, Related
from .mentions import Mention
from .reader import Reading, Refusal


def read_tail(r: Reading, i: int, stop: int | None = None) -> None:
    from .conditions import _column_equals, _comparison, _like, _values
    from .dates import _relative_year, _year

    rules = (
        _late_outputs,
        _mode,
        _order,
        _group,
        _superlative,
        _having,
        _negated_related,
        _comparison,
        _like,
        _values,
        _column_equals,
        _year,
        _relative_year,
        _direction,
        _sample,
        _and_table,
        _and_column,
    )
    n = len(r.ms) if stop is None else stop
    while i < n:
        m = r.ms[i]
        if m.kind == "function" or m.is_role("and"):
            r.take(i)
            i += 1
            continue
        for rule in rules:
            end = rule(r, i)
            if end is not None:
                i = end
                break
        else:
            i += 1  # left unused: refused at the end, naming it


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
def _order(r: Reading, i: int) -> int | None:
    """ "ordered by age", "sorted by the number of albums", "in descending order of price"."""
    m = r.ms[i]
    if not (m.is_role("order") or (m.is_role("by") and (r.limit or r.order_pending))):
        if m.is_role("dir") and r.at(r.next(i + 1)) and r.ms[r.next(i + 1)].is_role("order"):
            j = r.next(i + 1)
            found = _measure_at(r, j + 1)
            r.take(i, j)
            if m.arg == "alpha" and found is None:
                before = r.at(_prev_index(r, i))
                _alphabetical(
                    r, before is not None and before.is_role("dir") and before.arg == "desc"
                )
                return j + 1
            if found is None:  # "by age in descending order": the direction of the last
                _set_direction(r, m.arg == "desc")
                return j + 1
            r.order.append(Order(found[0], desc=m.arg == "desc"))
            return found[1]
        return None
    found = _measure_at(r, i + 1)
    if found is None:
        if m.is_role("order"):
            r.take(i)
            r.order_pending = True
            return i + 1
        return None
    r.take(i)
    measure, end = found
    desc = False
    k = r.next(end)
    d = r.at(k)
    if d is not None and d.is_role("dir"):
        desc = d.arg == "desc"
        r.take(k)
        end = k + 1
        k2 = r.next(end)
        if r.at(k2) is not None and r.ms[k2].is_role("order"):
            r.take(k2)
            end = k2 + 1
    elif r.limit and m.is_role("by"):
        desc = True  # "top 5 countries by number of customers"
    if r.limit and m.is_role("by"):
        r.rank_by = True
    if (
        r.limit
        and m.is_role("by")
        and not measure.agg
        and measure.column.table != r.subject.qualified_name
    ):
        # "top 5 products by quantity": the quantities of each product's rows, added up.
        if r.lex.graph.duplicates_rows_of(r.subject.qualified_name, [measure.column.table]):
            measure = Measure("sum", measure.column)
            r.group_rows = True
            r.ranking_output = True
    if measure.agg and measure.table and measure.table != r.subject.qualified_name:
        r.group_rows = True
        r.ranking_output = True
    r.order.append(Order(measure, desc))
    return end


def _own_or_parent(r: Reading, col: Col, text: str) -> Col:
    """A column to rank rows by: the subject's own or a parent's, never one repeated per child."""
    if col.table != r.subject.qualified_name and r.lex.graph.duplicates_rows_of(
        r.subject.qualified_name, [col.table]
    ):
        raise Refusal(f"{r.subject.name} has many '{text}' values (in {col.table}); which one?")
    return col


def _alphabetical(r: Reading, desc: bool = False) -> None:
    """ "the names of scientists in alphabetical order": by the first column listed."""
    if r.order:
        return
    if desc and r.sort_first:
        r.sort_desc = True
    plain = [o for o in r.outputs if not o.agg]
    if not plain and not r.sort_first:
        raise Refusal("I could not tell what to sort alphabetically; name the column.")
    if plain:
        r.order.append(Order(Measure("", plain[0].column), desc))


def _set_direction(r: Reading, desc: bool) -> None:
    if not r.order and r.sort_first:
        r.sort_desc = desc
        return
    if not r.order:
        raise Refusal("I could not tell what to order by.")
    last = r.order[-1]
    r.order[-1] = Order(last.measure, desc)


def _direction(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    if not m.is_role("dir"):
        return None
    r.take(i)
    before = r.at(_prev_index(r, i))
    if m.arg == "alpha" and before is not None and before.is_role("dir"):
        return i + 1  # "descending alphabetical order"
    after = r.at(r.next(i + 1))
    if m.arg == "alpha" and after is not None and after.is_role("by"):
        return i + 1  # "ordered alphabetically by the name": the "by" names the column
    if m.arg == "alpha":
        _alphabetical(r)
        return i + 1
    _set_direction(r, m.arg == "desc")
    return i + 1


def _group(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    if not m.is_role("group", "by"):
        return None
    j = r.next(i + 1)
    g = r.at(j)
    if g is None:
        return None
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
            raise Refusal(f"{table.name} has no name-like column to show per group; name one.")
        r.group_by += [r.ref(table, c.name) for c in labels]
        r.take(i, j)
        return j + 1
    return None


def _columns_into(r: Reading, table) -> set[str]:
    """The subject's columns that reference `table` by a foreign key."""
    return {
        c for fk in r.subject.foreign_keys if fk.referred_table == table.name for c in fk.columns
    }


def _superlative(r: Reading, i: int) -> int | None:
    """ "with the most albums", "the highest salary", "the youngest": rank, keep the first."""
    m = r.ms[i]
    if m.kind == "adj" and m.role == "sup":
        r.take(i)
        r.order.append(Order(Measure("", _adjective_column(r, m)), m.adjective[1] == "desc"))
        r.limit = r.limit or 1
        return i + 1
    if not (m.is_role("agg") and m.arg in ("max", "min")):
        return None
    desc = m.arg == "max"
    j = r.next(i + 1)
    t = r.at(j)
    if t is None:
        return None
    counting = m.text in ("most", "least", "fewest")
    if t.kind == "table" and not counting:
        raise Refusal(f"I could not tell what '{m.text} {t.text}' measures; name a column.")
    if t.kind == "table" and t.tables and t.tables[0] is r.subject and r.outputs:
        # "Which country has the most customers": groups of the column named first.
        if any(o.agg for o in r.outputs):
            return None
        r.group_by += [o.column for o in r.outputs]
        measure = Measure("count", None, r.subject.qualified_name)
        r.ranking_output = True
    elif t.kind == "table" and len(t.tables) == 1 and t.tables[0] is not r.subject:
        measure = Measure("count", None, t.tables[0].qualified_name)
        r.group_rows = True
        r.ranking_output = True
    elif t.kind == "column" and t.extra.get("implied"):
        from .vocabulary import amount  # "the most revenue", "spent least"

        measure = amount(r, t)
    elif t.kind == "column":
        measure = Measure("", _own_or_parent(r, r.col(t), t.text))
    elif t.is_role("count"):
        found = _measure_at(r, j)
        if found is None:
            return None
        measure, end = found
        r.group_rows = True
        r.ranking_output = True
        r.take(i)
        r.order.append(Order(measure, desc))
        r.limit = r.limit or 1
        return end
    else:
        return None
    r.take(i, j)
    r.order.append(Order(measure, desc))
    r.limit = r.limit or 1
    return j + 1


def _having(r: Reading, i: int) -> int | None:
    """ "with at least 2 orders", "that have more than 3 employees"."""
    m = r.ms[i]
    if not m.is_role("cmp") or m.arg == "!=":
        return None
    found = _number(r, i + 1)
    if found is None:
        return None
    number, end = found
    k = r.next(end)
    t = r.at(k)
    if r.at(end) is not None and r.ms[end].text in (
        "record",
        "records",
        "entries",
        "times",
        "rows",
    ):
        # "event names that have more than 2 records": groups of the column named.
        plain = [o.column for o in r.outputs if not o.agg]
        if not plain:
            return None
        r.take(i, end)
        r.group_by += [c for c in plain if c not in r.group_by]
        r.having.append(
            Having(Measure("count", None, r.subject.qualified_name), m.arg, _num(number))
        )
        return end + 1
    if t is None or t.kind != "table" or len(t.tables) != 1 or t.tables[0] is r.subject:
        r.used.discard(end - 1)
        return None
    r.take(i, k)
    r.having.append(Having(Measure("count", None, t.tables[0].qualified_name), m.arg, _num(number)))
    r.group_rows = True
    return k + 1


def _negated_related(r: Reading, i: int) -> int | None:
    """ "that have no orders", "without any albums", "who never had an order"."""
    m = r.ms[i]
    if not m.is_role("neg"):
        return None
    j = r.next(i + 1)
    verbs = []
    while r.at(j) is not None and r.ms[j].kind == "unknown" and _is_verb(r.ms[j].text):
        verbs.append(j)  # "who did not leave any review", "never taken a course"
        j = r.next(j + 1)
    t = r.at(j)
    if t is None or t.kind != "table" or len(t.tables) != 1 or t.tables[0] is r.subject:
        return None
    if r.lex.graph.distance(r.subject.qualified_name, t.tables[0].qualified_name) > 2:
        raise Refusal(f"I could not tell how {t.tables[0].name} relates to {r.subject.name}.")
    rest = [
        x for x in r.ms[j + 1 :] if x.kind != "function" and not x.is_role("order", "dir", "by")
    ]
    if rest:  # "no friends who are students": about the subject or the other table?
        words = " ".join(x.text for x in rest)
        raise Refusal(
            f"I could not tell whether '{words}' is about {r.subject.name} or {t.tables[0].name}."
        )
    if verbs and len(r.lex.graph.path(r.subject.qualified_name, t.tables[0].qualified_name)) != 1:
        return None  # a verb names the link: only when there is one
    r.take(i, j, *verbs)
    r.related.append(Related(t.tables[0].qualified_name, negated=True))
    return j + 1


def _is_verb(word: str) -> bool:
    """A word shaped like a verb in a relative clause: "leave", "taken", "participated"."""
    return word.endswith(("ed", "en", "ing")) or len(word) <= 6


def _mode(r: Reading, i: int) -> int | None:
    """ "Which builder is the most common?", "the country that is most popular among
    members": the one column listed, by how often each value occurs."""
    from .reader import mode

    m = r.ms[i]
    if not m.is_role("mode") or r.order or r.group_by:
        return None
    plain = [o for o in r.outputs if not o.agg]
    if len(plain) != 1 or len(r.outputs) != 1 or plain[0].column.table != r.subject.qualified_name:
        return None
    r.take(i)
    r.outputs.clear()
    mode(r, plain[0].column, m.arg == "desc")
    return i + 1


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


def _and_table(r: Reading, i: int) -> int | None:
    """ "the names of parties and their regions": the other table's label columns too."""
    m = r.ms[i]
    if m.kind != "table" or len(m.tables) != 1 or m.tables[0] is r.subject:
        return None
    before = _prev_index(r, i)
    if before < 0 or not r.ms[before].is_role("and") or not r.named_outputs:
        return None
    if r.lex.graph.distance(r.subject.qualified_name, m.tables[0].qualified_name) != 1:
        return None
    table = m.tables[0]
    r.outputs += [Measure("", r.ref(table, c.name)) for c in r.lex.words.label_columns(table)]
    r.take(i)
    return i + 1


def _and_column(r: Reading, i: int) -> int | None:
    """ "the names of genres in alphabetical order, and their ratings": one more column of
    the subject listed after the rest (not a condition: nothing follows it)."""
    m = r.ms[i]
    before = _prev_index(r, i)
    if m.kind != "column" or before < 0 or not r.ms[before].is_role("and") or not r.named_outputs:
        return None
    k = r.next(i + 1)
    nxt = r.at(k)
    if nxt is not None and nxt.kind != "function" and not nxt.is_role("order", "dir"):
        return None
    col = r.col(m)
    if col.table != r.subject.qualified_name or any(o.agg for o in r.outputs):
        return None
    if r.order and r.ms[before].text == "and":  # "sorted by price decreasing and name
        # ascending": a second sort key ("in alphabetical order, combined with its ratings":
        # one more column)
        desc = nxt is not None and nxt.is_role("dir") and nxt.arg == "desc"
        r.take(i, *([k] if nxt is not None and nxt.is_role("dir") else []))
        r.order.append(Order(Measure("", col), desc))
        return (k + 1) if nxt is not None and nxt.is_role("dir") else i + 1
    if any(o.column == col for o in r.outputs):
        return None
    r.take(i)
    r.outputs.append(Measure("", col))
    return i + 1


ASK_VERBS = ("give", "list", "show", "return", "output", "find", "tell", "display")


def _late_outputs(r: Reading, i: int) -> int | None:
    """ "Which courses have no students? Give me their titles.": the columns asked for in a
    second sentence, when the first named none."""
    m = r.ms[i]
    if m.kind != "column" or r.outputs or r.group_by or r.order:
        return None
    k = i
    while k > 0 and r.ms[k - 1].kind == "function" and i - k < 4:
        k -= 1
    lead = r.ms[k:i]
    if k == 0 or not any(x.text in ASK_VERBS for x in lead):
        return None  # the verb must open a later sentence, not the question
    from .reader import _column_is_condition

    if _column_is_condition(r, i):
        return None
    col = r.col(m)
    if col.table != r.subject.qualified_name:
        return None
    r.take(i)
    r.outputs.append(Measure("", col))
    r.named_outputs = True
    return i + 1
