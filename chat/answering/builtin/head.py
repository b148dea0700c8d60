"""The head of a question, before its subject: what is asked of it ("the name and age of",
"the average and maximum capacity of", "how many different", "the 3 youngest", "the most
common builder of")."""

from __future__ import annotations

from .full_name import full_name as _full_name
from .interpretation import Col, Measure, Order
from .owners import names_subject_after_of
from .reader import Reading, Refusal, _name_like, _names_table
from .traces import fired


def _read_head(r: Reading, stop: int, stop_at_clause: bool) -> int:
    """Projections before the subject: "the name and age of", "the average and maximum
    capacity of", "how many different", "the 3 youngest". Returns where the head ended."""
    pending: list[str] = []
    distinct = False
    has_verb = False
    i = 0
    while i < stop:
        m = r.ms[i]
        if i in r.used:  # "Sort" opening the question
            pass
        elif m.kind == "function":
            if stop_at_clause and m.text in ("whose", "where", "with", "that", "having"):
                break
            if r.outputs and m.text in ("have", "has", "had", "who"):
                if stop_at_clause:
                    break  # "Which cities have an average age over 22": a clause
                has_verb = True  # "Which committees have delegates from ...": no second column
            r.take(i)
        elif m.is_role("count") and i > 0 and r.ms[i - 1].kind == "column" and i - 1 in r.used:
            r.take(i)  # "the total enrollment number of colleges": part of the column's name
        elif m.is_role("count"):
            r.count = True
            pending.append("count")
            r.take(i)
        elif m.is_role("agg"):
            if m.arg in ("max", "min") and _superlative_before_subject(r, i, stop):
                break
            pending.append(m.arg)
            r.take(i)
        elif m.is_role("mode") and not pending:
            end = _mode_head(r, i)
            if end is None:
                break
            i = end
            continue
        elif m.is_role("distinct"):
            distinct = True
            r.take(i)
        elif m.is_role("and"):
            r.take(i)
        elif m.is_role("limit") and r.at(r.next(i + 1)) and r.ms[r.next(i + 1)].kind == "number":
            j = r.next(i + 1)
            r.limit = int(r.ms[j].number)
            r.take(i, j)
            i = j
        elif m.kind == "number" and _limit_number(r, i, stop):
            r.limit = int(m.number)
            r.take(i)
        elif m.kind == "unknown" and m.text == "full" and _full_name(r, i):
            i = r.next(i + 1)  # "the full names of employees": first and last name
        elif m.kind == "column" and _agg_word(r, i):
            pending.append(_agg_word(r, i))  # "total payment amount": total, not orders.total
            r.take(i)
        elif m.kind == "column":
            if has_verb:
                break
            if r.outputs and r.from_columns and names_subject_after_of(r, i):
                # "the area and county of all appelations": the table (misspelt) read as its
                # own-named column; after "of" it says whose the columns are, not one more
                r.take(i)
                i += 1
                continue
            if not pending and m.extra.get("implied") in ("money", "metric"):
                pending = [m.extra.get("agg", "sum")]  # "revenue per segment": its sum
            if not pending and _column_is_condition(r, i, strict=not stop_at_clause):
                break
            if _attribute_of_next(r, i):
                r.take(i)  # "the codes of document types": document_type_code, once
                i += 1
                continue
            col = r.col(m)
            if col.table != r.subject.qualified_name and m.text in ("name", "names"):
                named = _name_like(r)  # "the names of courses": course.title
                if len(named) == 1:
                    col = r.ref(r.subject, named[0].name)
                    fired("head:names-as-name-like")
            if col.table != r.subject.qualified_name and m.text in ("id", "ids"):
                col = _own_id(r, m)  # the subject's own id, never a parent's key
            if (
                col.table != r.subject.qualified_name
                and not _names_table(m, r.lex.table(col.table))
                and not r.amount_subject  # "which country has the most revenue"
                and not is_parent(r, col.table)
                and not is_child(r, col)
            ):
                raise Refusal(f"{r.subject.name} has no column '{m.text}'.")
            r.named_outputs = True
            if "count" in pending and _total_number(r, i, col):
                pending = ["sum" if a == "count" else a for a in pending]
                r.count = False
            aggs = [a for a in pending if a != "count"] or ([""] if "count" not in pending else [])
            if "count" in pending and not [a for a in pending if a != "count"]:
                column = r.lex.table(col.table).column(col.column)
                if r.lex.is_numeric(column) and not r.lex.words.is_key(
                    r.lex.table(col.table), column
                ):
                    # "the total number of games played": a count kept in a column.
                    raise Refusal(f"'{m.text}' holds numbers; ask for their total or average.")
                r.outputs.append(Measure("count", col, distinct=True))
                r.count = False
            else:
                if "count" in pending:
                    r.count = False  # "the average number of passengers": a column's average
                for agg in aggs:
                    r.outputs.append(Measure(agg, col, distinct=distinct and agg == "count"))
                if distinct and aggs == [""]:
                    r.distinct = True
            last = [a for a in aggs if a]
            pending, distinct = [], False
            r.take(i)
            k = r.next(i + 1)
            if last and r.at(k) and r.ms[k].is_role("and"):
                after = r.at(r.next(k + 1))
                if after is not None and after.kind == "column" and not _agg_word(r, r.next(k + 1)):
                    pending = list(last)  # "the maximum price and score": both maxima
        elif m.kind in ("value", "adj") or m.is_role("neg", "sup"):
            break  # a condition inside the head ("Metal tracks", "the youngest") is a clause
        else:
            break
        i += 1
    if distinct and not pending and r.outputs and not any(o.agg for o in r.outputs):
        r.distinct = True  # "the names of all distinct wines"
        distinct = False
    if distinct and "count" in pending:
        r.outputs.append(Measure("count", None, r.subject.qualified_name if r.subject else ""))
        raise Refusal("I could not tell what to count as different; name a column.")
    if [a for a in pending if a != "count"]:
        raise Refusal(
            "I could not tell which column to aggregate for '"
            + " ".join(r.ms[j].text for j in range(i) if r.ms[j].is_role("agg"))
            + "'."
        )
    return i


def _attribute_of_next(r: Reading, i: int) -> bool:
    """ "codes of document types", "names of the countries": a generic attribute word, then
    "of" and a column whose name ends with that word."""
    m = r.ms[i]
    word = m.text.rstrip("s")
    if word not in ("code", "name", "id", "type", "number"):
        return False
    j = i + 1
    while j < len(r.ms) and r.ms[j].kind == "function" and r.ms[j].text in ("of", "the"):
        j += 1
    if j == i + 1 or j >= len(r.ms) or r.ms[j].kind != "column":
        return False
    from .index import name_words

    return all(name_words(c.column.name)[-1] == word for c in r.ms[j].columns)


def _own_id(r: Reading, m) -> Col:
    """ "ids of transactions" in Financial_Transactions: its one *_id column named after a
    word of the table's own name."""
    from .index import name_words

    if any(o.column is not None and o.column.table != r.subject.qualified_name for o in r.outputs):
        raise Refusal(f"I could not tell whose '{m.text}' is meant.")  # "account name, id"
    twords = set(name_words(r.subject.name))
    own = [
        c
        for c in r.subject.columns
        if (w := name_words(c.name)) and w[-1] == "id" and (len(w) == 1 or set(w[:-1]) <= twords)
    ]
    if not own:  # song.f_id: the one id column the table has
        own = [c for c in r.subject.columns if (w := name_words(c.name)) and w[-1] == "id"]
    if len(own) != 1:
        raise Refusal(f"I could not tell which id of {r.subject.name} '{m.text}' means.")
    return r.ref(r.subject, own[0].name)


def _mode_head(r: Reading, i: int) -> int | None:
    """ "the most common builder of railways": the builder that occurs most often."""
    j = r.next(i + 1)
    c = r.at(j)
    if c is None or c.kind != "column":
        return None
    col = r.col(c)
    if col.table != r.subject.qualified_name and not is_parent(r, col.table):
        return None  # "the most common hometown of gymnasts": people.Hometown, a parent's
    r.take(i, j)
    mode(r, col, r.ms[i].arg == "desc")
    r.named_outputs = True
    return j + 1


def mode(r: Reading, col: Col, desc: bool) -> None:
    """GROUP BY the column, ORDER BY how many rows hold each value, the first one."""
    r.outputs.append(Measure("", col))
    r.group_by.append(col)
    r.order.append(Order(Measure("count", None, r.subject.qualified_name), desc))
    r.limit = r.limit or 1


def is_parent(r: Reading, table: str) -> bool:
    """The subject refers to `table` by a foreign key: each subject row has at most one row
    there, so its columns read as the subject's own ("the names of gymnasts" in people,
    "the country of the customer" in addresses)."""
    name = r.lex.table(table).name
    return any(fk.referred_table == name for fk in r.subject.foreign_keys)


def is_child(r: Reading, col: Col) -> bool:
    """`col` is a table's that refers to the subject by one foreign key: "the booking start
    dates of apartments with ..." lists the column for each of their bookings. Never a key
    ("the ids of attractions" are the attractions' own, not their visits' ids)."""
    other = r.lex.table(col.table)
    keys = [fk for fk in other.foreign_keys if fk.referred_table == r.subject.name]
    if len(keys) != 1 or other is r.subject:
        return False
    from .index import name_words

    column = other.column(col.column)
    own_key = list(other.primary_key) == [column.name]  # part of a composite key is data
    return not own_key and name_words(column.name)[-1] != "id"


def _total_number(r: Reading, i: int, col: Col) -> bool:
    """ "the total number of followers" where followers holds numbers: their sum."""
    said = [m for m in r.ms[:i] if m.is_role("count")]
    if not said or not said[-1].text.startswith("total"):
        return False
    table = r.lex.table(col.table)
    column = table.column(col.column)
    return r.lex.is_numeric(column) and not r.lex.words.is_key(table, column)


def _agg_word(r: Reading, i: int) -> str:
    """A column named like an aggregate ("total") right before another column is the
    aggregate: "total payment amount"."""
    from .lexicon import PHRASES

    role = PHRASES.get((r.ms[i].text,))
    nxt = r.at(r.next(i + 1))
    if role and role[0] in ("agg", "count") and nxt is not None and nxt.kind == "column":
        return role[1] or "count"
    return ""


def _superlative_before_subject(r: Reading, i: int, stop: int) -> bool:
    """ "which country has the most customers": "most" ranks, it does not aggregate."""
    j = r.next(i + 1)
    if j < stop and r.ms[j].is_role("count"):  # "with most number of customers"
        k = r.next(j + 1)
        return k >= stop or r.ms[k].kind == "table"
    return j >= stop or r.ms[j].kind == "table" or (r.which and "implied" in r.ms[j].extra)


def _limit_number(r: Reading, i: int, stop: int) -> bool:
    """ "the 3 youngest", "Which 10 customers", "the 3 most common cities": a count right
    before what it limits."""
    j = r.next(i + 1)
    nxt = r.at(j)
    return (
        nxt is not None
        and float(r.ms[i].number).is_integer()
        and (j == stop or nxt.kind == "adj" or nxt.is_role("agg", "sample", "mode"))
    )


def _column_is_condition(r: Reading, i: int, strict: bool = False) -> bool:
    nxt = r.at(r.next(i + 1))
    if strict:  # before the subject: only "district 1", "name 'Bob'", "called 'X'"
        if nxt is not None and nxt.is_role("named"):
            return True
        return nxt is not None and nxt.kind in ("number", "literal") and r.next(i + 1) == i + 1
    if nxt is not None and nxt.kind == "value":
        # "last name of all the instructors": a value of another column is no condition here
        mine = {(c.table.qualified_name, c.column.name) for c in r.ms[i].columns}
        return any((v.table.qualified_name, v.column.name) in mine for v in nxt.values)
    return nxt is not None and (
        nxt.kind in ("literal", "number") or nxt.is_role("cmp", "between", "like", "neg", "named")
    )
