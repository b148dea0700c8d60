"""DataPoints for the built-in engine: metrics, glossary terms, table synonyms, examples.

A point applies only when the question names it (its name, term or one of its synonyms, word
for word) and every table and column it refers to exists in this schema, so a global metric
about another database never leaks into this one's SQL.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlglot
import sqlglot.expressions as exp

from connections.dialects import SQLGLOT_DIALECTS
from connections.dialects.schema import Column, SchemaDocument, Table

from .linking import fold, singular

EXAMPLE_SIMILARITY = 0.9


@dataclass
class PointMatch:
    kind: str  # metric | column | value | filter | table
    start: int
    end: int
    name: str = ""
    expression: exp.Expression | None = None  # metric: the aggregate expression
    condition: exp.Expression | None = None  # metric or glossary filter
    tables: list[Table] = field(default_factory=list)
    column: tuple[Table, Column] | None = None
    value: object = None


def phrase_words(text: str) -> list[str]:
    return [singular(w) for w in re.findall(r"[a-z0-9]+", fold(str(text)))]


def find_table(document: SchemaDocument, name: str) -> Table | None:
    name = name.strip().strip('"`').lower()
    for table in document.tables:
        if name in (table.qualified_name.lower(), table.name.lower()):
            return table
    return None


def find_column(document: SchemaDocument, ref: str) -> tuple[Table, Column] | None:
    table_name, _, column_name = ref.rpartition(".")
    table = find_table(document, table_name) if table_name else None
    if table is None:
        return None
    column = next((c for c in table.columns if c.name.lower() == column_name.lower()), None)
    return (table, column) if column is not None else None


def parse_sql_fragment(
    sql: str, dialect: str, document: SchemaDocument, default: Table | None
) -> tuple[exp.Expression, list[Table]] | None:
    """An expression or condition, its columns qualified; None if it names unknown tables."""
    try:
        tree = sqlglot.parse_one(sql, read=SQLGLOT_DIALECTS.get(dialect))
    except sqlglot.errors.ParseError:
        try:
            tree = sqlglot.parse_one(sql)
        except sqlglot.errors.ParseError:
            return None
    tables: list[Table] = []
    inner = {t.name.lower() for t in tree.find_all(exp.Table)}  # subqueries' own tables
    for name in inner:
        if find_table(document, name) is None:
            return None
    for column in tree.find_all(exp.Column):
        if not column.table:
            if default is None or column.find_ancestor(exp.Select):
                continue
            column.set("table", exp.to_identifier(default.name))
        table = find_table(document, column.table)
        if table is None:
            return None
        if not column.find_ancestor(exp.Select) and all(t is not table for t in tables):
            tables.append(table)
    return tree, tables


def match_points(
    words: list[str], used: set[int], points: Sequence, document: SchemaDocument, dialect: str
) -> list[PointMatch]:
    """Points named in the question, longest phrase first, each word claimed once."""
    singles = [singular(w) for w in words]
    phrases = []
    for point in points:
        if point.kind == "example":
            continue
        names = [point.name, *point.get("synonyms", [])]
        if point.kind == "table_note":
            # The table's own name is linked from the schema, which also knows longer names
            # ("order items"); claiming "order" here would leave "items" unlinked.
            names = names[1:]
        for name in names:
            found = phrase_words(name)
            if found:
                phrases.append((found, point))
    phrases.sort(key=lambda item: -len(item[0]))
    matches: list[PointMatch] = []
    taken = set(used)
    for found, point in phrases:
        n = len(found)
        for i in range(len(words) - n + 1):
            span = set(range(i, i + n))
            if singles[i : i + n] != found or span & taken:
                continue
            match = _apply(point, i, i + n, document, dialect)
            if match is not None:
                matches.append(match)
                taken |= span
            break
    return matches


def _apply(point, start: int, end: int, document: SchemaDocument, dialect: str):
    content = point.content
    declared = [t for t in (find_table(document, n) for n in content.get("tables", [])) if t]
    if content.get("tables") and len(declared) != len(content["tables"]):
        return None  # about tables this database does not have
    if point.kind == "metric":
        parsed = parse_sql_fragment(
            content["sql"], dialect, document, declared[0] if declared else None
        )
        if parsed is None:
            return None
        expression, tables = parsed
        condition = None
        if content.get("filter"):
            cond = parse_sql_fragment(
                content["filter"], dialect, document, (declared or tables or [None])[0]
            )
            if cond is None:
                return None
            condition, more = cond
            tables += [t for t in more if all(t is not x for x in tables)]
        tables = declared + [t for t in tables if all(t is not x for x in declared)]
        if not tables:
            return None
        return PointMatch(
            "metric",
            start,
            end,
            point.name,
            expression=expression,
            condition=condition,
            tables=tables,
        )
    if point.kind == "glossary":
        if content.get("column"):
            found = find_column(document, content["column"])
            return PointMatch("column", start, end, point.name, column=found) if found else None
        if content.get("value"):
            found = find_column(document, content["value"]["column"])
            if not found:
                return None
            return PointMatch(
                "value", start, end, point.name, column=found, value=content["value"]["equals"]
            )
        if content.get("filter"):
            cond = parse_sql_fragment(
                content["filter"], dialect, document, declared[0] if declared else None
            )
            if cond is None:
                return None
            condition, tables = cond
            tables = declared + [t for t in tables if all(t is not x for x in declared)]
            return PointMatch("filter", start, end, point.name, condition=condition, tables=tables)
        return None
    if point.kind == "table_note":
        table = find_table(document, point.name)
        return PointMatch("table", start, end, point.name, tables=[table]) if table else None
    return None


def matching_example(question: str, points: Sequence):
    """A verified example asking the same thing (same numbers, nearly the same words)."""
    asked = " ".join(re.findall(r"[a-z0-9]+", fold(question)))
    numbers = re.findall(r"\d+", asked)
    best, best_ratio = None, 0.0
    for point in points:
        if point.kind != "example":
            continue
        example = " ".join(re.findall(r"[a-z0-9]+", fold(point.content["question"])))
        if re.findall(r"\d+", example) != numbers:
            continue
        ratio = difflib.SequenceMatcher(None, asked, example).ratio()
        if ratio >= EXAMPLE_SIMILARITY and ratio > best_ratio:
            best, best_ratio = point, ratio
    return best
