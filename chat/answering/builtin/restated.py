"""A second sentence that says again what the first one counted, and asks to see it: "Which
major has the fewest students? List the major and the number of students.", "Which documents
have more than 1 draft copies? List document id and number of draft copies."

The count is not a new one: it is the count the first sentence ranked or filtered the groups
by, now shown beside them. Each item of the list is read only when it restates something
already read (that count, a column already shown or grouped by) or is a column of the rows
listed (the subject, or a table it refers to); anything else ends the list and stays to the
other rules, which refuse what they cannot place.
"""

from __future__ import annotations

from .interpretation import Measure
from .reader import Reading
from .relations import ASK_VERBS


def _restated_outputs(r: Reading, i: int) -> int | None:
    if not r.subject or not (_asked_again(r, i) or _and_how_many(r, i)):
        return None
    counts = [
        m
        for m in [*(o.measure for o in r.order), *(h.measure for h in r.having), *r.outputs]
        if m.agg == "count" and m.column is None and m.table
    ]
    if r.count and not counts:  # "How many bookings does each status have?": said in the head
        counts.append(Measure("count", None, r.subject.qualified_name))
    items: list[tuple[tuple[int, ...], Measure | None]] = []
    k = i
    joins: list[int] = []  # the "and"s between the items
    while k < len(r.ms):
        m = r.ms[k]
        if m.kind == "function" or m.is_role("and"):
            joins += [k] if m.is_role("and") else []
            k += 1
            continue
        found = _count_item(r, k, counts) or _column_item(r, k)
        if found is None:
            break
        items.append((found[0] + tuple(joins), found[1]))
        joins = []
        k = found[2]
    if not any(measure in counts or measure is None for _, measure in items):
        return None  # nothing said again: a new list, read by the other rules
    for taken, measure in items:
        r.take(*taken)
        if measure is not None and measure not in r.outputs:
            r.outputs.append(measure)
    r.named_outputs = True
    return k


def _asked_again(r: Reading, i: int) -> bool:
    """An asking verb ("list", "give me the") opens a later sentence right before i."""
    k = i
    while k > 0 and r.ms[k - 1].kind == "function" and i - k < 4:
        k -= 1
    return k > 0 and any(x.text in ASK_VERBS for x in r.ms[k:i])


def _and_how_many(r: Reading, i: int) -> bool:
    """ "..., and how many does he have?": a count joined to a question already asked, with
    nothing named after it. With a table named ("and how many stations does it have") it
    was measured on dev to surface misreadings of the first part (1 right, 1 wrong): left
    to the other rules."""
    from .clauses import _prev_index

    before = _prev_index(r, i)
    alone = r.next(i + 1) == len(r.ms)
    return r.ms[i].is_role("count") and alone and before >= 0 and r.ms[before].is_role("and")


def _count_item(r: Reading, k: int, counts: list[Measure]):
    """ "the number of students", "the task count": the one count already read of that
    table. Returns (indices taken, the count, end) or None."""
    m = r.ms[k]
    if m.is_role("count") and r.next(k + 1) == len(r.ms):
        # "and how many does he have?": nothing named, so only the one count there is
        return ((k,), counts[0], k + 1) if len(counts) == 1 else None
    if m.is_role("count"):
        t = r.at(r.next(k + 1))
        if t is None or t.kind != "table" or len(t.tables) != 1:
            return None
        end = r.next(k + 1)
    elif m.kind == "table" and len(m.tables) == 1:
        c = r.at(k + 1)
        if c is None or not c.is_role("count") or c.text != "count":
            return None
        t, end = m, k + 1
    else:
        return None
    same = [c for c in counts if c.table == t.tables[0].qualified_name]
    if len(same) != 1:
        return None
    return (k, end), same[0], end + 1


def _column_item(r: Reading, k: int):
    """A column already shown or grouped by (taken, nothing added: None), or one of the
    subject's own to show beside the rest."""
    m = r.ms[k]
    if m.kind != "column":
        return None
    from .reader import Refusal

    try:
        col = r.col(m)
    except Refusal:
        return None
    if col in r.group_by or any(o.column == col and not o.agg for o in r.outputs):
        return (k,), None, k + 1
    if col.table != r.subject.qualified_name:
        return None
    return (k,), Measure("", col), k + 1


def bare_count(r: Reading, j: int) -> Measure | None:
    """ "ordered by the count", "in descending order of this count": the word "count" with
    nothing counted after it is the count of the subject's rows per group, when the question
    already counts them per group, or lists only categories of the subject to group by."""
    m = r.at(j)
    if m is None or not m.is_role("count") or m.text != "count":
        return None
    t = r.at(r.next(j + 1))
    if t is not None and t.kind in ("table", "column", "value", "number"):
        return None
    subject = r.subject.qualified_name
    if r.group_by or r.count or any(o.agg == "count" for o in r.outputs):
        return Measure("count", None, subject)
    from .ranking import _categories_of_subject

    plain = [o.column for o in r.outputs if not o.agg]
    if len(plain) != len(r.outputs) or not _categories_of_subject(r, plain):
        return None
    r.group_by += plain  # "the software platforms of devices in descending order of the count"
    return Measure("count", None, subject)
