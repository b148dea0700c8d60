"""The built-in engine: a deterministic, schema-grounded question -> SQL translator.

It reads a question as a few slots — what to count or measure, how to aggregate, what to
group by, how to rank, which filters — and fills each slot only from the schema document
and the column profiles. Every content word must link to a table, a column, a profiled
value, a number or a date; one word that does not link makes it refuse (naming the closest
tables and columns) rather than guess. Relative dates ("last year") are resolved against the
newest date in the column's profile, not today, so answers about a historical dataset stay
stable and a demo database never drifts out of range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlglot.expressions as exp

from connections.dialects import SQLGLOT_DIALECTS
from connections.dialects.schema import Column, SchemaDocument, Table

from ..types import Generated, Turn
from .linking import (
    DURATION_COLUMNS, DURATION_WORDS, MONEY_COLUMNS, MONEY_WORDS, PRICE_WORDS, TABLE_SYNONYMS,
    SchemaIndex, ValueLink, fold, singular, split_identifier,
)
from .sqlbuild import JoinGraph, col, month_start, table_ref, year_of

WRITE_WORDS = {"delete", "drop", "update", "insert", "truncate", "alter", "create", "remove",
               "modify", "change", "set", "grant", "revoke", "rename", "replace", "add", "erase"}
STOP = set("""a an the of in on at to for from with and or by per each every is are was were be been
being do does did have has had what which who whom whose how many much show me list give get find
tell display all any there their its it that this these those we our i my you your please than as
number count total sum average avg mean minimum min maximum max most least top bottom highest lowest
largest smallest biggest best worst fewest more less over under above below greater at least most
not only ever made placed spent spend sold whole overall across between into up about where when
did exist existing exists one time ones value values distinct different unique amount s""".split())
AGG_WORDS = {"how many": "count", "number of": "count", "count": "count", "total number": "count",
             "total": "sum", "sum": "sum", "average": "avg", "avg": "avg", "mean": "avg"}
DESC_WORDS = {"most", "highest", "largest", "biggest", "top", "best", "maximum", "max", "longest",
              "priciest", "greatest"}
ASC_WORDS = {"least", "fewest", "lowest", "smallest", "bottom", "worst", "minimum", "min",
             "cheapest", "shortest"}
COMPARATORS = [  # longest first: "more than" before "more"
    ("greater than", ">"), ("more than", ">"), ("longer than", ">"), ("higher than", ">"),
    ("larger than", ">"), ("bigger than", ">"), ("at least", ">="), ("over", ">"), ("above", ">"),
    ("less than", "<"), ("fewer than", "<"), ("shorter than", "<"), ("lower than", "<"),
    ("cheaper than", "<"), ("under", "<"), ("below", "<"), ("at most", "<="),
    ("more expensive than", ">"), ("pricier than", ">"), ("exactly", "="), ("equal to", "="),
]
UNIT_FACTORS = {"millisecond": {"minute": 60_000, "second": 1_000, "hour": 3_600_000},
                "second": {"minute": 60, "hour": 3_600}, "minute": {"hour": 60}}
TIME_UNITS = {"month": "month", "monthly": "month", "year": "year", "yearly": "year",
              "annual": "year", "annually": "year"}

_cache: dict[int, tuple[SchemaDocument, dict, SchemaIndex, JoinGraph]] = {}


def _index(document: SchemaDocument, profiles: dict) -> tuple[SchemaIndex, JoinGraph]:
    # Built once per snapshot document: the pipeline keeps one parsed document per snapshot.
    hit = _cache.get(id(document))
    if hit and hit[0] is document and hit[1] is profiles:
        return hit[2], hit[3]
    if len(_cache) > 16:
        _cache.clear()
    built = SchemaIndex.build(document, profiles), JoinGraph(document)
    _cache[id(document)] = (document, profiles, *built)
    return built


class Refusal(Exception):
    pass


@dataclass
class Mention:
    kind: str  # table | column | value | time
    start: int
    end: int
    tables: list[Table] = field(default_factory=list)
    columns: list[tuple[Table, Column]] = field(default_factory=list)
    values: list[ValueLink] = field(default_factory=list)
    unit: str = ""


def refuse(reason: str) -> Generated:
    return Generated(sql=None, refused=True, reason=reason, explanation=reason)


def generate(
    question: str, *, document: SchemaDocument, profiles: dict, dialect: str,
    history: list[Turn] = (),
) -> Generated:
    text = (question or "").strip()
    if not text:
        return refuse("The question is empty.")
    if len(text) > 1000:
        return refuse("The question is too long for the built-in engine; please shorten it.")
    words = re.findall(r"\d+(?:\.\d+)?|[a-z][a-z0-9]*(?:'[a-z]+)?", fold(text))
    if set(words) & WRITE_WORDS:
        return refuse("I only answer questions by reading data; I never change it.")
    index, graph = _index(document, profiles)
    try:
        return _Question(words, index, graph, dialect, profiles).answer()
    except Refusal as exc:
        return refuse(str(exc))


class _Question:
    def __init__(self, words, index: SchemaIndex, graph: JoinGraph, kind: str, profiles: dict):
        self.words, self.index, self.graph, self.kind = words, index, graph, kind
        self.profiles = profiles
        self.used: set[int] = set()
        self.mentions: list[Mention] = []
        self.text = " ".join(words)

    # --- small helpers ----------------------------------------------------------------
    def has(self, phrase: str) -> int | None:
        """Position of a phrase in the question (word-aligned), marking it used."""
        parts = phrase.split()
        for i in range(len(self.words) - len(parts) + 1):
            if self.words[i : i + len(parts)] == parts:
                self.used.update(range(i, i + len(parts)))
                return i
        return None

    def render(self, select: exp.Expression) -> str:
        return select.sql(dialect=SQLGLOT_DIALECTS[self.kind])

    def table_named(self) -> Table | None:
        tables = [t for m in self.mentions if m.kind == "table" for t in m.tables]
        return tables[0] if tables else None

    # --- linking ----------------------------------------------------------------------
    def link(self) -> None:
        words, i = self.words, 0
        singles = [TABLE_SYNONYMS.get(singular(w), singular(w)) for w in words]
        while i < len(words):
            found = None
            for n in range(min(self.index.longest_value, 4, len(words) - i), 0, -1):
                key = tuple(singles[i : i + n])
                raw = " ".join(words[i : i + n])
                if key in self.index.table_words:
                    found = Mention("table", i, i + n, tables=self.index.table_words[key])
                elif key in self.index.column_words:
                    found = Mention("column", i, i + n, columns=self.index.column_words[key])
                elif raw in self.index.values and (n > 1 or words[i] not in STOP):
                    found = Mention("value", i, i + n, values=self.index.values[raw])
                elif n == 1 and words[i] in TIME_UNITS:
                    found = Mention("time", i, i + 1, unit=TIME_UNITS[words[i]])
                elif n == 1 and words[i] not in STOP:
                    # "price" -> unit_price: a column whose last word is this word.
                    cols = [tc for k, tcs in self.index.column_words.items() if len(k) > 1
                            and k[-1] == key[0] and k[-1] not in ("id", "name") for tc in tcs]
                    if cols:
                        found = Mention("column", i, i + 1, columns=cols)
                if found:
                    break
            if found:
                self.mentions.append(found)
                self.used.update(range(found.start, found.end))
                i = found.end
            else:
                i += 1

    # --- the answer -------------------------------------------------------------------
    def answer(self) -> Generated:
        schema = self.schema_question()
        if schema:
            return schema
        self.parse_slots()
        self.link()
        self.check_all_linked()
        return self.build()

    def schema_question(self) -> Generated | None:
        t = self.text
        self.link()
        table = self.table_named()
        self.mentions, self.used = [], set()
        if re.search(r"\btables?\b", t) and re.search(r"\b(what|which|list|show)\b", t) and (
            table is None or re.search(r"\b(exist|are there|database|schema)\b", t)
        ) and not re.search(r"\bcolumns?\b", t):
            names = ", ".join(x.name for x in self.index.document.tables)
            n = len(self.index.document.tables)
            return Generated(sql=None, explanation=f"The database has {n} tables: {names}.")
        if table and re.search(r"\b(describe|columns?|structure|fields)\b", t):
            cols = ", ".join(
                f"{c.name} ({c.type}{', primary key' if c.name in table.primary_key or c.primary_key else ''})"
                for c in table.columns
            )
            return Generated(sql=None, explanation=f"Table {table.name} has columns: {cols}.")
        if table and re.search(r"\b(sample|example|some)\b.*\brows?\b|\bshow( me)? \d+ rows?\b|\bpreview\b", t):
            n = re.search(r"\b(\d+)\b", t)
            limit = int(n.group(1)) if n else 5
            sql = self.render(exp.select("*").from_(table_ref(table, self.kind)).limit(min(limit, 100)))
            return Generated(sql=sql, explanation=f"A sample of {limit} rows from {table.name}.")
        if table and re.search(r"\bhow many rows\b|\brow count\b|\bnumber of rows\b", t) and len(
            [w for w in self.words if w not in STOP and w not in ("rows", "row")]
        ) <= len(split_identifier(table.name)) + 1:
            sql = self.render(exp.select(exp.Count(this=exp.Star()).as_("row_count")).from_(table_ref(table, self.kind)))
            return Generated(sql=sql, explanation=f"Counts the rows of {table.name}.",
                             answer_template=f"{table.name} has {{value}} rows.")
        return None
