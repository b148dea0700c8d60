"""The full name of a row: its table's (or a parent's) first and last name columns."""

from __future__ import annotations

from .interpretation import Measure
from .reader import Reading


def full_name(r: Reading, i: int) -> bool:
    """ "full name(s)": the subject's (or its parent's) first and last name columns."""
    from .head import is_parent  # head reads "full" through this function
    from .index import name_words

    j = r.next(i + 1)
    nxt = r.at(j)
    if nxt is None or nxt.text not in ("name", "names") or r.subject is None:
        return False
    tables = [r.subject] + [t for t in r.lex.document.tables if is_parent(r, t.qualified_name)]
    for table in tables:
        # first_name, or customer_first_name: the one column of the table ending so
        ends = {
            part: [c for c in table.columns if name_words(c.name)[-2:] == (part, "name")]
            for part in ("first", "last")
        }
        if len(ends["first"]) == 1 and len(ends["last"]) == 1:
            first, last = ends["first"][0], ends["last"][0]
            r.take(i, j)
            r.outputs += [
                Measure("", r.ref(table, first.name)),
                Measure("", r.ref(table, last.name)),
            ]
            r.named_outputs = True
            return True
    return False
