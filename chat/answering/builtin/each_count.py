""" "Show each X and the number of Y (there / in that X / with each X)": a count per group
said group first, read as its usual form "the number of Y for each X"; likewise "the
average (maximum, ...) Z of Y" where Z is a column of Y.

Only the whole-question shape is rewritten, and only when what follows the count names the
same group again (or nothing): everything dropped is a function word, the connective, the
"each" / "different" before the group, or the group said a second time.
"""

from __future__ import annotations

from dataclasses import replace

from .mentions import Mention
from .words import singular

OPENERS = {"show", "list", "what", "give", "return", "find", "display", "get"}
LEADS = ("group", "distinct", "all")  # "each X", "different X", "all X"
BACK = {"that", "this", "each", "every", "the", "its", "their"}
AFTER = {"there", "in", "of", "with", "for", "by", "at", "from", "on", "within"}
OWN = {"they", "have", "has", "it", "them"}  # "the number of Y they have"
SAY_AGAIN = {"that", "this", "each", "every"}
LEAD_IN = {"the", "also", "corresponding", "respective", "its", "their"}
JOINERS = {"and", "with", "along with", "together with"}


def _words(m: Mention) -> set[str]:
    return {singular(w) for w in m.text.split()}


def _fn(m: Mention) -> bool:
    return m.kind == "function"


def each_and_count(ms: tuple[Mention, ...]) -> tuple[Mention, ...]:
    if len(ms) > 1 and ms[0].text == "please":
        ms = ms[1:]  # "Please show each X and ..."
    if len(ms) < 5 or not _fn(ms[0]) or ms[0].text not in OPENERS:
        return ms
    i = 1
    while i < len(ms) and (_fn(ms[i]) or ms[i].is_role(*LEADS)):
        i += 1
    if i >= len(ms) or ms[i].kind not in ("column", "table"):
        return ms
    group, i = ms[i], i + 1
    of_table = None
    if i + 1 < len(ms) and (ms[i].is_fn("of") or ms[i].text == "of each"):
        j = i + 2 if ms[i + 1].is_role("group") else i + 1  # "the name of each county"
        if j < len(ms) and ms[j].kind == "table":
            of_table, i = ms[j], j + 1
    if i < len(ms) and ms[i].text in ("along", "together"):
        i += 1  # "along with", "together with"
    if i >= len(ms) or not (ms[i].is_role("and") or ms[i].text in JOINERS):
        return ms
    i += 1
    while i < len(ms) and _fn(ms[i]) and ms[i].text in LEAD_IN:
        i += 1
    measure = _measure(ms, i)
    if measure is None:
        return ms
    counted, i = measure[-1], i + len(measure)
    count = measure[0]
    if of_table is not None:
        if group.kind == "column" and _ids(of_table.tables) == _ids(counted.tables):
            pass  # "the types of ships and the number of ships": a column of the counted table
        elif group.kind == "column" and group.text in ("name", "names"):
            group = of_table  # "the names of companies and the number of employees"
        elif group.kind == "column" and len(of_table.tables) == 1:
            table = of_table.tables[0]  # its key only: one group per row of that table
            own = tuple(c for c in group.columns if c.table is table and _key(table, c))
            if not own:
                return ms
            group = replace(group, columns=own)  # "the code of each role": Roles' code
        else:
            return ms
    elif group.kind == "column" and group.text in ("name", "names"):
        return ms
    if not _holds(counted, group):
        return ms  # the count would run over a join path nobody named
    marker = None
    again = False
    order: tuple[Mention, ...] = ()
    while i < len(ms):
        m = ms[i]
        if m.is_role("order", "dir"):  # "..., sorted by the number of Y": read as it stands
            order = ms[i:] if not _fn(ms[i - 1]) else ms[i - 1 :]
            break
        if _fn(m) and (m.text in AFTER or m.text in BACK or m.text in OWN):
            i += 1
        elif m.is_role("group") and marker is None:
            marker, i = m, i + 1
        elif (
            not again
            and m.kind in ("column", "table")
            and (_same(m, group) or (of_table is not None and _same(m, of_table)))
        ):
            again, i = True, i + 1
        else:
            return ms
    if marker is None:
        marker = Mention(kind="role", start=count.start, end=count.start, text="for each")
        marker = replace(marker, role="group")
    return (ms[0], *measure, marker, group, *order)


def _measure(ms: tuple[Mention, ...], i: int) -> tuple[Mention, ...] | None:
    """ "the number of Y" or "the average X of Y" at i: its mentions, the table last."""
    if i + 1 >= len(ms) or ms[i].text.startswith("how"):
        return None
    if ms[i].is_role("count") and ms[i + 1].kind == "table":
        return ms[i : i + 2]
    if not ms[i].is_role("agg") or ms[i + 1].kind != "column":
        return None
    if i + 3 < len(ms) and ms[i + 2].is_fn("of") and ms[i + 3].kind == "table":
        table = ms[i + 3]
        if len(table.tables) == 1 and any(c.table is table.tables[0] for c in ms[i + 1].columns):
            return ms[i : i + 4]  # "the average speed of roller coasters"
    return None


def _same(m: Mention, group: Mention) -> bool:
    """The group said again: the same column or table, or its last word ("that type")."""
    if m.kind == group.kind == "table":
        return _ids(m.tables) == _ids(group.tables)
    if m.kind == group.kind == "column" and _cols(m) & _cols(group):
        return True
    words = _words(m)
    return bool(words) and words <= _words(group)


def _ids(tables) -> set[int]:
    return {id(t) for t in tables}


def _cols(m: Mention) -> set[tuple[int, str]]:
    return {(id(c.table), c.column.name) for c in m.columns}


def _holds(counted: Mention, group: Mention) -> bool:
    """The counted rows carry the group: its column, or a foreign key to its table."""
    if len(counted.tables) != 1:
        return False
    table = counted.tables[0]
    if group.kind == "column":
        if any(c.table is table for c in group.columns):
            return True
        names = {c.table.name for c in group.columns}  # "the code of each role": by its key
        return len(names) == 1 and any(fk.referred_table in names for fk in table.foreign_keys)
    names = {t.name for t in group.tables}
    return len(names) == 1 and any(fk.referred_table in names for fk in table.foreign_keys)


def _key(table, ref) -> bool:
    return list(table.primary_key) == [ref.column.name]
