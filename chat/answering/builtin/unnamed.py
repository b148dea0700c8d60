"""Columns shown that no word of the question named.

When a question names no column to show ("Which campuses ...", "List the students who ..."),
the reader falls back on a default (the table's name-like or label columns, or the labels of
the group's table). Measured on spider-train, such defaults were right 92 % of the time on the
dev databases the rules were written against but only 35 % on databases nobody had looked at:
a guess, not a reading. The engine refuses and asks for the columns instead."""

from __future__ import annotations

import os

from .index import name_words
from .interpretation import Interpretation
from .words import singular


def unnamed_outputs(it: Interpretation, mentions) -> list[str]:
    """The shown (non-aggregate) columns that nothing in the question names."""
    said = {(c.table.qualified_name, c.column.name) for m in mentions if m.kind == "column"
            for c in m.columns}  # fmt: skip
    words = {singular(w) for m in mentions for w in m.text.lower().split()}
    shown = [o.column for o in it.outputs if not o.agg and o.column is not None]
    pair = _first_and_last_name(shown)
    return [
        col.column
        for col in shown
        if (col.table, col.column) not in said
        and not set(name_words(col.column)) <= words  # "for each grape": wine.grape
        and not _plainly_named(col)
        and col not in pair
    ]


def _plainly_named(col) -> bool:
    """A period ("per year") was said; a column called just Name or Title is what "which
    artist" means on any schema (kept: on spider-train these were right 4 times in 11 on
    unseen databases, but refusing "Which artist has the most albums?" fails every user)."""
    return bool(col.period) or name_words(col.column) in (("name",), ("title",))


def _first_and_last_name(shown) -> set:
    """A person shown by first and last name together: the person's name, as Name is."""
    # ("first", "name") / ("last", "name") after the same prefix: customer_first_name
    words = {(name_words(c.column)[:-2], name_words(c.column)[-2:]): c for c in shown}
    for (prefix, tail), first in words.items():
        last = words.get((prefix, ("last", "name")))
        if tail == ("first", "name") and last and first.table == last.table:
            return {first, last}
    return set()


def gate_enabled() -> bool:
    """DATACHAT_GATE_UNNAMED=0 turns the refusal off, to measure what it costs and saves."""
    return os.environ.get("DATACHAT_GATE_UNNAMED", "1") != "0"
