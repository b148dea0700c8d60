"""Linking words of a question to tables, columns and stored values of one schema.

Everything here is derived from the schema document and its column profiles, never from a
particular database: identifiers are split into words (snake_case, camelCase, PascalCase),
words are reduced to a crude singular, and a short list of generic synonyms bridges the gap
between how people ask ("songs", "revenue") and how schemas are named ("Track", "total").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from connections.dialects.schema import Column, SchemaDocument, Table

NUMERIC = re.compile(r"int|numeric|decimal|float|double|real|money|number", re.I)
TEMPORAL = re.compile(r"date|time", re.I)
TEXTUAL = re.compile(r"char|text|string|enum|name", re.I)

# Generic vocabulary (not any one schema's): question word -> words a column/table may use.
TABLE_SYNONYMS = {
    "song": "track",
    "client": "customer",
    "buyer": "customer",
    "staff": "employee",
    "purchase": "order",
    "sale": "invoice",
    "record": "album",
    "band": "artist",
}
# Words meaning "money received"; resolved to the closest total/amount column, or price*quantity.
MONEY_WORDS = {
    "revenue",
    "sale",
    "sales",
    "income",
    "turnover",
    "spent",
    "spend",
    "spending",
    "value",
    "earned",
    "earning",
    "earnings",
    "money",
}
MONEY_COLUMNS = ("total", "amount", "revenue")
DURATION_WORDS = {
    "long",
    "longer",
    "longest",
    "short",
    "shorter",
    "shortest",
    "duration",
    "length",
    "minute",
    "second",
    "hour",
}
DURATION_COLUMNS = ("millisecond", "duration", "length", "second", "minute")
PRICE_WORDS = {
    "expensive",
    "cheap",
    "cheaper",
    "cheapest",
    "pricier",
    "priciest",
    "cost",
    "costs",
    "costing",
    "costly",
    "priced",
}


def fold(text: str) -> str:
    """Lowercase without accents, so 'münchen' links to the stored 'München'."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def split_identifier(name: str) -> list[str]:
    return list(_split_identifier(name))


@lru_cache(maxsize=100_000)
def _split_identifier(name: str) -> tuple[str, ...]:
    # Cached: a 2,000-table schema asks for the same names thousands of times per question.
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return tuple(singular(w) for w in re.split(r"[\s_\-.]+", fold(spaced)) if w)


def plural_phrase(name: str) -> str:
    """A table name as people say it, plural: Customer -> customers, InvoiceLine -> invoice lines."""
    words = split_identifier(name)
    last = words[-1]
    if last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    elif last.endswith(("s", "x", "ch", "sh")):
        last += "es"
    else:
        last += "s"
    return " ".join([*words[:-1], last])


def is_numeric(column: Column) -> bool:
    return bool(NUMERIC.search(column.type))


def is_temporal(column: Column) -> bool:
    return bool(TEMPORAL.search(column.type))


@dataclass
class ValueLink:
    table: Table
    column: Column
    value: object  # the stored spelling


@dataclass
class SchemaIndex:
    """Word-level view of one document, built once per (document, profiles)."""

    document: SchemaDocument
    table_words: dict[tuple[str, ...], list[Table]] = field(default_factory=dict)
    column_words: dict[tuple[str, ...], list[tuple[Table, Column]]] = field(default_factory=dict)
    values: dict[str, list[ValueLink]] = field(default_factory=dict)
    fk_keys: set[tuple[str, str]] = field(default_factory=set)  # (table, column) in any FK
    longest_value: int = 1
    _measures: dict[int, list[Column]] = field(default_factory=dict)  # id(table) -> measures

    @classmethod
    def build(cls, document: SchemaDocument, profiles: dict) -> SchemaIndex:
        index = cls(document)
        for table in document.tables:
            index.table_words.setdefault(tuple(split_identifier(table.name)), []).append(table)
            glued = (singular(fold(table.name)),)  # "invoiceline" written as one word
            if len(split_identifier(table.name)) > 1:
                index.table_words.setdefault(glued, []).append(table)
            for fk in table.foreign_keys:
                index.fk_keys.update((table.qualified_name, c) for c in fk.columns)
                for c in fk.referred_columns:
                    index.fk_keys.add((f"{fk.referred_schema}.{fk.referred_table}".lstrip("."), c))
            for column in table.columns:
                words = tuple(split_identifier(column.name))
                index.column_words.setdefault(words, []).append((table, column))
            profile = profiles.get(table.qualified_name) or {}
            for position, column in enumerate(table.columns):
                # Only low-cardinality text is linkable: a profiled top-values list exists.
                profiled = profile.get(column.name)
                if profiled is not None:
                    found = [value for value, _count in profiled.get("top_values") or []]
                else:
                    # Not profiled: the extraction's few sample rows still name some values
                    # ("Germany" in a sampled customer), better than linking none at all.
                    found = index._sampled(table, column, position)
                for value in found:
                    if isinstance(value, str) and value.strip() and not value.strip().isdigit():
                        key = " ".join(re.findall(r"[^\W_]+(?:'[^\W_]+)?", fold(value)))
                        index.values.setdefault(key, []).append(ValueLink(table, column, value))
                        index.longest_value = max(index.longest_value, len(key.split()))
        return index

    def _sampled(self, table: Table, column: Column, position: int) -> list[str]:
        """Short text values of a sample row that read like a category (a country, a status),
        not an identifier, an address or prose: those would link words by accident."""
        if not TEXTUAL.search(column.type) or self.is_key(table, column):
            return []
        values = []
        for row in table.sample_rows:
            value = row[position] if position < len(row) else None
            if (
                isinstance(value, str)
                and 0 < len(value) <= 40
                and len(value.split()) <= 4
                and not re.search(r"[\d@/:\\]", value)
            ):
                values.append(value)
        return list(dict.fromkeys(values))

    def is_key(self, table: Table, column: Column) -> bool:
        return (
            column.primary_key
            or column.name in table.primary_key
            or (table.qualified_name, column.name) in self.fk_keys
            or split_identifier(column.name)[-1] == "id"
        )

    def measures(self, table: Table) -> list[Column]:
        # Per index (one per snapshot): asked for every table when a question implies an amount.
        cached = self._measures.get(id(table))
        if cached is None:
            cached = [c for c in table.columns if is_numeric(c) and not self.is_key(table, c)]
            self._measures[id(table)] = cached
        return cached

    def date_columns(self, table: Table) -> list[Column]:
        return [c for c in table.columns if is_temporal(c)]

    def label_columns(self, table: Table) -> list[Column]:
        """What names a row for people: *name columns, else a title, else the primary key."""
        text = [c for c in table.columns if not is_numeric(c) and not self.is_key(table, c)]
        names = [c for c in text if split_identifier(c.name)[-1] == "name"]
        if names:
            return names
        own = [c for c in text if split_identifier(c.name) == split_identifier(table.name)]
        if own:  # city.City, artist.Artist
            return own[:1]
        titles = [c for c in text if split_identifier(c.name)[-1] == "title"]
        keys = [c for c in table.columns if c.name in table.primary_key]
        # ClickHouse declares no unique key: the conventional `id` names the row there.
        return (
            titles[:1] or keys or [c for c in table.columns if split_identifier(c.name) == ["id"]]
        )

    def closest(self, word: str) -> tuple[list[str], list[str]]:
        """Names to suggest when a word cannot be linked."""
        import difflib

        tables = [t.name for t in self.document.tables]
        columns = sorted({c.name for t in self.document.tables for c in t.columns})
        return (
            difflib.get_close_matches(word, tables, n=3, cutoff=0.5) or tables[:8],
            difflib.get_close_matches(word, columns, n=5, cutoff=0.6),
        )
