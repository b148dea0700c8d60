"""A verb that names the column a condition or an order beside it is on: "cinemas opened in
2011" (a filter on Openning_year), "entrepreneurs that requested more than 140000"
(Money_Requested), "sorted by the year they joined" (Year_Join). The verb adds nothing to
the reading: it says again which column the number or value beside it is about. Placed only
when the column the reader chose for that number or value is the one whose name shares the
verb's stem; a verb naming another column ("registered after 2015" read on a level column)
stays unplaced and the question is refused.
"""

from __future__ import annotations

from .index import name_words
from .interpretation import Col
from .link_verbs import IRREGULAR, OUTCOMES, base
from .reader import Reading

# What may stand between the verb and the number or value it describes: "opened in year
# 2011 or later", "requested more than 140000", "joined between 2000 and 2005".
BETWEEN = {"cmp", "between", "or", "and", "both", "by", "dir", "order"}


def column_verbs(r: Reading) -> None:
    read = [f.column for f in r.filters] + [o.measure.column for o in r.order]
    read = [c for c in read if c is not None]
    if not read:
        return
    for i, m in enumerate(r.ms):
        if i not in r.used and m.is_role("named") and m.text in ("named", "called", "titled"):
            _named(r, i, read)
            continue
        if i in r.used or m.kind != "unknown" or " " in m.text or not m.text.isalpha():
            continue
        if m.text in OUTCOMES or not (m.text in IRREGULAR or m.text.endswith(("ed", "ing"))):
            continue  # a verb's form only: "industry" after 'Banking' is a noun phrase
        for k in _neighbours(r, i):
            if any(c in read and _names(r, m.text, c) for c in _columns_of(r, k)):
                r.take(i)
                break


def _named(r: Reading, i: int, read: list[Col]) -> None:
    """ "the employee named Ebba" where another rule already read 'Ebba' as a condition on
    Employee_Name: "named" ("called", "titled") says which column, the one the reader chose."""
    k = r.next(i + 1)
    if k >= len(r.ms) or k not in r.used or r.ms[k].kind not in ("value", "literal"):
        return
    word = "titled" if r.ms[i].text == "titled" else "named"
    if any(c in read and _names(r, word, c) for c in _columns_of(r, k)):
        r.take(i)


def _neighbours(r: Reading, i: int) -> list[int]:
    """The nearest used mentions of a thing before and after the verb."""
    found = []
    j = i - 1
    while j >= 0 and r.ms[j].kind == "function":
        j -= 1
    if j >= 0 and j in r.used:
        found.append(j)
    k = i + 1
    while k < len(r.ms) and (r.ms[k].kind == "function" or r.ms[k].is_role(*BETWEEN)):
        k += 1
    if k < len(r.ms) and k in r.used:
        found.append(k)
    return found


def _columns_of(r: Reading, k: int) -> list[Col]:
    m = r.ms[k]
    if m.kind == "column" and not m.extra:
        return [Col(c.table.qualified_name, c.column.name) for c in m.columns]
    if m.kind in ("value", "literal"):
        return [Col(v.table.qualified_name, v.column.name) for v in m.values]
    if m.kind == "number":  # the columns the reader compared this number with
        return [f.column for f in r.filters if m.number in f.values or int(m.number) in f.values]
    return []


def stems(verb: str) -> set[str]:
    """The verb's possible bases by English morphology: "opened" -> open, "named" -> name,
    "planned" -> plan, "making" -> make, "taught" -> teach."""
    if verb in IRREGULAR:
        return {base(verb)}
    cut = 2 if verb.endswith("ed") else 3 if verb.endswith("ing") else 0
    if not cut:
        return {verb}
    root = verb[:-cut]
    found = {root, root + "e"}
    if len(root) > 2 and root[-1] == root[-2]:
        found.add(root[:-1])  # a doubled consonant
    return found


def _names(r: Reading, verb: str, col: Col) -> bool:
    """A word of the column's name starts with the verb's base, or the base with it, or they
    share five letters ("opened" ~ Openning_year, "requested" ~ Money_Requested, "joined" ~
    Year_Join); "registered" does not name a region."""
    for w in name_words(col.column):
        for a in stems(verb):
            if min(len(a), len(w)) < 4:
                continue
            common = 0
            while common < min(len(a), len(w)) and a[common] == w[common]:
                common += 1
            if w.startswith(a) or a.startswith(w) or common >= 5:
                return True
    return False
