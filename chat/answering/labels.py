"""Human headers for result columns: "Number of customers", not `customers_count`.

A generator may give its own labels (the built-in engine knows what each column means); when
it gives none, or not one per column, they are derived here: from the query's select list
when it parses (`COUNT(*) FROM Customer` -> "Number of customers", `SUM(Total)` -> "Total",
`AVG(unit_price)` -> "Average unit price"), else from the column names alone (snake_case and
camelCase split, `count_`/`sum_`/`avg_`/`min_`/`max_` and `_count` read as words, the first
word capitalised). The machine names stay what the API's `columns` and the SQL say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlglot
import sqlglot.expressions as exp

from connections.dialects import SQLGLOT_DIALECTS

_PREFIXES = {
    "count": "Number of",
    "num": "Number of",
    "number": "Number of",
    "cnt": "Number of",
    "sum": "Total",
    "total": "Total",
    "avg": "Average",
    "average": "Average",
    "mean": "Average",
    "min": "Minimum",
    "minimum": "Minimum",
    "max": "Maximum",
    "maximum": "Maximum",
}
_AGGREGATES = {exp.Sum: "Total", exp.Avg: "Average", exp.Min: "Minimum", exp.Max: "Maximum"}
# Aliases that name the aggregate but not what it measures: the expression says more.
_GENERIC_ALIAS = re.compile(
    r"(?:(?:count|sum|avg|min|max|total|num)_)?(?:value|values|val|result|res|n|cnt|count|sum|"
    r"avg|min|max|total|agg|expr|col|column)\d*",
    re.IGNORECASE,
)
# Column names that say little without their table: "Name" of what?
_VAGUE = {"name", "title", "description", "type", "code", "label"}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]*")
_WORD = re.compile(r"[A-Z]{2,}(?=[A-Z][a-z]|\d|$)|[A-Z]?[a-z]+|[A-Z]+|\d+")


def column_labels(
    columns: Sequence[str],
    given: Sequence[str] = (),
    *,
    sql: str | None = None,
    dialect: str | None = None,
) -> list[str]:
    """One label per column: `given` when it has one per column, else derived; two columns
    never share a label (see distinct)."""
    expressions, tables = _select_list(sql, dialect) if sql else ([], {})
    if len(expressions) != len(columns):
        expressions = []
    owners = [_owner(e, tables) for e in expressions] or None
    if len(given) == len(columns) and all(isinstance(g, str) and g.strip() for g in given):
        return distinct([g.strip() for g in given], owners)
    if not expressions:
        return distinct([humanise(str(c)) for c in columns])
    labels = [_label(e, str(c), tables) for e, c in zip(expressions, columns, strict=True)]
    return distinct(labels, owners)


def labels_for(columns: Sequence[str], labels: Sequence[str] | None) -> list[str]:
    """Stored labels when they fit the columns (older answers have none), else from names;
    two columns never share a label."""
    if labels and len(labels) == len(columns):
        return distinct(list(labels))
    return distinct([humanise(str(c)) for c in columns])


def distinct(labels: Sequence[str], owners: Sequence[str | None] | None = None) -> list[str]:
    """Labels two columns share made different, as a reader could not tell "Name" from "Name":
    named after the column's table where the query says it ("Artist name", "Album name"),
    else numbered in order ("Name", "Name (2)")."""
    result = list(labels)
    counts: dict[str, int] = {}
    for label in result:
        counts[label.lower()] = counts.get(label.lower(), 0) + 1
    if all(n == 1 for n in counts.values()):
        return result
    taken = {label.lower() for label in result}
    for index, label in enumerate(result):
        owner = owners[index] if owners and index < len(owners) else None
        if counts[label.lower()] < 2 or not owner:
            continue
        table_words = _words(owner)
        table_words[-1] = _singular(table_words[-1])
        named = _capitalise(" ".join([*table_words, label[:1].lower() + label[1:]]))
        if named.lower() not in taken and not label.lower().startswith(named.lower()):
            result[index] = named
            taken.add(named.lower())
    seen: dict[str, int] = {}
    for index, label in enumerate(result):
        key = label.lower()
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            number = seen[key]
            while f"{label} ({number})".lower() in taken:
                number += 1
            result[index] = f"{label} ({number})"
            taken.add(result[index].lower())
    return result


def _owner(expression: exp.Expression, tables: dict[str, str]) -> str | None:
    """The table a plain column of the select list comes from (None for an expression)."""
    inner = expression.this if isinstance(expression, exp.Alias) else expression
    if isinstance(inner, exp.Column) and inner.table:
        return tables.get(inner.table.lower())
    return None


def humanise(name: str) -> str:
    """`customers_count` -> "Number of customers", `InvoiceDate` -> "Invoice date"."""
    if not _IDENTIFIER.fullmatch(name or ""):
        return name  # an expression as the database named it ("count(*)"): leave it be
    words = _words(name)
    return _capitalise(_phrase(words)) if words else name


def _words(name: str) -> list[str]:
    words = []
    for part in re.split(r"[_\s]+", name):
        for word in _WORD.findall(part):
            words.append(word if len(word) > 1 and word.isupper() else word.lower())
    return ["ID" if w in ("id", "Id") else w for w in words]


def _phrase(words: list[str]) -> str:
    if len(words) > 1 and words[0].lower() in _PREFIXES:
        head, rest = _PREFIXES[words[0].lower()], words[1:]
        if head == "Number of":
            return f"Number of {_plural_phrase(rest)}"
        rest_phrase = _phrase(rest)
        if rest_phrase.startswith("Number of"):
            rest_phrase = "n" + rest_phrase[1:]
        return f"{head} {rest_phrase}"
    if len(words) > 1 and words[-1].lower() in ("count", "cnt", "number"):
        return f"Number of {_plural_phrase(words[:-1])}"
    return " ".join(words)


def _plural_phrase(words: list[str]) -> str:
    if len(words) > 1 and words[-1] == "ID":
        words = words[:-1]  # count of CustomerId: customers
    return " ".join([*words[:-1], _plural(words[-1])]) if words else "rows"


def _plural(word: str) -> str:
    lower = word.lower()
    if word.isupper() or lower.endswith(("s", "data", "people", "staff")):
        return word
    if lower.endswith(("x", "z", "ch", "sh")):
        return word + "es"
    if lower.endswith("y") and lower[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    return word + "s"


def _singular(word: str) -> str:
    lower = word.lower()
    if word.isupper() or lower.endswith(("ss", "us", "is")) or not lower.endswith("s"):
        return word
    if lower.endswith("ies"):
        return word[:-3] + "y"
    if lower.endswith(("xes", "ches", "shes", "sses")):
        return word[:-2]
    return word[:-1]


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _select_list(sql: str, dialect: str | None) -> tuple[list[exp.Expression], dict[str, str]]:
    """The outermost select's expressions (the first branch of a set operation) and its
    table aliases -> table names; ([], {}) when it does not parse or selects `*`."""
    try:
        tree = sqlglot.parse_one(sql, read=SQLGLOT_DIALECTS.get(dialect or "", dialect))
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, ValueError):
        return [], {}
    while isinstance(tree, exp.SetOperation):
        tree = tree.this
    if isinstance(tree, exp.Subquery):
        tree = tree.unnest()
    if not isinstance(tree, exp.Select) or any(
        isinstance(e, exp.Star) or (isinstance(e, exp.Column) and e.is_star)
        for e in tree.expressions
    ):
        return [], {}
    tables = {}
    named_queries = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    sources = [tree.args.get("from_") or tree.args.get("from")] + list(tree.args.get("joins") or [])
    for position, source in enumerate(sources):
        table = source.this if source is not None else None
        if isinstance(table, exp.Table) and table.name and table.name.lower() not in named_queries:
            tables[table.alias_or_name.lower()] = table.name
            if position == 0:
                tables[""] = table.name  # the FROM table: what COUNT(*) counts
    return list(tree.expressions), tables


def _label(expression: exp.Expression, column: str, tables: dict[str, str]) -> str:
    alias = expression.alias if isinstance(expression, exp.Alias) else ""
    inner = expression.this if isinstance(expression, exp.Alias) else expression
    if alias and not _GENERIC_ALIAS.fullmatch(alias):
        return humanise(alias)
    while isinstance(inner, exp.Round | exp.Cast | exp.TryCast | exp.Paren):
        inner = inner.this
    if isinstance(inner, exp.Count):
        return _capitalise(_count_phrase(inner.this, tables))
    for kind, head in _AGGREGATES.items():
        if isinstance(inner, kind):
            what = _measure(inner.this, tables)
            return head if what.lower() == head.lower() or not what else f"{head} {what}"
    if isinstance(inner, exp.Column) and not alias:
        return _capitalise(_column_phrase(inner, tables))
    return humanise(alias or column)


def _count_phrase(argument, tables: dict[str, str]) -> str:
    distinct = isinstance(argument, exp.Distinct)
    if distinct:
        items = argument.expressions
        argument = items[0] if len(items) == 1 else None
    if (
        argument is None
        or isinstance(argument, exp.Star)
        or (isinstance(argument, exp.Column) and argument.is_star)
    ):
        table = tables.get("")
        return f"Number of {_plural_phrase(_words(table))}" if table else "Number of rows"
    if isinstance(argument, exp.Column):
        words = _words(argument.name)
        table = tables.get(argument.table.lower(), tables.get("")) if argument.table else None
        if words and words[-1] == "ID" and (len(words) == 1 or _same(words[:-1], table)):
            # COUNT(DISTINCT customers.id): the customers themselves.
            owner = table if len(words) == 1 else argument.name[: -len("id")]
            if owner:
                return f"Number of {_plural_phrase(_words(owner))}"
        return f"Number of {'distinct ' if distinct else ''}{_plural_phrase(words)}"
    return "Number of rows"


def _same(words: list[str], table: str | None) -> bool:
    if not table:
        return False
    singular = [w.lower() for w in _words(table)]
    mine = [w.lower() for w in words]
    return mine == singular or [_plural(w) for w in mine] == singular


def _measure(argument, tables: dict[str, str]) -> str:
    while isinstance(argument, exp.Round | exp.Cast | exp.TryCast | exp.Paren | exp.Distinct):
        argument = (
            argument.this
            if not isinstance(argument, exp.Distinct)
            else (argument.expressions[0] if len(argument.expressions) == 1 else None)
        )
    if isinstance(argument, exp.Column):
        return " ".join(w if w == "ID" else w.lower() for w in _words(argument.name))
    return ""


def _column_phrase(column: exp.Column, tables: dict[str, str]) -> str:
    words = _words(column.name)
    if not words:
        return column.name
    if len(words) == 1 and words[0].lower() in _VAGUE and column.table:
        table = tables.get(column.table.lower())
        if table:
            # Genre.Name -> "Genre name": the table says what the name is of.
            table_words = _words(table)
            table_words[-1] = _singular(table_words[-1])
            return " ".join([*table_words, words[0].lower()])
    return _phrase(words)
