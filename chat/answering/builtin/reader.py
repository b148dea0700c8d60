"""Mentions -> an Interpretation: the subject table, what is asked of it (the head) and the
clauses after it (the tail, read in clauses.py).

Coverage accounting: every mention is consumed by one element of the reading or is a
function word; any other word left over ends in a Refusal that names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from connections.dialects.schema import Table

from .count_bounds import bound_first
from .each_count import each_and_count
from .index import ColumnRef, Lexicon, name_words
from .interpretation import Col, Filter, Having, Interpretation, Measure, Order, Related
from .mentions import Mention

OPENERS = {"which", "who", "what", "how", "show", "list", "find", "give", "return", "count"}


class Refusal(Exception):
    pass


@dataclass
class Reading:
    """The reader's working state; frozen into an Interpretation at the end."""

    ms: tuple[Mention, ...]
    lex: Lexicon
    used: set[int] = field(default_factory=set)
    subject: Table | None = None
    outputs: list[Measure] = field(default_factory=list)
    count: bool = False
    filters: list[Filter] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    group_by: list[Col] = field(default_factory=list)
    group_rows: bool = False
    having: list[Having] = field(default_factory=list)
    order: list[Order] = field(default_factory=list)
    limit: int | None = None
    distinct: bool = False
    which: bool = False  # "which"/"who" questions name the rows: their label columns
    ranking_output: bool = False  # show the ranked measure too ("which genre has the most")
    named_outputs: bool = False  # the head named its columns
    rank_by: bool = False  # "top 5 X by Y": Y is shown beside X
    sort_first: bool = False  # "Sort the names of ...": order by what is listed
    sort_desc: bool = False
    group_first: bool = False  # "by country", "per month": the group leads the columns
    unshown_groups: list[Col] = field(default_factory=list)  # "in the most common type": not listed
    order_pending: bool = False  # "ordered" seen, "by ..." to come
    sample: bool = False  # "5 sample rows": whole rows
    from_columns: bool = False  # no table named: the subject holds the columns named
    subject_at: int | None = None  # the mention that named the subject
    amount_subject: bool = False  # no table named: the subject holds the amount asked about
    today: object = None  # what "last year" counts from
    notes: list[str] = field(default_factory=list)
    excluded: list[Filter] = field(default_factory=list)  # "but not <value>": EXCEPT its rows

    # -- helpers used by both halves --------------------------------------------------------
    def take(self, *indices: int) -> None:
        self.used.update(indices)

    def next(self, i: int, skip_fn: bool = True) -> int:
        """Index of the next mention at or after i that is not a function word."""
        while skip_fn and i < len(self.ms) and self.ms[i].kind == "function":
            i += 1
        return i

    def at(self, i: int) -> Mention | None:
        return self.ms[i] if 0 <= i < len(self.ms) else None

    def col(self, mention: Mention, prefer: Table | None = None) -> Col:
        """The column a mention names, nearest the subject on the FK graph; ambiguous -> refuse."""
        if mention.extra.get("implied") or mention.extra.get("period"):
            from .vocabulary import column  # "revenue", "per month"

            return column(self, mention, prefer)
        anchor = prefer or self.subject
        col = resolve_column(mention.columns, anchor, self.lex, mention.text)
        if anchor is not None and col.table != anchor.qualified_name:
            from .stand_ins import name_of_another

            return name_of_another(self, anchor, col, mention.text)
        return col

    def ref(self, table: Table, column_name: str) -> Col:
        return Col(table.qualified_name, column_name)


def one_link(r: Reading, table: str) -> bool:
    """The subject reaches `table` one way only: a direct foreign key (one), or through a
    single table in between. Students reach courses through registrations and through
    attendance: which one "students who never took a course" means is not said."""
    graph, start = r.lex.graph, r.subject.qualified_name
    if any(t == table for t, _ in graph.edges.get(start, [])):
        return True  # a direct key (the first of several, as the join graph picks)
    middles = {
        t
        for t, _ in graph.edges.get(start, [])
        if any(u == table for u, _ in graph.edges.get(t, []))
    }
    return len(middles) == 1


def resolve_column(
    refs: tuple[ColumnRef, ...], anchor: Table | None, lex: Lexicon, text: str
) -> Col:
    exact = [r for r in refs if r.exact] or list(refs)
    if anchor is not None:
        own = [r for r in exact if r.table is anchor] or [r for r in refs if r.table is anchor]
        if len(own) == 1:
            return Col(anchor.qualified_name, own[0].column.name)
        if len(own) > 1:
            raise Refusal(f"'{text}' could be several columns of {anchor.name}.")
        distance = {
            id(r): lex.graph.distance(anchor.qualified_name, r.table.qualified_name) for r in exact
        }
        best = min(distance.values())
        near = [r for r in exact if distance[id(r)] == best]
        if best >= 99:
            raise Refusal(f"'{text}' is not connected to {anchor.name}.")
        if len({r.table.qualified_name for r in exact}) > 1:
            from .traces import fired

            fired("column:nearest-of-several-tables")
    else:
        near = exact
    if len({(r.table.qualified_name, r.column.name) for r in near}) > 1:
        where = ", ".join(sorted({f"{r.table.name}.{r.column.name}" for r in near})[:4])
        raise Refusal(f"'{text}' could mean {where}; please name the table.")
    if anchor is not None and near[0].table is not anchor and not near[0].exact:
        from .stand_ins import check_attribute_of_another

        check_attribute_of_another(anchor, near[0], lex, text)
    return Col(near[0].table.qualified_name, near[0].column.name)


def read(ms: tuple[Mention, ...], lex: Lexicon, today=None) -> Interpretation:
    from .clauses import read_tail
    from .finish import _finish
    from .head import _read_head
    from .subject import _subject_at, _subject_from_columns

    if (
        len(ms) > 1
        and ms[0].is_role("and", "but")
        and ms[0].text in ("and", "but")
        and not ms[1].is_role("by", "group", "and", "or", "but")
    ):
        ms = ms[1:]  # "And what is ...?": a whole question after the connective
    ms = _either_paired(ms)
    from .except_rows import rows_without

    without = rows_without(ms, lex, today, read)  # "locations where no cinema has ..."
    if without is not None:
        return without
    ms = bound_first(ms)  # "two or more accounts": "at least two accounts"
    ms = each_and_count(ms)  # "Show each X and the number of Y": "the number of Y for each X"
    moved = _group_last(ms)
    r = Reading(moved, lex, today=today)
    r.group_first = moved is not ms  # "For each type, the average tonnage": type first
    ms = moved
    # "What department has the lowest budget?" asks as "Which department ...": the rows named
    # by their label columns, not whole rows.
    r.which = bool(ms) and (
        ms[0].text in ("which", "who")
        or (ms[0].text == "what" and len(ms) > 1 and ms[1].kind == "table")
    )
    if ms and ms[0].text in ("where", "when"):
        raise Refusal(f"I could not tell which column answers '{ms[0].text}'; name it.")
    if ms and ms[0].is_role("by", "group"):  # "For each X ..." that _group_last could not move
        raise Refusal(
            f"I could not tell what '{ms[0].text}' at the start groups by; please name the group "
            "at the end, as in 'the average price for each category'."
        )
    if ms and ms[0].is_role("and", "or", "but"):
        raise Refusal("This reads like a follow-up to an earlier question; please ask it in full.")
    if ms and ms[0].is_role("order") and ms[0].text in ("sort", "order", "rank", "sorted"):
        r.take(0)
        r.sort_first = True
    s = r.subject_at = _subject_at(r)
    if s is None:
        _subject_from_columns(r)
        read_tail(r, _read_head(r, len(ms), stop_at_clause=True))
    else:
        r.subject = ms[s].tables[0] if len(ms[s].tables) == 1 else _one_table(ms[s])
        r.take(s)
        head_end = _read_head(r, s, stop_at_clause=False)
        read_tail(r, head_end, s)  # conditions before the subject: "Metal tracks"
        read_tail(r, s + 1)
    return _finish(r)


def _either_paired(ms: tuple[Mention, ...]) -> tuple[Mention, ...]:
    """ "in either 1999 or 2000", "whose city is either Rome or Oslo": "either" adds nothing
    to the "or" after it, which the readers still have to place (or the question is refused)."""
    out = list(ms)
    for i, m in enumerate(ms):
        if m.is_role("or") and m.text == "either":
            if any(x.is_role("or") and x.text == "or" for x in ms[i + 1 :]):
                out[i] = replace(m, kind="function", role="")
    return tuple(out)


def _group_last(ms: tuple[Mention, ...]) -> tuple[Mention, ...]:
    """ "For each zip code, how many trips ...": the leading group read where it usually
    stands, after the rest ("how many trips ... for each zip code")."""
    if len(ms) < 3 or not ms[0].is_role("group"):
        return ms
    j = 1
    while j < len(ms) and ms[j].kind == "function":
        j += 1
    if j >= len(ms) - 1 or ms[j].kind not in ("column", "table"):
        return ms
    return ms[j + 1 :] + ms[: j + 1]


def _one_table(m: Mention) -> Table:
    raise Refusal(f"'{m.text}' could be the tables {', '.join(t.name for t in m.tables[:4])}.")


def _names_table(m: Mention, table: Table) -> bool:
    """The mention says its table's words too: "order total", "customer segment"."""

    said = set(m.text.split()) | {w.rstrip("s") for w in m.text.split()}
    return set(name_words(table.name)) <= said


def _name_like(r: Reading) -> list:
    labels = r.lex.words.label_columns(r.subject)
    return [c for c in labels if not r.lex.words.is_key(r.subject, c) and not r.lex.is_numeric(c)]


__all__ = ["Refusal", "Reading", "read", "replace"]
