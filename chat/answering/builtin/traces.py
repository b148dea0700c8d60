"""Which readings and defaults an answer rests on, derived after the fact from its mentions
and Interpretation: "value:fuzzy" (a value matched through a typo), "output:default" (a
column shown that no word named), "join:tied-path" (two equally short join paths, one picked
by declaration order)... benchmarks/bench_readings.py counts precision per reading; a reading
that is wrong often, or is a tie-break, is a candidate for a refusal."""

from __future__ import annotations

import re
from collections import deque
from contextlib import contextmanager
from contextvars import ContextVar

from .index import Lexicon, name_words
from .interpretation import Filter, Interpretation
from .words import singular

_fired: ContextVar[list[str] | None] = ContextVar("builtin_fired", default=None)


def fired(name: str) -> None:
    """Note a default or tie-break the reader just took (free when nobody is tracing)."""
    found = _fired.get()
    if found is not None:
        found.append(name)


@contextmanager
def tracing():
    """Collect the names `fired` while the block runs: with tracing() as found: ..."""
    found: list[str] = []
    token = _fired.set(found)
    try:
        yield found
    finally:
        _fired.reset(token)


LABEL_WORDS = {"name", "title", "description", "detail", "id", "code", "type"}


def stand_in(anchor, table, text: str) -> str:
    """How a column of `table` came to answer a word said of `anchor`: the words name the
    table ("said"), the anchor is a `table` row by its key ("is-a": gymnast -> people), the
    word is a generic label ("label": name, title, details) or another attribute."""
    said = {singular(w) for w in text.split()}
    if set(name_words(table.name)) <= said:
        return "said"
    for fk in anchor.foreign_keys:
        if fk.referred_table == table.name and set(fk.columns) >= set(anchor.primary_key or ["?"]):
            return "is-a"
    return "label" if said & LABEL_WORDS else "attribute"


def readings(understood, lex: Lexicon, question: str = "") -> set[str]:
    it: Interpretation = understood.interpretation
    mentions = understood.mentions
    found: set[str] = set()
    found |= _structure(it)
    found |= _values(it, mentions, lex, question)
    found |= _columns(it, mentions, lex)
    found |= _tables(mentions)
    found |= _joins(it, lex)
    found |= _category_list(it, lex)
    return found


def _category_list(it: Interpretation, lex: Lexicon) -> set[str]:
    """One text column listed that is neither a key nor a name: with or without DISTINCT,
    with or without conditions (whether its repeated values are wanted is rarely said)."""
    if len(it.outputs) != 1 or it.outputs[0].agg or it.group_by or it.order or it.limit:
        return set()
    if it.setop or it.group_rows or it.having or it.outputs[0].column is None:
        return set()
    table = lex.table(it.outputs[0].column.table)
    column = table.column(it.outputs[0].column.column)
    if lex.is_numeric(column) or lex.words.is_key(table, column):
        return set()
    if name_words(column.name)[-1] in ("name", "title", "detail", "description", "summary"):
        return set()
    shape = "distinct" if it.distinct else "plain"
    where = "filtered" if it.filters or it.related else "all-rows"
    return {f"category-list:{shape}:{where}"}


def _structure(it: Interpretation) -> set[str]:
    found = {"all"}
    flags = {
        "group_by": bool(it.group_by),
        "group_rows": it.group_rows,
        "having": bool(it.having),
        "order:column": any(not o.measure.agg for o in it.order),
        "order:aggregate": any(o.measure.agg for o in it.order),
        "limit": it.limit is not None,
        "distinct": it.distinct,
        "setop": bool(it.setop),
        "related": bool(it.related),
        "outer-average": bool(it.outer),
        "count-rows": any(o.agg == "count" and o.column is None for o in it.outputs),
        "count-distinct": any(o.agg == "count" and o.distinct for o in it.outputs),
        "aggregate": any(o.agg and o.agg != "count" for o in it.outputs),
        "output:whole-rows": it.whole_rows,
        "filter:or": any(f.op == "or" for f in it.filters),
        "filter:negated": any(f.keep_nulls for f in it.filters),
        "filter:like": any(f.op in ("like", "notlike") for f in it.filters),
        "filter:subquery": any(
            f.values and type(f.values[0]).__name__ == "Subquery" for f in it.filters
        ),
    }
    found |= {name for name, on in flags.items() if on}
    plain = [o for o in it.outputs if not o.agg]
    if any(o.column is not None and o.column.table != it.subject for o in plain):
        found.add("output:other-table")
    if len(plain) > 1:
        found.add("output:several")
    return found


def _all_filters(it: Interpretation) -> list[Filter]:
    out = []
    for f in it.filters:
        out += list(f.values) if f.op == "or" else [f]
    for rel in it.related:
        out += list(rel.filters)
    if it.other is not None:
        out += _all_filters(it.other)
    return [f for f in out if isinstance(f, Filter)]


def _written(m, question: str) -> str:
    """How a linked value was written: "capitalised" (a name), "lowercase" (an ordinary
    word that happens to be stored), over "several-words"."""
    if " " in m.text:
        return "several-words"
    said = re.search(rf"\b{re.escape(m.text)}\b", question, re.I)
    return "capitalised" if said and said.group(0)[:1].isupper() else "lowercase"


def _values(it: Interpretation, mentions, lex: Lexicon, question: str) -> set[str]:
    found = set()
    for f in _all_filters(it):
        key = (f.column.table, f.column.column)
        table = lex.table(f.column.table)
        column = table.column(f.column.column)
        if f.op in ("=", "!=", "in", "notin"):
            if any(isinstance(v, int | float) for v in f.values) and not lex.is_numeric(column):
                found.add("value:number-on-text-column")
            if f.column.table != it.subject:
                found.add("filter:other-table")
        for m in mentions:
            if m.kind not in ("value", "literal"):
                continue
            mine = [v for v in m.values if (v.table.qualified_name, v.column.name) == key]
            if not mine or not any(v.value in f.values for v in mine):
                continue
            if not any(v.exact for v in mine):
                found.add(f"{m.kind}:fuzzy")
            elif not any(str(v.value).lower() == m.text.lower() for v in mine):
                found.add(f"{m.kind}:plural-or-case")
            if m.kind == "value":
                found.add(f"value:{_written(m, question)}")
            columns = {(v.table.qualified_name, v.column.name) for v in m.values}
            if len(columns) > 1:
                found.add(f"{m.kind}:several-columns")
                if len({c[0] for c in columns}) > 1:
                    found.add(f"{m.kind}:several-tables")
    for m in mentions:
        if m.kind == "literal" and not m.values:
            found.add("literal:unstored")
    return found


def _columns(it: Interpretation, mentions, lex: Lexicon) -> set[str]:
    found = set()
    said = set()
    for m in mentions:
        if m.kind != "column":
            continue
        said |= {(c.table.qualified_name, c.column.name) for c in m.columns}
        if len({(c.table.qualified_name, c.column.name) for c in m.columns}) > 1:
            found.add("column:several-refs")
        if not any(c.exact for c in m.columns):
            found.add("column:inexact")
    defaults = [
        o
        for o in it.outputs
        if not o.agg and o.column is not None and (o.column.table, o.column.column) not in said
    ]
    if defaults:
        found.add("output:default")
        subject = lex.table(it.subject)
        if len(lex.words.label_columns(subject)) > 1:
            found.add("output:default-of-several-labels")
        if any(lex.words.is_key(subject, subject.column(o.column.column)) for o in defaults
               if o.column.table == it.subject):  # fmt: skip
            found.add("output:default-key")
    return found


def _tables(mentions) -> set[str]:
    found = set()
    for m in mentions:
        if m.kind != "table" or len(m.tables) != 1:
            continue
        said = {singular(w) for w in m.text.split()}
        if not set(name_words(m.tables[0].name)) <= said | set(m.text.split()):
            found.add("table:part-of-name")
    return found


def _joins(it: Interpretation, lex: Lexicon) -> set[str]:
    tables = it.tables()
    found = {f"join:{min(len(tables) - 1, 3)}"}
    for goal in tables - {it.subject}:
        if _shortest_paths(lex, it.subject, goal) > 1:
            found.add("join:tied-path")
    return found


def _shortest_paths(lex: Lexicon, start: str, goal: str) -> int:
    """How many shortest paths lead from start to goal on the FK graph (parallel keys count)."""
    depth, ways = {start: 0}, {start: 1}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt, _pairs in lex.graph.edges.get(node, []):
            if nxt not in depth:
                depth[nxt] = depth[node] + 1
                ways[nxt] = ways[node]
                queue.append(nxt)
            elif depth[nxt] == depth[node] + 1:
                ways[nxt] += ways[node]
    return ways.get(goal, 0)
