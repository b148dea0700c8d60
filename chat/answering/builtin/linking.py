"""Words of identifiers and facts about columns, derived from the schema document only:
identifiers split into words (snake_case, camelCase, PascalCase), a crude singular, column
kinds by type (numbers, dates, text), and per-table keys, amounts and name-like columns."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from connections.dialects.schema import Column, SchemaDocument, Table

NUMERIC = re.compile(r"int|numeric|decimal|float|double|real|money|number", re.I)
TEMPORAL = re.compile(r"date|time", re.I)
TEXTUAL = re.compile(r"char|text|string|enum|name", re.I)


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
class SchemaIndex:
    """Per-table facts of one document the reader asks for again and again: keys, amounts,
    dates, the columns that name a row. Built once per (document, profiles)."""

    document: SchemaDocument
    fk_keys: set[tuple[str, str]] = field(default_factory=set)  # (table, column) in any FK
    _measures: dict[int, list[Column]] = field(default_factory=dict)  # id(table) -> measures

    @classmethod
    def build(cls, document: SchemaDocument, profiles: dict | None = None) -> SchemaIndex:
        index = cls(document)
        for table in document.tables:
            for fk in table.foreign_keys:
                index.fk_keys.update((table.qualified_name, c) for c in fk.columns)
                for c in fk.referred_columns:
                    index.fk_keys.add((f"{fk.referred_schema}.{fk.referred_table}".lstrip("."), c))
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
