"""The words of one schema: table and column names split into words (abbreviations spelled
out), and a per-column value index built from profiles and sample rows that forgives case,
accents, plurals and one-letter typos. Built once per (document, profiles) and cached."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from connections.dialects.schema import Column, SchemaDocument, Table

from .aliases import column_aliases, suffixed_keys, table_aliases, table_words
from .lexicon import ABBREVIATIONS, FUNCTION, PHRASES
from .linking import SchemaIndex, fold
from .sqlbuild import JoinGraph
from .words import singular, split_identifier
from .years import year_columns

SKIP = {"of", "the", "a", "an", "'s", "in", "for"}  # inside a name: "date of birth"
# Generic attribute nouns a column name may end with ("document type code" is the type).
ATTRIBUTES = {"type", "status", "date", "description", "detail", "amount", "number", "count",
              "size", "color", "colour", "title", "location", "address", "price", "rating",
              "category", "level", "rank", "score", "phone", "email", "city", "country",
              "state", "year", "capacity", "salary", "budget", "population", "weight",
              "height", "age", "gender", "sex", "language", "duration", "value"}  # fmt: skip
# Abbreviations that stand for two words (lexicon.ABBREVIATIONS has one each).
SPELLED = {"fname": "first name", "lname": "last name", "apt": "apartment", "acc": "account",
           "bal": "balance", "cust": "customer", "enr": "enrollment", "hs": "hours"}  # fmt: skip
# Last words of a table name that add nothing to what its rows are: user_profiles are users.
# (Not "info": SportsInfo rows are a student's sports, not sports.)
GENERIC_TAILS = {"profile", "detail", "list", "table", "master", "main", "hire"}


@functools.lru_cache(maxsize=65536)  # pure, and asked of every name of a schema per question
def name_words(name: str) -> tuple[str, ...]:
    split = split_identifier(name)
    if len(split) > 1 and split[1] == "name" and split[0] in ("f", "l"):
        split = (SPELLED[split[0] + "name"],) + split[2:]  # FName, LName
    words = [SPELLED.get(w) or ABBREVIATIONS.get(w, w) for w in split]
    words = [w for part in words for w in part.split()]
    return tuple(w for w in words if w not in SKIP)


def value_key(text: str) -> tuple[str, ...]:
    return tuple(singular(w) for w in re.findall(r"[^\W_]+", fold(str(text))))


@dataclass(frozen=True)
class ColumnRef:
    table: Table
    column: Column
    exact: bool = True  # False: the question named only part of it ("budget")

    @property
    def key(self) -> tuple[str, str]:
        return (self.table.qualified_name, self.column.name)


@dataclass(frozen=True)
class ValueRef:
    table: Table
    column: Column
    value: object  # as stored
    exact: bool = True  # False: matched through a typo


@dataclass
class Lexicon:
    document: SchemaDocument
    words: SchemaIndex  # the older index: keys, measures, label columns
    graph: JoinGraph
    tables: dict[tuple[str, ...], list[Table]] = field(default_factory=dict)
    flippable: set[tuple[str, ...]] = field(default_factory=set)  # "date of birth"
    columns: dict[tuple[str, ...], list[ColumnRef]] = field(default_factory=dict)
    values: dict[tuple[str, ...], list[ValueRef]] = field(default_factory=dict)
    fuzzy: dict[str, list[ValueRef]] = field(default_factory=dict)  # one deletion away
    exhaustive: set[tuple[str, str]] = field(default_factory=set)  # every value is indexed
    repeated: set[tuple[str, str]] = field(default_factory=set)  # profiled values repeat
    bags: dict[frozenset, list[ColumnRef]] = field(default_factory=dict)  # words in any order
    longest: int = 4
    years: frozenset = frozenset()  # (table, column) holding calendar years (years.py)

    @classmethod
    def build(cls, document: SchemaDocument, profiles: dict) -> Lexicon:
        lex = cls(document, SchemaIndex.build(document, profiles), JoinGraph(document))
        tails, aliases = [], []
        for table in document.tables:
            twords = name_words(table.name)
            for key in {twords, table_words(twords), (singular(fold(table.name)),)}:
                if key:
                    lex.tables.setdefault(key, []).append(table)
            aliases += [(key, table) for key in table_aliases(twords, table.name)]
            twords = table_words(twords)
            if len(twords) > 1 and twords[-1] not in ("table", "info", "id"):
                tails.append((twords[-1:], table))
            if len(twords) > 1 and set(twords[1:]) <= GENERIC_TAILS:
                tails.append((twords[:1], table))  # "users" for user_profiles
            for column in table.columns:
                lex._add_column(table, twords, column)
            lex._add_last_words(table)
            lex._add_values(table, profiles.get(table.qualified_name) or {})
        exact = set(lex.tables)
        # A shorter table name must not take a column's name: "star rating" stays
        # Hotels.star_rating_code, not the table Ref_Hotel_Star_Ratings.
        tails += [(key, table) for key, table in aliases if key not in lex.columns]
        for key, table in tails:  # "track" for PlaylistTrack, unless a table is Track
            if key in exact:
                continue
            found = lex.tables.setdefault(key, [])
            if all(t is not table for t in found):  # one table by two rules: one entry
                found.append(table)
        lex.years = year_columns(document, profiles)
        suffixed_keys(lex)  # "phone number" for Phone, after every other key
        lex.longest = max([len(k) for k in (*lex.tables, *lex.columns, *lex.values)] + [1])
        return lex

    def _add_column(self, table: Table, twords: tuple[str, ...], column: Column) -> None:
        words = name_words(column.name)
        if not words:
            return
        self.flippable.add(words)
        exact = {words, twords + words}
        if words[: len(twords)] == twords and len(words) > len(twords):
            exact.add(words[len(twords) :])  # department_name in department: "name"
        if words[-1] == "id" and len(words) == 1:
            exact.add(twords + ("id",))
        rest = words[1:]
        if rest and words[0] != twords[0] and twords[0].startswith(words[0]):
            if rest not in PHRASES and not (len(rest) == 1 and rest[0] in FUNCTION):
                exact.add(rest)  # DName in Department, cust_name in customer: "name"
        if len(words) > 1 and words[-1] == "code":
            exact.add(words[:-1])  # product_type_code: "product type"
        if len(words) == 1 and words[0].endswith("name") and 5 <= len(words[0]) <= 6:
            exact.add(("name",))  # bname, cname: a one-letter prefix glued to "name"
        if words == twords and not self.is_numeric(column):
            exact.add(("name",))  # product.product, city.City: "the name of the product"
        if words[-1] == "id" and [column.name] == list(table.primary_key or []):
            exact.add(("id",))  # the table's own key: "the ids of the candidates"
        stems = tuple(w[:-3] if w.endswith("ing") and len(w) > 6 else w for w in words)
        exact.add(stems)
        if column.comment and len(column.comment.split()) <= 4:
            exact.add(value_key(column.comment))
        exact |= {twords + k for k in exact if k and k[: len(twords)] != twords}  # "company name"
        exact |= column_aliases(twords, words)  # booking_start_date: "start date"
        for key in exact:
            if key:
                self.columns.setdefault(key, []).append(ColumnRef(table, column))
        for key in (words, twords + words):
            if len(key) > 1 and len(set(key)) == len(key):
                self.bags.setdefault(frozenset(key), []).append(ColumnRef(table, column))

    def _add_last_words(self, table: Table) -> None:
        """ "the type of the document" for document_type_code: the last word (before "code")
        of a column is the column when no other column of its table ends so. Inexact: a
        column named in full anywhere wins."""
        by_last: dict[str, list[Column]] = {}
        for column in table.columns:
            words = name_words(column.name)
            if words and words[-1] == "code" and len(words) > 1:
                words = words[:-1]
            if len(words) > 1 and words[-1] in ATTRIBUTES:
                by_last.setdefault(words[-1], []).append(column)
            if len(words) > 1 and words[0] in ATTRIBUTES:
                by_last.setdefault(words[0], []).append(column)  # email_address: "email"
        twords = set(name_words(table.name))
        for word, columns in by_last.items():
            if word in twords or word in FUNCTION:
                continue
            if len(columns) == 1 and (word,) not in PHRASES:
                refs = self.columns.setdefault((word,), [])
                if not any(r.table is table for r in refs):
                    refs.append(ColumnRef(table, columns[0], exact=False))

    def _add_values(self, table: Table, profile: dict) -> None:
        for position, column in enumerate(table.columns):
            profiled = profile.get(column.name)
            if profiled is not None and _repeats(profiled):
                self.repeated.add((table.qualified_name, column.name))
            if profiled is not None:
                top = profiled.get("top_values") or []
                found = [v for v, _count in top]
                if top and len(top) >= (profiled.get("distinct") or 0):
                    self.exhaustive.add((table.qualified_name, column.name))
            else:
                found = self.words._sampled(table, column, position)
            for value in found:
                if not isinstance(value, str) or not value.strip() or value.strip().isdigit():
                    continue
                key = value_key(value)
                if not key or (len(key) == 1 and (key[0] in FUNCTION or key in PHRASES)):
                    continue
                ref = ValueRef(table, column, value)
                self.values.setdefault(key, []).append(ref)
                joined = " ".join(key)
                if len(joined) >= 5:
                    fuzzy = ValueRef(table, column, value, exact=False)
                    for i in range(len(joined)):
                        variant = joined[:i] + joined[i + 1 :]
                        self.fuzzy.setdefault(variant, []).append(fuzzy)
                    self.fuzzy.setdefault(joined, []).append(fuzzy)

    def find_values(self, key: tuple[str, ...]) -> list[ValueRef]:
        exact = self.values.get(key)
        if exact:
            return exact
        joined = " ".join(key)
        if len(joined) < 5:
            return []
        # One letter dropped, added or changed: deletions of both sides meet.
        seen, out = set(), []
        for variant in [joined] + [joined[:i] + joined[i + 1 :] for i in range(len(joined))]:
            for ref in self.fuzzy.get(variant, []):
                mark = (ref.table.qualified_name, ref.column.name, ref.value)
                if mark not in seen:
                    seen.add(mark)
                    out.append(ref)
        return out

    def table(self, qualified_name: str) -> Table:
        return self.graph.tables[qualified_name]

    def is_numeric(self, column: Column) -> bool:
        from .linking import is_numeric

        return is_numeric(column)


def _repeats(profiled: dict) -> bool:
    """Some non-null value occurs twice in the profiled rows (a many-to-one key)."""
    rows = (profiled.get("rows_profiled") or 0) * (1 - (profiled.get("null_fraction") or 0))
    distinct = profiled.get("distinct")
    return distinct is not None and distinct < round(rows)


_cache: dict[int, tuple[SchemaDocument, dict, Lexicon]] = {}


def lexicon_for(document: SchemaDocument, profiles: dict) -> Lexicon:
    hit = _cache.get(id(document))
    if hit and hit[0] is document and hit[1] is profiles:
        return hit[2]
    if len(_cache) > 16:
        _cache.clear()
    built = Lexicon.build(document, profiles)
    _cache[id(document)] = (document, profiles, built)
    return built
