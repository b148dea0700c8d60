"""Rows of one value but not of another: "courses in the Statistics department but not the
Psychology department", "schools with players in the mid position but not the goalie
position" read as EXCEPT: what the first value's rows show, less what the second's show.

EXCEPT (not a single row's <>) because the second value may belong to other rows of the same
thing listed: a title offered by both departments is not a Statistics-only title, and a
school with a goalie is out even though it has mid players. Only when the value after
"but not" is of the column the first value was read on; anything else stays unplaced.
"""

from __future__ import annotations

from dataclasses import replace

from .interpretation import Interpretation
from .reader import Reading, Refusal


def _but_not(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    if i in r.used or not m.is_role("but"):
        return None
    j = r.next(i + 1)
    if m.text == "but":  # "but" then "not"
        if r.at(j) is None or r.ms[j].text != "not":
            return None
        j = r.next(j + 1)
    elif m.text != "but not":
        return None
    said = [f for f in r.filters if f.op == "="]
    if len(said) != 1 or r.excluded:
        return None
    from .equals import _column_equals
    from .named_values import _values

    kept = list(r.filters)
    end = _values(r, j)
    if end is None and r.at(j) is not None and r.ms[j].kind in ("column", "table"):
        end = _values(r, r.next(j + 1))  # "but not the shelf Outlet": the column narrows it
    if end is None:
        end = _column_equals(r, j)  # "but not the shelf 'Outlet'"
    if end is None:
        return None
    added = r.filters[len(kept) :]
    r.filters[:] = kept
    if len(added) != 1 or added[0].op != "=" or added[0].column != said[0].column:
        return None  # the words read stay used; the question is refused at the end anyway
    r.excluded.append(added[0])
    r.take(i, *([r.next(i + 1)] if m.text == "but" else []))
    return end


def except_reading(r: Reading, it: Interpretation) -> Interpretation:
    """The reading's rows less those where the excluded value replaces the kept one."""
    if not r.excluded:
        return it
    if it.group_by or it.order or it.limit or it.having or any(o.agg for o in it.outputs):
        raise Refusal("I can list rows of one value but not another; not count or rank them.")
    same = [f for f in it.filters if f.op == "=" and f.column == r.excluded[0].column]
    if len(same) != 1:
        raise Refusal("I could not tell which value 'but not' is set against.")
    kept = same[0]
    other = replace(it, filters=tuple(r.excluded[0] if f is kept else f for f in it.filters))
    return replace(it, setop="except", other=other)
