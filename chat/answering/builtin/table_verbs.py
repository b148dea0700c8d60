"""A table's name used as the verb of a relative clause: "channels that broadcast in the
morning" where a table Broadcast holds Time_of_day 'Morning', "drivers who race in Monaco"
with a table Race. The word says only that the subject's rows are linked to rows of that
table, which the values after it already filter: it is placed when the table is the one the
values are stored in and the subject reaches it one way only."""

from __future__ import annotations

from .link_verbs import BETWEEN, LEAD_INS, _paths
from .reader import Reading


def table_verbs(r: Reading) -> None:
    subject = r.subject.qualified_name
    for i, m in enumerate(r.ms):
        if i in r.used or m.kind != "table" or len(m.tables) != 1 or " " in m.text:
            continue
        table = m.tables[0].qualified_name
        before = r.at(i - 1)
        if table == subject or before is None:
            continue
        said_of_subject = (
            (i - 1) in r.used and before.kind == "table" and before.tables == (r.subject,)
        )
        if not (before.is_fn(*LEAD_INS) or said_of_subject):
            continue  # "the broadcast" is a noun: left to the rules that read tables
        k = i + 1
        while k < len(r.ms) and (r.ms[k].kind == "function" or r.ms[k].is_role(*BETWEEN)):
            k += 1
        value = r.at(k)
        if value is None or k not in r.used or value.kind not in ("value", "literal"):
            continue
        if {v.table.qualified_name for v in value.values} != {table}:
            continue
        if not any(f.column.table == table for f in r.filters):
            continue
        if _paths(r, subject, table) == 1:
            r.take(i)
