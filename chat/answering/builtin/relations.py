"""Tail clauses about other tables and about the list itself: anti-joins ("that have no
orders", "who never enrolled"), "and their regions", "and <column>", "Give me their names"
after a first sentence, "the most common X".

Rules follow clauses.py's shape: read one clause at the cursor, return where it ended or None.
"""

from __future__ import annotations

from .clauses import _prev_index
from .interpretation import Measure, Order, Related
from .reader import Reading, Refusal

ASK_VERBS = ("give", "list", "show", "return", "output", "find", "tell", "display")


def _negated_related(r: Reading, i: int) -> int | None:
    """ "that have no orders", "without any albums", "who never had an order"."""
    m = r.ms[i]
    if not m.is_role("neg"):
        return None
    j = r.next(i + 1)
    verbs = []
    while r.at(j) is not None and r.ms[j].kind == "unknown" and _is_verb(r, j):
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
    if link_named_elsewhere(r, range(i + 1, j), t.tables[0]):
        raise Refusal(f"I could not tell which link to {t.tables[0].name} is meant.")
    if verbs and len(r.lex.graph.path(r.subject.qualified_name, t.tables[0].qualified_name)) > 2:
        return None  # a verb names the link: direct, or through one table (one_link below)
    from .reader import one_link

    if not one_link(r, t.tables[0].qualified_name) or _verb_names_another(r, verbs, t.tables[0]):
        raise Refusal(f"{r.subject.name} and {t.tables[0].name} are linked in more than one way.")
    r.take(i, j, *verbs)
    r.related.append(Related(t.tables[0].qualified_name, negated=True))
    return j + 1


def _is_verb(r: Reading, j: int) -> bool:
    """A word shaped like a verb in a relative clause: "leave", "taken", "participated"; or
    a longer one ending as verbs and adjectives do before a preposition ("participate in",
    "compatible with"). A long word of no such shape ("not zorblax in") is not taken for
    the link: it stays unplaced and the question is refused."""
    word = r.ms[j].text
    if word.endswith(("ed", "en", "ing")) or len(word) <= 6:
        return True
    after = r.at(j + 1)
    return (
        word.endswith("e")
        and after is not None
        and after.is_fn("in", "with", "on", "to", "for", "by", "from", "at")
    )


def _and_table(r: Reading, i: int) -> int | None:
    """ "the names of parties and their regions": the other table's label columns too."""
    m = r.ms[i]
    if m.kind != "table" or len(m.tables) != 1 or m.tables[0] is r.subject:
        return None
    before = _prev_index(r, i)
    if before < 0 or not r.ms[before].is_role("and") or not r.named_outputs:
        return None
    if any(x.is_role("both") for x in r.ms[:before]):
        return None  # "used by both phones with X and phones with Y": two conditions
    if r.lex.graph.distance(r.subject.qualified_name, m.tables[0].qualified_name) != 1:
        return None
    table = m.tables[0]
    r.outputs += [Measure("", r.ref(table, c.name)) for c in r.lex.words.label_columns(table)]
    r.take(i)
    return i + 1


def _column_of_parent(r: Reading, i: int, k: int) -> int | None:
    """ "the names of members and names of colleges": a column of the table named after it,
    one the subject refers to (each member has one college)."""
    from .head import is_parent
    from .reader import _name_like, resolve_column

    table = r.ms[k].tables[0]
    if table is r.subject or not is_parent(r, table.qualified_name):
        return None
    m = r.ms[i]
    own = [c for c in m.columns if c.table is table]
    if own:
        col = resolve_column(tuple(own), table, r.lex, m.text)
    elif m.text in ("name", "names"):
        saved, r.subject = r.subject, table
        names = _name_like(r)
        r.subject = saved
        if len(names) != 1:
            return None
        col = r.ref(table, names[0].name)
    else:
        return None
    r.take(i, k)
    r.outputs.append(Measure("", col))
    return k + 1


def _and_column(r: Reading, i: int) -> int | None:
    """ "the names of genres in alphabetical order, and their ratings": one more column of
    the subject listed after the rest (not a condition: nothing follows it)."""
    m = r.ms[i]
    before = _prev_index(r, i)
    if m.kind != "column" or before < 0 or not r.ms[before].is_role("and") or not r.named_outputs:
        return None
    k = r.next(i + 1)
    nxt = r.at(k)
    if nxt is not None and nxt.kind == "table" and len(nxt.tables) == 1:
        return _column_of_parent(r, i, k)  # "and names of colleges (they go to)"
    if nxt is not None and nxt.kind != "function" and not nxt.is_role("order", "dir"):
        return None
    col = r.col(m)
    if col.table != r.subject.qualified_name or any(o.agg for o in r.outputs):
        return None
    sorted_said = any(x.is_role("order") and n in r.used for n, x in enumerate(r.ms[:i]))
    if (
        r.order and sorted_said and r.ms[before].text == "and"
    ):  # "sorted by price decreasing and name
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


def _late_outputs(r: Reading, i: int) -> int | None:
    """ "Which courses have no students? Give me their titles.": the columns asked for in a
    second sentence, when the first named none."""
    m = r.ms[i]
    if m.kind != "column" or r.outputs or r.group_by:
        return None
    k = i
    while k > 0 and r.ms[k - 1].kind == "function" and i - k < 4:
        k -= 1
    lead = r.ms[k:i]
    if k == 0 or not any(x.text in ASK_VERBS for x in lead):
        return None  # the verb must open a later sentence, not the question
    from .head import _column_is_condition

    if _column_is_condition(r, i):
        return None
    col = r.col(m)
    if col.table != r.subject.qualified_name:
        return None
    r.take(i)
    r.outputs.append(Measure("", col))
    r.named_outputs = True
    return i + 1


def _mode(r: Reading, i: int) -> int | None:
    """ "Which builder is the most common?", "the country that is most popular among
    members": the one column listed, by how often each value occurs."""
    from .head import mode

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


def _recent(r: Reading, i: int) -> int | None:
    """ "the program launched most recently": the subject's one date, latest first; the verb
    before it is taken when it names that date (launched ~ launch_date)."""
    m = r.ms[i]
    if not m.is_role("recent") or r.order:
        return None
    dates = r.lex.words.date_columns(r.subject)
    if len(dates) != 1:
        return None
    from .index import name_words

    words = name_words(dates[0].name)
    before = _prev_index(r, i)
    if before >= 0 and r.ms[before].kind == "unknown" and before not in r.used:
        verb = r.ms[before].text
        if any(len(w) >= 4 and verb.startswith(w[:4]) for w in words):
            r.take(before)  # "formed" for date_formed
    r.take(i)
    r.order.append(Order(Measure("", r.ref(r.subject, dates[0].name)), m.arg == "desc"))
    r.limit = r.limit or 1
    return i + 1


def _count_related(r: Reading, i: int) -> int | None:
    """ "the names of products and the number of events (they are in)": a count of a related
    table's rows beside each subject row."""
    m = r.ms[i]
    before = _prev_index(r, i)
    if not m.is_role("count") or before < 0 or not r.ms[before].is_role("and"):
        return None
    j = r.next(i + 1)
    t = r.at(j)
    if t is None or t.kind != "table" or len(t.tables) != 1 or t.tables[0] is r.subject:
        return None
    if not r.outputs or any(o.agg for o in r.outputs) or r.group_by:
        return None
    if any(x.is_role("group", "by") for x in r.ms[j:]):
        return None  # "the number of buses for each type": a count per group, read there
    table = t.tables[0].qualified_name
    if r.lex.graph.distance(r.subject.qualified_name, table) != 1:
        return None
    if not r.lex.graph.duplicates_rows_of(r.subject.qualified_name, [table]):
        return None  # a parent: one row each, nothing to count
    r.take(i, j)
    r.outputs.append(Measure("count", None, table))
    r.group_rows = True
    return j + 1


def link_named_elsewhere(r: Reading, span, table) -> bool:
    """A word of the clause (a verb: "attended", "registered") opens the name of a table
    that is not on the path to `table`: the question means that other link."""
    said = [x for x in span if 0 <= x < len(r.ms) and r.ms[x].kind in ("unknown", "function")]
    return _verb_names_another(r, said, table)


def _verb_names_another(r: Reading, verbs: list[int], table) -> bool:
    """ "students who never attended a course" where the path to courses goes through
    registrations but a table Student_Course_Attendance exists: the verb names another link."""
    from .index import name_words

    path = {h[1] for h in r.lex.graph.path(r.subject.qualified_name, table.qualified_name) or []}
    for v in verbs:
        stem = r.ms[v].text[:6]
        for other in r.lex.document.tables:
            if other.qualified_name in path or other is r.subject or len(stem) < 5:
                continue
            if any(w.startswith(stem) for w in name_words(other.name)):
                return True
    return False
