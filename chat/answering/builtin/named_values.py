"""Named values in the tail of a question: "in Germany", "Metal tracks", "not in France or
Spain", "the Rock genre", "made by both Sony and Creative Labs". A value found in the data
becomes an equality (or IN / NOT IN) on the column that stores it."""

from __future__ import annotations

from .clauses import _prev_index
from .interpretation import Col, Filter
from .mentions import Mention
from .reader import Reading, Refusal
from .traces import fired


def _values(r: Reading, i: int) -> int | None:
    """ "in Germany", "Metal tracks", "not in France or Spain", "the Rock genre"."""
    m = r.ms[i]
    negated = False
    start = i
    if m.is_role("neg") or (m.is_role("cmp") and m.arg == "!="):
        j = r.next(i + 1)
        verb = r.at(j) is not None and r.ms[j].kind == "unknown" and r.ms[j].text.endswith("ed")
        if verb:  # "wines not produced in Sonoma"
            j = r.next(j + 1)
        if r.at(j) is None or not (
            r.ms[j].kind == "value" or (r.ms[j].kind == "literal" and r.ms[j].values)
        ):
            return None  # "not in Germany", "not located in 'Donceel'"
        negated, i, m = True, j, r.ms[j]
        if verb:
            r.take(r.next(start + 1))
    if m.kind not in ("value", "literal") or (m.kind == "literal" and not m.values):
        return None
    if not negated and _head_noun(r, i):
        return None
    group = [i]
    k = r.next(i + 1)
    while r.at(k) is not None:
        joined = r.ms[k].is_role("or", "and")
        nxt = r.next(k + 1) if joined else k
        if not joined and nxt != group[-1] + 1:
            break  # "from Los Angeles to Honolulu": two conditions, not a list
        quoted = r.at(nxt) is not None and r.ms[nxt].kind == "literal"
        said_or = joined and r.ms[k].is_role("or")
        if said_or and quoted and r.ms[group[0]].kind == "literal" and not r.ms[nxt].values:
            pass  # "from 'England' or 'Wales'": quotes say what to look for, stored or not
        elif r.at(nxt) is None or r.ms[nxt].kind not in ("value", "literal"):
            break
        elif not _shared(r.ms[group[0]], r.ms[nxt]):
            break
        group += [nxt]
        if joined:
            r.take(k)
        k = r.next(nxt + 1)
    options = _shared(*(r.ms[g] for g in group if r.ms[g].values))
    # A column or table named right before or after narrows the value: "genre Rock".
    around = [x for x in (_prev_index(r, start), r.next(group[-1] + 1)) if r.at(x) is not None]
    for x in around:
        near = r.ms[x]
        if x in r.used:
            continue
        if near.kind == "column":
            narrowed = {(c.table.qualified_name, c.column.name) for c in near.columns} & options
            if narrowed:
                options, _ = narrowed, r.take(x)
        elif near.kind == "table" and len(near.tables) == 1:
            narrowed = {o for o in options if o[0] == near.tables[0].qualified_name}
            if narrowed and near.tables[0] is not r.subject:
                options, _ = narrowed, r.take(x)
    col = _pick(r, options, r.ms[i].text)
    if negated and _many(r, col):
        return None  # not a value of one of several related rows: an anti-join
    before = _prev_index(r, start)
    if before >= 0 and r.ms[before].is_role("by") and before not in r.used:
        r.take(before)  # "payments by paypal"
    stored = []
    for g in group:
        stored += [
            v.value
            for v in r.ms[g].values
            if (v.table.qualified_name, v.column.name) == (col.table, col.column)
        ][:1] or ([r.ms[g].text] if not r.ms[g].values else [])
    both = _both_before(r, start)
    both_said = both >= 0 and r.ms[both].is_role("both")
    if (
        len(stored) > 1
        and (col.table, col.column) in r.lex.exhaustive
        and not negated
        and not both_said
    ):
        every = _distinct_values(r, col)
        if every and set(stored) >= every:
            return None  # "male and female faculty": every value, a breakdown not a filter
    r.take(start, *group)
    joined = [x for x in range(group[0], group[-1]) if r.ms[x].is_role("and")]
    if both >= 0 and r.ms[both].is_role("both") and len(stored) == 2 and joined and not negated:
        # "products made by both Sony and Creative Labs": rows with each, both kept
        # (reader._contradiction turns the two into an INTERSECT).
        r.take(both)
        r.filters += [Filter(col, "=", (stored[0],)), Filter(col, "=", (stored[1],))]
        return group[-1] + 1
    op = ("notin" if negated else "in") if len(stored) > 1 else ("!=" if negated else "=")
    r.filters.append(Filter(col, op, tuple(dict.fromkeys(stored)), keep_nulls=negated))
    return group[-1] + 1


def _both_before(r: Reading, start: int) -> int:
    """Where "both" would stand before the values: right before them, or before the column
    or table that narrows them ("ordered both products Latte and Americano")."""
    before = _prev_index(r, start)
    x = r.at(before)
    if x is not None and x.kind in ("column", "table") and before in r.used:
        return _prev_index(r, before)
    return before


def _head_noun(r: Reading, i: int) -> bool:
    """ "the products with next entry id above 8" where a lookup table stores 'Product': a
    plural after "the", before "with/whose/that", names the rows asked about, not a value
    of another table's column."""
    m = r.ms[i]
    if m.kind != "value" or not m.text.endswith("s") or " " in m.text:
        return False
    if any(str(v.value).lower() == m.text for v in m.values):
        return False  # stored as said, plural and all
    if any(v.table is r.subject for v in m.values):
        return False
    before = r.at(i - 1)
    after = r.at(i + 1)
    return (
        before is not None
        and before.text == "the"
        and (after is None or after.text in ("with", "whose", "that", "which", "who"))
    )


def _distinct_values(r: Reading, col: Col) -> set:
    return {
        v.value
        for refs in r.lex.values.values()
        for v in refs
        if (v.table.qualified_name, v.column.name) == (col.table, col.column)
    }


def _many(r: Reading, col: Col) -> bool:
    """The column is in a table holding several rows per subject row."""
    return col.table != r.subject.qualified_name and r.lex.graph.duplicates_rows_of(
        r.subject.qualified_name, [col.table]
    )


def _shared(*ms: Mention) -> set[tuple[str, str]]:
    sets = [{(v.table.qualified_name, v.column.name) for v in m.values} for m in ms]
    return set.intersection(*sets) if sets else set()


def _pick(r: Reading, options: set[tuple[str, str]], text: str) -> Col:
    own = [o for o in options if o[0] == r.subject.qualified_name]
    if len(own) == 1:
        if len(options) > 1:
            fired("value:subject-column-over-others")
        return Col(*own[0])
    if len(own) > 1:
        raise Refusal(f"'{text}' is a value of several columns of {r.subject.name}.")
    dist = {o: r.lex.graph.distance(r.subject.qualified_name, o[0]) for o in options}
    best = min(dist.values(), default=99)
    near = [o for o in options if dist[o] == best]
    if best >= 99 or len(near) != 1:
        raise Refusal(f"I could not tell which column '{text}' is a value of.")
    if len(options) > 1:
        fired("value:nearest-of-several")
    return Col(*near[0])
