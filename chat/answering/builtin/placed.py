"""Words placed once the rest of the question is read: they add nothing to the reading but
say how what was read fits together ("shared by" before a count of the subject's rows,
"both" before two conditions no row meets). Unplaced otherwise, so the question is refused."""

from __future__ import annotations

from .reader import Reading


def _both_said(r: Reading) -> None:
    """ "a movie both in 1999 and 2000": "both" says what two conditions on one column that
    no single row meets already read as (rows of each, the values both have); otherwise it
    stays unplaced and the question is refused."""
    from .finish import _contradiction

    left = [i for i, m in enumerate(r.ms) if i not in r.used and m.is_role("both")]
    if len(left) != 1 or _contradiction(r) is None:
        return
    r.take(left[0])
    # "industries that have both companies in USA and companies in China": the subject's
    # rows named again on each side of the "and", right after "both" and after the "and"
    for i in range(left[0] + 1, len(r.ms)):
        m, before = r.ms[i], r.ms[i - 1]
        if i in r.used or m.kind != "table" or m.tables != (r.subject,):
            continue
        if before.is_role("both", "and") or (before.is_fn() and r.ms[i - 2].is_role("both", "and")):
            r.take(i)


def _verbs_by(r: Reading) -> None:
    """ "products produced by Sony", "papers published by the institution 'X'": a verb and
    "by" before a value or table already read say only how the two are linked, when they
    are linked one way (a single foreign-key path)."""
    for i, m in enumerate(r.ms):
        if i in r.used or m.kind != "unknown" or not m.text.endswith(("ed", "en")):
            continue
        j = r.next(i + 1)
        by = r.at(j)
        if by is not None and by.is_role("group") and by.text.startswith("by") and j in r.used:
            # "medicines offered by each trade name": the group read, the verb says how; only
            # a column of the subject's own (a verb may name one link among several)
            if all(c.table == r.subject.qualified_name for c in r.group_by):
                r.take(i)
            continue
        if by is None or not by.is_role("by"):
            continue
        k = r.next(j + 1)
        # "shared by more than two companies", "used by the most companies": the count
        # read around the table (HAVING, ranking), the verb and "by" only link it
        counted = False
        while r.at(k) is not None and (
            r.ms[k].is_role("both")
            or (k in r.used and (r.ms[k].is_role("cmp", "agg") or r.ms[k].kind == "number"))
        ):
            counted = counted or not r.ms[k].is_role("both")
            k = r.next(k + 1)
        if counted and (r.at(k) is None or r.ms[k].tables != (r.subject,)):
            continue  # a count of the subject's own rows only
        target = r.at(k)
        if target is None or k not in r.used:
            continue
        tables = [t.qualified_name for t in target.tables] or [
            v.table.qualified_name for v in target.values
        ]
        if len(set(tables)) != 1:
            continue
        if (
            tables[0] != r.subject.qualified_name
            and len(r.lex.graph.path(r.subject.qualified_name, tables[0])) > 2
        ):
            continue
        r.take(i, j)
