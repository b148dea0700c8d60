"""A name asked of one table answered by another table's name column: "the names of the
members" where member has no name but its party has Party_name. The party's name is not the
member's: each party's name would be shown for many members. Taken only when the other
table's rows are the subject's own one to one (gymnast is a person: its key refers to
people; each entrepreneur refers to a different person), or when the words name it
("party names"). Found by benchmarks/bench_ablation.py: with the subject's own name column
removed from dev schemas, 136 right answers turned into such stand-ins instead of refusals."""

from __future__ import annotations

from connections.dialects.schema import Table

from .index import Lexicon
from .interpretation import Col
from .traces import fired, stand_in

NAME_WORDS = {"name", "names", "title", "titles"}


def name_of_another(r, anchor: Table, col: Col, text: str) -> Col:
    """The column a generic name word said of `anchor` stands for when `col`, the nearest
    column so called, is another table's: the anchor's own one name-like column ("the names
    of courses": course.title); the other table's when its rows are the anchor's one to one,
    the words name it, or the question named the key leading there ("the account id and
    name"); otherwise refused."""
    from .reader import Refusal

    table = r.lex.table(col.table)
    how = stand_in(anchor, table, text)
    fired("column:other-table:" + how)
    relation, shares = _relation(anchor, table), _shares(anchor, table, text)
    fired(f"column:other-table:{relation}:{shares}")
    if how in ("said", "is-a"):
        return col
    distance = r.lex.graph.distance(anchor.qualified_name, table.qualified_name)
    if shares == "not" and distance > 1:
        # A column two or more joins away that the words do not tie to its table: on
        # spider-train databases nobody had tuned on, 8 of 14 such answers were wrong.
        raise Refusal(f"{anchor.name} has no column '{text}'; {table.name}'s is too far to be its.")
    names = set(text.split()) <= NAME_WORDS
    own = _name_like(anchor, r.lex) if names else []
    if len(own) == 1:
        fired("column:own-name-like")
        return Col(anchor.qualified_name, own[0].name)
    if _one_to_one_parent(anchor, table, r.lex) or _key_named(r, anchor, table):
        return col
    if _grouped_by(r, table):
        return col  # "the name and number of enrolments of each student": the group's name
    if not names:
        # Not checked here for words naming another thing of the schema (as for partial
        # matches below): on dev that lost 4 right answers for 1 wrong one.
        return col
    fired("refused:name-of-another-table")
    raise Refusal(
        f"{anchor.name} has no column '{text}'; {table.name}'s would be another thing's {text}."
    )


def _name_like(table: Table, lex: Lexicon) -> list:
    labels = lex.words.label_columns(table)
    return [c for c in labels if not lex.words.is_key(table, c) and not lex.is_numeric(c)]


def _key_named(r, anchor: Table, table: Table) -> bool:
    """An output already shows the anchor's key to `table` ("the account id and name")."""
    keys = {c for fk in anchor.foreign_keys if fk.referred_table == table.name for c in fk.columns}
    return any(
        o.column is not None and o.column.table == anchor.qualified_name and o.column.column in keys
        for o in r.outputs
    )


def _one_to_one_parent(anchor: Table, table: Table, lex: Lexicon) -> bool:
    """The anchor refers to `table` by one foreign key whose values do not repeat: each
    anchor row is a different `table` row (entrepreneur.People_ID)."""
    keys = [fk for fk in anchor.foreign_keys if fk.referred_table == table.name]
    if len(keys) != 1:
        return False
    return not any((anchor.qualified_name, c) in lex.repeated for c in keys[0].columns)


def _grouped_by(r, table: Table) -> bool:
    """The question groups by `table`: "for each student", "per team"."""
    for i, m in enumerate(r.ms):
        if m.kind == "table" and m.tables == (table,):
            j = i - 1
            while j >= 0 and r.ms[j].kind == "function":
                j -= 1
            if j >= 0 and r.ms[j].is_role("group"):
                return True
    return False


def _relation(anchor: Table, table: Table) -> str:
    if any(fk.referred_table == table.name for fk in anchor.foreign_keys):
        return "parent"
    if any(fk.referred_table == anchor.name for fk in table.foreign_keys):
        return "child"
    return "far"


def _shares(anchor: Table, table: Table, text: str) -> str:
    """Whether the words say something of the other table's own name (not the anchor's)."""
    from .index import name_words
    from .words import singular

    said = {singular(w) for w in text.split()}
    own = set(name_words(table.name)) - set(name_words(anchor.name)) - {"reference", "ref"}
    return "shares" if said & own else "not"


def check_attribute_of_another(anchor: Table, ref, lex: Lexicon, text: str) -> None:
    """resolve_column's check for a word matching only part of another table's column."""
    fired("column:other-table:inexact")
    if stand_in(anchor, ref.table, text) not in ("said", "is-a"):
        _check_thing_named(anchor, ref.table, ref.column, lex, text)


def _check_thing_named(
    anchor: Table, table: Table, column, lex: Lexicon, text: str, elsewhere=frozenset()
) -> None:
    """A word for another table's column ("type" for card_type_code, "date" for
    date_became_customer) whose other words name a thing of the schema (card, customer):
    the column is that thing's type or date, not the anchor's; refused, unless the question
    names that thing as a table elsewhere ("customers with an order with status X").
    ("state" for Addresses.state_province_county names no other thing: kept.)"""
    from .index import name_words
    from .reader import Refusal
    from .words import singular

    said = {singular(w) for w in text.split()}
    rest = set(name_words(column.name)) - said
    things = {w for t in lex.document.tables for w in name_words(t.name)}
    things -= {"reference", "ref"} | set(name_words(anchor.name))
    things -= {singular(w) for w in elsewhere}  # "at least one order with status": said
    if rest & things:
        fired("refused:attribute-of-another-thing")
        raise Refusal(
            f"{anchor.name} has no column '{text}'; {table.name}.{column.name} is "
            f"the {text} of a {sorted(rest & things)[0]}."
        )
