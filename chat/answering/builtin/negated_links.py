"""Rows with no row in the table that links them to another: "students not enrolled in any
course", "scientists who have not been assigned a project", "departments that have no
students minored in" (NOT EXISTS on Enrolled_in, AssignedTo, Minor_in).

relations._negated_related reads "no <table>" when nothing follows the table; here two
tables are named (the link and the far one, in either order) or one table and a verb that
names the link ("minored" for Minor_in). Read only when the link holds exactly one key to
the subject and one to the far table, so which rows are meant is not in doubt.
"""

from __future__ import annotations

from .interpretation import Related
from .reader import Reading


def _negated_link(r: Reading, i: int) -> int | None:
    """ "students not enrolled in any course", "scientists who have not been assigned a
    project", "students who never attended a course": rows of the subject with no row in the
    table that links them to the other one named (Enrolled_in, AssignedTo, Attendance). The
    link is named by a table word or by the verb ("attended" for Student_Course_Attendance)
    and must hold one key to the subject and one to the other table; nothing may follow."""
    m = r.ms[i]
    if i in r.used or not m.is_role("neg"):
        return None
    from .relations import ASK_VERBS, _is_verb

    j, verbs, tables = r.next(i + 1), [], []
    while r.at(j) is not None and len(tables) <= 2:
        x = r.ms[j]
        if x.text in ASK_VERBS:
            break  # "? Give their names.": a second sentence, read by _late_outputs
        if x.kind == "table" and len(x.tables) == 1 and x.tables[0] is not r.subject:
            tables.append(j)
        elif x.kind == "unknown" and _is_verb(r, j) and len(verbs) < 2:
            verbs.append(j)
        elif not (x.kind == "function" or x.is_role("by")):
            return None
        j += 1
    rest = []
    for x in r.ms[j:]:
        if x.text in ASK_VERBS:
            break  # "? Give their names.": a second sentence, read by _late_outputs
        if x.kind != "function" and not x.is_role("order", "dir", "by"):
            rest.append(x)
    if rest or not tables or len(tables) > 2:
        return None
    named = [r.ms[t].tables[0] for t in tables]
    if len(named) == 2:
        link = _link_of(r, named[0], named[1]) or _link_of(r, named[1], named[0])
    else:
        link = _verb_link(r, verbs, named[0])
    if link is None:
        return None
    r.take(i, *verbs, *tables, *[k for k in range(i, j) if r.ms[k].is_role("by")])
    r.related.append(Related(link.qualified_name, negated=True))
    return j


def _link_of(r: Reading, link, other):
    """`link` when it holds exactly one key to the subject and one to `other`."""
    edges = [t for t, _ in r.lex.graph.edges.get(link.qualified_name, [])]
    subject = r.subject.qualified_name
    if edges.count(subject) != 1 or edges.count(other.qualified_name) != 1:
        return None
    keys = {fk.referred_table for fk in link.foreign_keys}
    if r.subject.name not in keys or other.name not in keys:
        return None  # the link refers to both (not a table the subject refers to)
    return link


def _verb_link(r: Reading, verbs: list[int], other):
    """The one table whose name the verb opens and that links the subject to `other`."""
    from .index import name_words

    found = []
    for v in verbs:
        word = r.ms[v].text
        stem = word[:-3] if word.endswith("ing") else word[:-2] if word.endswith("ed") else word
        stem = stem[:6]  # "attended" opens Attendance, "minored" Minor_in
        if len(stem) < 5:
            continue
        for table in r.lex.document.tables:
            if any(w.startswith(stem) for w in name_words(table.name)):
                if _link_of(r, table, other) is not None:
                    found.append(table)
    return found[0] if len(found) == 1 else None
