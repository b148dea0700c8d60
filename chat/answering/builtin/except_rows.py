"""Values of a column that no row with a condition has: "the locations where no cinema has
capacity over 800", "headquarters without a company in the banking industry", "publishers
which did not publish a book in 1989" read as EXCEPT on that one table:

    SELECT location FROM cinema EXCEPT SELECT location FROM cinema WHERE capacity > 800

A value is out when any of its rows meets the condition, which is what "no cinema there"
says; a plain <> would keep a location that has one cinema over 800 and one under. Only
when the column listed is of the table named after the negation, and the rest of the
question reads as a plain condition on that table (no count, grouping or ranking).
"""

from __future__ import annotations

from dataclasses import replace

from .interpretation import Interpretation
from .mentions import Mention

NEGATIONS = ("no", "without", "not", "never")


def rows_without(ms: tuple[Mention, ...], lex, today, read) -> Interpretation | None:
    content = [k for k, m in enumerate(ms) if m.kind != "function"]
    if len(content) < 4:
        return None
    a, b = content[0], content[1]
    column, neg = ms[a], ms[b]
    if column.kind != "column" or not neg.is_role("neg") or neg.text not in NEGATIONS:
        return None
    k, verbs = content[2], []
    while ms[k].kind == "unknown" and _verb_shaped(ms[k].text) and len(verbs) < 1:
        verbs.append(k)  # "publishers which did not publish a book"
        k = next((x for x in content if x > k), None)
        if k is None:
            return None
    table = ms[k]
    # The table is named: without it ("ministers who do not belong to Progress Party") a
    # condition on each row (<>) reads as well, and it did on dev (3 of 4 such answers wrong).
    if table.kind != "table" or len(table.tables) != 1:
        return None
    t, said, rest = table.tables[0], (column, table), ms[k + 1 :]
    if not [c for c in column.columns if c.table is t]:
        return None  # "the cities without a branch" where cities is not the branch's column
    if not any(x.kind != "function" for x in rest):
        return None  # "no cinema" and nothing else: nothing to set apart
    from .reader import Refusal

    try:
        it = read((*said, *rest), lex, today)
    except Refusal:
        return None  # the question is read as it stands, and refused there if need be
    plain = len(it.outputs) == 1 and not it.outputs[0].agg
    if not plain or it.subject != t.qualified_name or not it.filters:
        return None
    if it.group_by or it.having or it.order or it.limit or it.related or it.setop:
        return None
    every = replace(it, filters=(), distinct=True)
    return replace(every, setop="except", other=replace(it, distinct=True))


def _verb_shaped(word: str) -> bool:
    return word.endswith(("ed", "en")) or len(word) <= 7
