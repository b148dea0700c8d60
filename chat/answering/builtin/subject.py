"""Which table a question is about: the first table it names (not one after "by", "per",
"not" or a comparison), else the one table holding every column it names."""

from __future__ import annotations

from .head import _agg_word
from .mentions import Mention
from .reader import Reading, Refusal, _names_table
from .traces import fired


def _subject_at(r: Reading) -> int | None:
    for i, m in enumerate(r.ms):
        if m.kind != "table":
            continue
        before = _prev(r, i)
        if before is not None and (before.is_role("group", "by", "neg", "cmp")):
            continue
        return i
    return _each_table(r)


def _each_table(r: Reading) -> int | None:
    """ "the department name, city and state for each department": no table named before,
    the one after "each" is the subject when every column named is its own or a parent's."""
    found = [
        i
        for i, m in enumerate(r.ms)
        if m.kind == "table"
        and len(m.tables) == 1
        and (p := _prev(r, i)) is not None
        and p.is_role("group")
    ]
    if len(found) != 1 or any(m.kind == "table" for m in r.ms if m is not r.ms[found[0]]):
        return None
    table = r.ms[found[0]].tables[0]
    parents = {fk.referred_table for fk in table.foreign_keys}
    for m in r.ms:
        if m.kind == "column":
            own = [c for c in m.columns if c.table is table or c.table.name in parents]
            if not own:
                return None
    return found[0]


def _prev(r: Reading, i: int) -> Mention | None:
    j = i - 1
    while j >= 0 and r.ms[j].kind == "function":
        j -= 1
    return r.ms[j] if j >= 0 else None


def _subject_from_columns(r: Reading) -> None:
    """No table named: the one table holding every column the question names ("the
    maximum and minimum grade point" -> the one table with a grade point column). When
    several hold them all, the one whose own words the mention says ("order total"); else
    refuse and name them."""
    from .vocabulary import implied_subject

    if (found := implied_subject(r)) is not None:  # "total revenue by country"
        r.subject = found
        return
    named = [m for i, m in enumerate(r.ms) if m.kind == "column" and not _agg_word(r, i)]
    counts = [i for i, m in enumerate(r.ms) if m.is_role("count")]
    grouped = any(m.is_role("group", "by") for m in r.ms)
    if counts and grouped and not _counts_column(r, counts[0]):
        raise Refusal("I could not tell what to count; name the table.")  # "how many per X"
    if not named:
        raise Refusal("I could not tell which table the question is about.")
    holders = None
    for m in named:
        refs = [c for c in m.columns if c.exact] or list(m.columns)
        tables = {id(c.table): c.table for c in refs}
        holders = tables if holders is None else {k: t for k, t in holders.items() if k in tables}
    if holders and len(holders) > 1:
        said = {k: t for k, t in holders.items() if any(_says_table(m, t) for m in named)}
        # Words of a table said only inside the column's own name ("product name" for
        # Products.product_name beside Services.product_name) weigh less than a code table.
        echoed = {k: t for k, t in holders.items() if any(_names_table(m, t) for m in named)}
        code = _code_table(holders, named)
        holders = said or code or echoed or holders
        fired("subject:said" if said else "subject:code-table" if code else
              "subject:echoed" if echoed else "subject:several-holders")  # fmt: skip
    if holders and len(holders) > 1:  # "the first names of all the instructors" (a rank)
        valued = {id(v.table) for m in r.ms if m.kind == "value" for v in m.values}
        holders = {k: t for k, t in holders.items() if k in valued} or holders
        fired("subject:valued")
    if not holders:  # "party names and their region names": the first column's table,
        # when every other column named is one foreign key away from it.
        first = {id(c.table): c.table for c in named[0].columns if c.exact}
        near = {
            k: t
            for k, t in first.items()
            if all(
                any(r.lex.graph.distance(t.qualified_name, c.table.qualified_name) <= 1
                    for c in m.columns if c.exact)
                for m in named[1:]
            )
        }  # fmt: skip
        holders = near if len(near) == 1 else holders
        fired("subject:near-first-column")
    if holders and len(holders) == 1:
        r.subject = next(iter(holders.values()))
        r.from_columns = True
        return
    if holders:
        names = ", ".join(sorted(t.name for t in holders.values())[:4])
        raise Refusal(f"'{named[0].text}' is a column of {names}; please name the table.")
    raise Refusal("I could not tell which table the question is about.")


def _counts_column(r: Reading, i: int) -> bool:
    """ "how many different types", "the number of distinct cities": a column is counted."""
    j = r.next(i + 1)
    while r.at(j) is not None and r.ms[j].is_role("distinct", "count"):
        j = r.next(j + 1)
    return r.at(j) is not None and r.ms[j].kind == "column"


def _says_table(m: Mention, table) -> bool:
    """The mention says the table's words beyond the column's own name: "order total" says
    orders, but "document status code" says Documents no more than Ref_Document_Status,
    since document_status_code carries "document" in both."""
    from .index import name_words

    own = [c for c in m.columns if c.table is table]
    twords = set(name_words(table.name))
    return _names_table(m, table) and not any(twords <= set(name_words(c.column.name)) for c in own)


def _code_table(holders: dict, named: list[Mention]) -> dict:
    """ "What document status codes do we have?" where Documents refers to
    Ref_Document_Status by that code: the table the code is the key of lists each code
    once, the others repeat it per row. Only for one column named that is the sole key of
    one holder and that every other holder refers to by a foreign key, and only for a code
    (text): a numeric key ("How many distinct DNO are there?") is a row's number, and
    whether the rows using it are meant is not said."""
    from .linking import is_numeric

    if len(named) != 1:
        return {}
    keyed = {
        k: t
        for k, t in holders.items()
        if any(
            c.table is t and list(t.primary_key) == [c.column.name] and not is_numeric(c.column)
            for c in named[0].columns
        )
    }
    if len(keyed) != 1:
        return {}
    (key_table,) = keyed.values()
    for k, t in holders.items():
        if k not in keyed and not any(fk.referred_table == key_table.name for fk in t.foreign_keys):
            return {}
    return keyed
