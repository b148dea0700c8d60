""" "What are the different card types, and how many cards are there of each?", "the
destinations and the number of flights to each one": "each" at the end of the question
points back to the column listed; the count is per value of it.

Only when nothing follows "each" (but function words, or "one"), the columns listed are
plain columns and the question counts: the subject's rows, said in the head ("how many
cards") or right after "and" ("and how many devices have each").
"""

from __future__ import annotations

from .interpretation import Measure
from .reader import Reading

BACK = ("each", "of each", "for each", "with each", "to each", "in each")


def _trailing_each(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    if m.is_role("count"):
        return _and_how_many_each(r, i)
    if not m.is_role("group") or m.text not in BACK or not _ends(r, i + 1):
        return None
    plain = _plain(r)
    counted = r.count or any(o.agg == "count" for o in r.outputs)
    if not plain or not counted or r.group_by or r.group_rows:
        return None
    r.take(i, *_rest(r, i + 1))
    r.group_by += plain
    return len(r.ms)


def _and_how_many_each(r: Reading, i: int) -> int | None:
    """ "..., and how many devices have each?": the subject's rows counted per column listed."""
    from .clauses import _prev_index

    before = _prev_index(r, i)
    if before < 0 or not r.ms[before].is_role("and"):
        return None
    j = r.next(i + 1)
    t = r.at(j)
    if t is not None and t.kind == "table":
        if t.tables != (r.subject,):
            return None  # another table's rows: counted along which link?
        j = r.next(j + 1)
    g = r.at(j)
    plain = _plain(r)
    if g is None and t is None and _categories(r, plain):
        j = len(r.ms)  # "the categories of music festivals and the count": nothing after it
    elif g is None or not g.is_role("group") or g.text not in BACK or not _ends(r, j + 1):
        return None
    if not plain or any(o.agg for o in r.outputs) or r.group_by or r.group_rows:
        return None
    r.take(before, i, *([j] if j < len(r.ms) else []))
    r.take(*([r.next(i + 1)] if t is not None and t.kind == "table" else []))
    r.take(*_rest(r, j + 1))
    r.outputs.append(Measure("count", None, r.subject.qualified_name))
    r.group_by += plain
    return len(r.ms)


def _categories(r: Reading, plain: list) -> bool:
    from .ranking import _categories_of_subject

    return len(plain) == len(r.outputs) and _categories_of_subject(r, plain)


def _plain(r: Reading) -> list:
    return [o.column for o in r.outputs if not o.agg]


def _rest(r: Reading, k: int) -> list[int]:
    return [x for x in range(k, len(r.ms))]


def _ends(r: Reading, k: int) -> bool:
    """Nothing but function words (and "one": "each one") from k to the end."""
    for m in r.ms[k:]:
        if m.kind == "function" or (m.kind == "number" and m.text == "one"):
            continue
        return False
    return True
