"""The built-in engine: a deterministic, schema-grounded question -> SQL translator.

It reads a question as a few slots — what to count or measure, how to aggregate, what to
group by, how to rank, which filters — and fills each slot only from the schema document
and the column profiles. Every content word must link to a table, a column, a profiled
value, a number or a date; one word that does not link makes it refuse (naming the closest
tables and columns) rather than guess. The same holds for words that change the meaning: a
number that is not a limit, comparison, range or year, a "not" that negates no named value, an
"or" that does not join values of one column or years all end in a refusal, never in a filter
silently dropped.

Conventions: relative dates are calendar years counted from `today` ("last year" in 2026 is
2025; the answer says which dates it used); "not X" keeps NULLs, so "orders not shipped" and
"orders shipped" add up to all orders (rows dropped by an inner join to the value's table stay
out); "between A and B" is inclusive; "A or B" (also "A and B") on one column is IN (A, B).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlglot
import sqlglot.expressions as exp

from connections.dialects import SQLGLOT_DIALECTS
from connections.dialects.schema import Column, SchemaDocument, Table

from ..types import Generated, Turn
from .linking import (
    DURATION_COLUMNS,
    DURATION_WORDS,
    MONEY_COLUMNS,
    MONEY_WORDS,
    PRICE_WORDS,
    TABLE_SYNONYMS,
    SchemaIndex,
    ValueLink,
    fold,
    plural_phrase,
    singular,
    split_identifier,
)
from .points import match_points, matching_example
from .sqlbuild import (
    JoinGraph,
    col,
    float_averages,
    month_start,
    nest_joins,
    rename_outside,
    year_of,
)

WRITE_WORDS = {
    "delete",
    "drop",
    "update",
    "insert",
    "truncate",
    "alter",
    "create",
    "remove",
    "modify",
    "change",
    "set",
    "grant",
    "revoke",
    "rename",
    "replace",
    "add",
    "erase",
}
STOP = set(
    """a an the of in on at to for from with and by per each every is are was were be been
being do does did have has had what which who whom whose how many much show me list give get find
tell display all any there their its it that this these those we our i my you your please than as
number count total sum average avg mean minimum min maximum max most least top bottom highest lowest
largest smallest biggest best worst fewest more less over under above below greater at least most
only ever made placed bought purchased ordered live lives living signed cost costs priced spend sold whole overall across into up about where when
did exist existing exists one time ones value values distinct different unique amount s what's whats""".split()
)
AGG_WORDS = {
    "how many": "count",
    "number of": "count",
    "count": "count",
    "total number": "count",
    "total": "sum",
    "sum": "sum",
    "average": "avg",
    "avg": "avg",
    "mean": "avg",
}
DESC_WORDS = {
    "most",
    "highest",
    "largest",
    "biggest",
    "top",
    "best",
    "maximum",
    "max",
    "longest",
    "priciest",
    "greatest",
}
ASC_WORDS = {
    "least",
    "fewest",
    "lowest",
    "smallest",
    "bottom",
    "worst",
    "minimum",
    "min",
    "cheapest",
    "shortest",
}
COMPARATORS = [  # longest first: "more than" before "more"
    ("greater than", ">"),
    ("more than", ">"),
    ("longer than", ">"),
    ("higher than", ">"),
    ("larger than", ">"),
    ("bigger than", ">"),
    ("at least", ">="),
    ("over", ">"),
    ("above", ">"),
    ("less than", "<"),
    ("fewer than", "<"),
    ("shorter than", "<"),
    ("lower than", "<"),
    ("cheaper than", "<"),
    ("under", "<"),
    ("below", "<"),
    ("at most", "<="),
    ("more expensive than", ">"),
    ("pricier than", ">"),
    ("exactly", "="),
    ("equal to", "="),
]
UNIT_FACTORS = {
    "millisecond": {"minute": 60_000, "second": 1_000, "hour": 3_600_000},
    "second": {"minute": 60, "hour": 3_600},
    "minute": {"hour": 60},
}
TIME_UNITS = {
    "month": "month",
    "monthly": "month",
    "year": "year",
    "yearly": "year",
    "annual": "year",
    "annually": "year",
}

# Words that negate the value named right after them ("not shipped", "outside Germany").
NEGATIONS = {"not", "outside", "except", "excluding", "excluded", "non", "no"}
# Words allowed between a negation and its value: "not in Germany", "not from the USA".
NEGATION_GAP = {"in", "from", "located", "based", "the", "a", "an", "of", "be", "been", "yet"}
YEAR = re.compile(r"(?:19|20)\d\d")
NUMBER = r"\$?(\d+(?:\.\d+)?)"
UNITS = r"(?: (minutes?|seconds?|hours?|dollars?|euros?))?"

logger = logging.getLogger(__name__)
# The pipeline engine (engine.py); until it replaces the reader below, it is switched on here
# or with DATACHAT_BUILTIN_ENGINE=v2.
ENGINE_V2 = False

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


def _jan1(year: int) -> exp.Literal:
    return exp.Literal.string(f"{year}-01-01")


def refuse(reason: str) -> Generated:
    return Generated(sql=None, refused=True, reason=reason, explanation=reason)


def tables_answer(document: SchemaDocument) -> Generated:
    names = ", ".join(t.name for t in document.tables)
    n = len(document.tables)
    rows = [(t.name, t.kind, len(t.columns)) for t in document.tables]
    columns = ["table", "kind", "columns"]
    if any(t.row_count is not None for t in document.tables):  # SQLite keeps no estimate
        columns.append("rows (estimate)")
        rows = [(*r, t.row_count) for r, t in zip(rows, document.tables, strict=True)]
    return Generated(
        sql=None,
        explanation=f"The database has {n} table{'s' if n != 1 else ''}: {names}.",
        columns=columns,
        rows=rows,
    )


def describe_answer(table: Table) -> Generated:
    references = {
        c: f"{fk.referred_table}.{r}"
        for fk in table.foreign_keys
        for c, r in zip(fk.columns, fk.referred_columns, strict=False)
    }

    def key(c: Column) -> str:
        primary = c.primary_key or c.name in table.primary_key
        return ", ".join(
            (["primary key"] if primary else [])
            + ([f"references {references[c.name]}"] if c.name in references else [])
        )

    listed = ", ".join(
        f"{c.name} ({c.type}{', ' + key(c) if key(c) else ''})" for c in table.columns
    )
    return Generated(
        sql=None,
        explanation=f"Table {table.name} has columns: {listed}.",
        columns=["column", "type", "nullable", "key", "comment"],
        rows=[
            (c.name, c.type, "yes" if c.nullable else "no", key(c), c.comment)
            for c in table.columns
        ],
    )


def document_answer(
    question: str, *, document: SchemaDocument, profiles: dict, dialect: str
) -> Generated | None:
    """The answer to "which tables exist?" / "describe the orders table", read from the schema
    document without any SQL; None for every other question. The pipeline asks this before
    either generator, so an LLM is never asked to query the catalog for what we already know."""
    words = re.findall(r"\d+(?:\.\d+)?|[a-z][a-z0-9]*(?:'[a-z]+)?", fold(question or ""))
    if not words:
        return None
    index, graph = _index(document, profiles)
    found = _Question(words, index, graph, dialect, profiles).schema_question()
    return found if found is not None and found.sql is None else None


def generate(
    question: str,
    *,
    document: SchemaDocument,
    profiles: dict,
    dialect: str,
    history: list[Turn] = (),
    points: Sequence = (),
    today: date | None = None,
) -> Generated:
    """`points`: DataPoint candidates (schemas_app.datapoints.PointCandidate) in scope.
    `today`: what "last year"/"this year" count from (calendar years; default the real date)."""
    text = (question or "").strip()
    if ENGINE_V2 or os.environ.get("DATACHAT_BUILTIN_ENGINE") == "v2":
        from .engine import answer as answer_v2

        example = matching_example(text, points)
        if example is not None:
            return Generated(
                sql=example.content["sql"],
                explanation=f'Uses the verified example query for "{example.content["question"]}".',
            )
        return answer_v2(text, document=document, profiles=profiles, dialect=dialect, today=today)
    if not text:
        return refuse("The question is empty.")
    if len(text) > 1000:
        return refuse("The question is too long for the built-in engine; please shorten it.")
    words = re.findall(r"\d+(?:\.\d+)?|[a-z][a-z0-9]*(?:'[a-z]+)?", fold(text))
    if set(words) & WRITE_WORDS:
        return refuse("I only answer questions by reading data; I never change it.")
    index, graph = _index(document, profiles)

    def answer(scope, filter_only: str = "") -> Generated:
        reader = _Question(words, index, graph, dialect, profiles, scope, today, filter_only)
        generated = reader.answer()
        generated.note = " ".join(reader.notes)
        return generated

    example = matching_example(text, points)
    if example is not None:  # a verified answer to this very question
        verified = Generated(
            sql=example.content["sql"],
            explanation=f'Uses the verified example query for "{example.content["question"]}".',
        )
        # The same query as the engine's own (an example saved from one of its answers): keep
        # its sentence ("There are 58 customers."), so the answer reads the same either way.
        try:
            own = answer(points)
        except Exception:  # MetricDoesNotApply, Refusal, a gap: the example answers alone
            return verified
        if own.sql and _same_query(own.sql, verified.sql, dialect):
            own.explanation = verified.explanation
            return own
        return verified

    try:
        try:
            return answer(points)
        except MetricDoesNotApply as exc:
            # e.g. "revenue" defined as SUM(orders.total), asked per product: the metric's
            # expression would count an order once per line, so the amount comes from the
            # schema (the line amounts) while the metric's filter and tables still apply.
            return answer(points, filter_only=exc.name)
    except Refusal as exc:
        return refuse(str(exc))
    except Exception:  # a gap in the reader must end in a refusal, never a crash or a guess
        logger.exception("built-in engine failed on %r", text[:200])
        return refuse("I could not understand this question well enough to answer it.")


def _same_query(own: str, example: str, dialect: str) -> bool:
    """Equal once parsed, identifiers unquoted. An example saved before the pipeline's row cap
    was kept internal ends in "LIMIT 10001" (QUERY_MAX_ROWS + 1): a LIMIT above 1,000 on it
    counts as no LIMIT when the engine's own query has none."""

    def parsed(sql: str) -> exp.Expression | None:
        try:
            tree = sqlglot.parse_one(sql, read=SQLGLOT_DIALECTS[dialect])
        except sqlglot.errors.ParseError:
            return None
        for identifier in tree.find_all(exp.Identifier):
            identifier.set("quoted", False)
        return tree

    left, right = parsed(own), parsed(example)
    if left is None or right is None:
        return False
    cap = right.args.get("limit")
    number = cap.expression if isinstance(cap, exp.Limit) else None
    if (
        left.args.get("limit") is None
        and isinstance(number, exp.Literal)
        and number.is_int
        and int(number.this) > 1000
    ):
        right.set("limit", None)
    return left.sql(dialect=SQLGLOT_DIALECTS[dialect]) == right.sql(
        dialect=SQLGLOT_DIALECTS[dialect]
    )


class MetricDoesNotApply(Exception):
    """A DataPoint metric whose table would be repeated by the joins this question needs."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class _Question:
    def __init__(
        self,
        words,
        index: SchemaIndex,
        graph: JoinGraph,
        kind: str,
        profiles: dict,
        points=(),
        today: date | None = None,
        filter_only: str = "",
    ):
        self.words, self.index, self.graph, self.kind = words, index, graph, kind
        self.profiles = profiles
        self.points = points
        self.metric = None  # a DataPoint metric the question names
        # A metric whose expression cannot be used here (see MetricDoesNotApply): only its
        # filter applies, and its words stay free to be read as the amount ("revenue").
        self.filter_only = filter_only
        self.metric_filter = None
        self.point_filters: list = []  # glossary filters: (condition, tables)
        self.used: set[int] = set()
        self.mentions: list[Mention] = []
        self.text = " ".join(words)
        self.today = today or date.today()
        self.notes: list[str] = []  # said in the answer: how relative dates were read
        self.offsets = []  # character offset of each word in self.text
        at = 0
        for w in words:
            self.offsets.append(at)
            at += len(w) + 1

    # --- small helpers ----------------------------------------------------------------
    def has(self, phrase: str) -> int | None:
        """Position of a phrase in the question (word-aligned), marking it used."""
        parts = phrase.split()
        for i in range(len(self.words) - len(parts) + 1):
            if self.words[i : i + len(parts)] == parts:
                self.used.update(range(i, i + len(parts)))
                return i
        return None

    def claim(self, match: re.Match, group: int = 0) -> bool:
        """Mark the words a regex match on self.text covers, unless one is already taken (so
        "over 2000" is not read as the year 2000 as well)."""
        start, end = match.span(group)
        span = [i for i, at in enumerate(self.offsets) if start <= at < end]
        numbers = [i for i in span if re.fullmatch(r"[\d.]+", self.words[i])]
        if not span or any(i in self.used for i in numbers):
            return False
        self.used.update(span)
        return True

    def render(self, select: exp.Expression) -> str:
        select = self.one_join_each(select)
        if self.kind == "clickhouse":
            select = float_averages(select)
        return select.sql(dialect=SQLGLOT_DIALECTS[self.kind])

    def one_join_each(self, select: exp.Expression) -> exp.Expression:
        """ClickHouse 18 takes one JOIN per SELECT: nest the others in subqueries."""
        if self.kind != "clickhouse" or not isinstance(select, exp.Select):
            return select
        nested = nest_joins(select)
        if nested is None:
            raise Refusal(
                "On ClickHouse 18 this needs more than one JOIN per query, which I can only "
                "nest when the columns are named; ask for the columns or a count instead."
            )
        return rename_outside(nested)

    def table_named(self) -> Table | None:
        tables = [t for m in self.mentions if m.kind == "table" for t in m.tables]
        return tables[0] if tables else None

    # --- linking ----------------------------------------------------------------------
    def link(self) -> None:
        words, i = self.words, 0
        singles = [TABLE_SYNONYMS.get(singular(w), singular(w)) for w in words]
        while i < len(words):
            if i in self.used:
                i += 1
                continue
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
                    cols = [
                        tc
                        for k, tcs in self.index.column_words.items()
                        if len(k) > 1 and k[-1] == key[0] and k[-1] not in ("id", "name")
                        for tc in tcs
                    ]
                    if cols:
                        found = Mention("column", i, i + 1, columns=cols)
                if found:
                    break
            if found and found.kind == "table":
                # "customer segment", "order total": a table word naming one of its columns.
                for n in (2, 1):
                    key = tuple(singles[found.end : found.end + n])
                    if len(key) < n or self.used & set(range(found.end, found.end + n)):
                        continue
                    own = [
                        (t, c)
                        for t, c in self.index.column_words.get(key, [])
                        if any(t is x for x in found.tables)
                    ]
                    if own:
                        found = Mention("column", found.start, found.end + n, columns=own)
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
        pending = self.apply_points()
        self.parse_slots()
        self.link()
        for mention in pending:  # glossary columns/values/tables, in question order
            self.mentions.append(mention)
        self.mentions.sort(key=lambda m: m.start)
        self.attach_numbers()
        self.group_values()
        self.superlative_row()
        self.check_all_linked()
        return self.build()

    def attach_numbers(self) -> None:
        """A bare number right after a price word or a numeric column is an equality:
        "products priced 25", "order items with quantity 3"."""
        for i, w in enumerate(self.words):
            if i in self.used or not re.fullmatch(r"\d+(?:\.\d+)?", w) or i == 0:
                continue
            before = i - 1 if self.words[i - 1] not in ("at", "of", "is", "equals") else i - 2
            if before < 0:
                continue
            target = None
            if self.words[before] in ("priced", "costing", "cost", "costs", "worth"):
                target = "price"
            else:
                named = next((m for m in self.mentions if m.end == before + 1), None)
                if named and named.kind == "column":
                    numeric = [(t, c) for t, c in named.columns if c in self.index.measures(t)]
                    target = numeric or None
            if target is not None:
                self.used.update(range(before + 1, i + 1))
                self.comparisons.append(
                    ("=", float(w), "", i, None if target == "price" else target)
                )

    def group_values(self) -> None:
        """Values joined by "or"/"and" on one column become one IN list ("Germany or France":
        a customer has one country, so "and" can only mean either); a negation word right
        before a group excludes it."""
        self.value_groups: list[dict] = []
        last = None
        for m in (m for m in self.mentions if m.kind == "value"):
            if last is not None:
                between = self.words[last.end : m.start]
                shared = self.columns_of(self.value_groups[-1]["mentions"]) & self.columns_of([m])
                if len(between) <= 1 and set(between) <= {"or", "and", "nor"} and shared:
                    self.value_groups[-1]["mentions"].append(m)
                    self.used.update(range(last.end, m.start))
                    last = m
                    continue
            self.value_groups.append({"mentions": [m], "negated": False})
            last = m
        for i, w in enumerate(self.words):
            if i in self.used or not (w in NEGATIONS or w.endswith("n't")):
                continue
            for group in self.value_groups:
                first = group["mentions"][0]
                gap = self.words[i + 1 : first.start]
                if first.start > i and len(gap) <= 3 and set(gap) <= NEGATION_GAP:
                    if group["negated"]:
                        raise Refusal("Two negations of the same values: please rephrase.")
                    group["negated"] = True
                    self.used.add(i)
                    break

    def columns_of(self, mentions: list[Mention]) -> set[tuple[str, str]]:
        sets = [{(v.table.qualified_name, v.column.name) for v in m.values} for m in mentions]
        return set.intersection(*sets) if sets else set()

    def superlative_row(self) -> None:
        """ "the most expensive product", "the longest track": the row itself, ranked by the
        quantity the adjective implies, not MAX(price). "highest product price" and "maximum
        order total" name a column and stay aggregates."""
        if (
            self.direction is None
            or self.ranking
            or self.agg is not None
            or self.direction_word in ("max", "maximum", "min", "minimum")
            or not self.implied
        ):
            return
        after = next((m for m in self.mentions if m.start > self.direction_at), None)
        if after is not None and after.kind == "table":
            self.ranking = True

    def apply_points(self) -> list[Mention]:
        """Claim the words a DataPoint defines: a metric becomes the measure, a glossary
        term a column, value or filter, a table synonym the table."""
        mentions = []
        if not self.points:
            return mentions
        for match in match_points(
            self.words, self.used, self.points, self.index.document, self.kind
        ):
            if match.kind == "metric" and match.name == self.filter_only:
                self.metric_filter = match
                self.point_filters.append(match)
                where = f" where {match.condition.sql()}" if match.condition is not None else ""
                self.notes.append(
                    f"{match.name.capitalize()} follows its definition{where}, added up from "
                    f"the rows asked about: its formula {match.expression.sql()} would count "
                    "some rows more than once here."
                )
                continue  # its words are left to name the amount
            self.used.update(range(match.start, match.end))
            if match.kind == "metric" and self.metric is None:
                self.metric = match
            elif match.kind == "metric":
                raise Refusal("I can compute one metric per question; please ask for one.")
            elif match.kind == "filter":
                self.point_filters.append(match)
            elif match.kind == "column":
                mentions.append(Mention("column", match.start, match.end, columns=[match.column]))
            elif match.kind == "value":
                t, c = match.column
                link = ValueLink(t, c, match.value)
                mentions.append(Mention("value", match.start, match.end, values=[link]))
            elif match.kind == "table":
                mentions.append(Mention("table", match.start, match.end, tables=match.tables))
        return mentions

    def schema_question(self) -> Generated | None:
        t = self.text
        self.link()
        table = self.table_named()
        self.mentions, self.used = [], set()
        if (
            re.search(r"\btables?\b", t)
            and re.search(r"\b(what|which|list|show)\b", t)
            and (table is None or re.search(r"\b(exist|are there|database|schema)\b", t))
            and not re.search(r"\bcolumns?\b", t)
        ):
            return tables_answer(self.index.document)
        if table and re.search(r"\b(describe|columns?|structure|fields)\b", t):
            return describe_answer(table)
        if table and re.search(
            r"\b(sample|example|some)\b.*\brows?\b|\bshow( me)? \d+ rows?\b|\bpreview\b", t
        ):
            n = re.search(r"\b(\d+)\b", t)
            limit = int(n.group(1)) if n else 5
            sql = self.render(
                exp.select("*").from_(table.sql_ref(self.kind)).limit(min(limit, 100))
            )
            return Generated(sql=sql, explanation=f"A sample of {limit} rows from {table.name}.")
        if (
            table
            and re.search(r"\bhow many rows\b|\brow count\b|\bnumber of rows\b", t)
            and len([w for w in self.words if w not in STOP and w not in ("rows", "row")])
            <= len(split_identifier(table.name)) + 1
        ):
            sql = self.render(
                exp.select(exp.Count(this=exp.Star()).as_("row_count")).from_(
                    table.sql_ref(self.kind)
                )
            )
            return Generated(
                sql=sql,
                explanation=f"Counts the rows of {table.name}.",
                answer_template=f"{table.name} has {{value}} rows.",
            )
        return None

    # --- slots read by phrase before linking --------------------------------------------
    def parse_slots(self) -> None:
        t = self.text
        self.agg = None
        for phrase in ("how many", "total number", "number of", "count", "average", "avg", "mean"):
            if self.has(phrase) is not None:
                self.agg = AGG_WORDS[phrase]
                break
        if self.agg is None and self.has("sum") is not None:
            self.agg = "sum"
        for i, w in enumerate(self.words):
            # "total revenue" aggregates; "orders by total", "order total" name a column.
            before = singular(self.words[i - 1]) if i else ""
            if (
                self.agg is None
                and w == "total"
                and before not in ("by", "per", "with")
                and ((before,) not in self.index.table_words)
                and not (set(self.words) & (DESC_WORDS | ASC_WORDS))
            ):
                self.agg = "sum"
                self.used.add(i)
        self.direction, self.direction_at, self.direction_word = None, -1, ""
        for i, w in enumerate(self.words):
            if w in DESC_WORDS or w in ASC_WORDS:
                self.direction = "desc" if w in DESC_WORDS else "asc"
                self.direction_at, self.direction_word = i, w
                self.used.add(i)
                break
        self.implied = None  # money | price | duration
        for i, w in enumerate(self.words):
            kind = (
                "money"
                if w in MONEY_WORDS
                else "price"
                if w in PRICE_WORDS
                else "duration"
                if w in DURATION_WORDS - {"minute", "second", "hour"}
                else None
            )
            if kind and (i not in self.used or w in DESC_WORDS | ASC_WORDS):
                self.implied = self.implied or kind
                self.used.add(i)
        m = re.search(
            r"\b(?:top|bottom|first|the)\s+(\d+)\b|\b(\d+)\s+(?:most|least|highest|lowest|"
            r"biggest|largest|smallest|best|worst|cheapest|longest|shortest)\b",
            t,
        )
        self.limit = int(m.group(1) or m.group(2)) if m else None
        if m:
            self.claim(m)
        self.ranking = self.direction is not None and (
            self.limit is not None
            or self.words[0] in ("which", "who")
            or {"top", "bottom"} & set(self.words)
        )
        # (op, number or (low, high), unit, word position); "between" is inclusive.
        self.comparisons = []
        for rm in re.finditer(
            rf"\b(?:between|from) {NUMBER} (?:and|to) {NUMBER}{UNITS}\b|\b{NUMBER} to {NUMBER}{UNITS}\b",
            t,
        ):
            if self.claim(rm):
                low, high = rm.group(1) or rm.group(4), rm.group(2) or rm.group(5)
                unit = singular(rm.group(3) or rm.group(6) or "")
                at = self.word_at(rm.start())
                self.comparisons.append(("between", (float(low), float(high)), unit, at, None))
        for phrase, op in COMPARATORS:
            for cm in re.finditer(rf"\b{phrase} {NUMBER}{UNITS}\b", t):
                if self.claim(cm):
                    unit = singular(cm.group(2) or "")
                    at = self.word_at(cm.start())
                    self.comparisons.append((op, float(cm.group(1)), unit, at, None))
        self.date_filters = []  # (op, year); op: year | < | >= | relative
        for dm in re.finditer(
            r"\b(?:(before|after|since|in|during|from|of) )?((?:19|20)\d\d)\b", t
        ):
            if not self.claim(dm):
                continue
            word, year = dm.group(1) or "in", int(dm.group(2))
            self.date_filters.append(
                {"before": ("<", year), "after": (">=", year + 1), "since": (">=", year)}.get(
                    word, ("year", year)
                )
            )
        for rel, shift in (("last year", -1), ("this year", 0), ("previous year", -1)):
            if self.has(rel) is not None:
                self.date_filters.append(("relative", shift))
        # "2023 or 2024": years on either side of a connective are alternatives.
        for i, w in enumerate(self.words[1:-1], 1):
            if (
                w in ("or", "and")
                and YEAR.fullmatch(self.words[i - 1] or "")
                and YEAR.fullmatch(self.words[i + 1])
            ):
                self.used.add(i)
        self.per_group_average = False  # "how many items per order on average"
        if self.agg == "count":
            for phrase in ("on average", "average", "avg", "mean"):
                if self.has(phrase) is not None:
                    self.per_group_average = True
                    break
        self.dim_at = None
        for phrase in ("for each", "in each", "for every", "by", "per", "each"):
            pos = self.has(phrase)
            if pos is not None:
                self.dim_at = pos + len(phrase.split())
                break

    def word_at(self, char: int) -> int:
        return max(i for i, at in enumerate(self.offsets) if at <= char)

    def check_all_linked(self) -> None:
        for i, w in enumerate(self.words):
            if i in self.used or w in STOP:
                continue
            if re.fullmatch(r"[\d.]+", w):
                # A number that is no limit, comparison, range or year: dropping it would
                # answer another question ("orders priced 25" counting every order).
                raise Refusal(
                    f"I could not tell what the number {w} refers to; say e.g. "
                    f"'more than {w}', 'between {w} and ...' or 'in {w}' with a column."
                )
            if w in NEGATIONS or w.endswith("n't"):
                raise Refusal(
                    f"I could not tell what '{w}' negates; I can exclude a named value, "
                    "as in 'orders not shipped' or 'customers outside Germany'."
                )
            if w == "or":
                raise Refusal(
                    "I can combine alternatives only for values of one column ('in Germany or "
                    "France') or years ('in 2023 or 2024')."
                )
            if w == "between":
                raise Refusal("Please give a range as 'between 100 and 200'.")
            tables, columns = self.index.closest(w)
            raise Refusal(
                f"I could not link '{w}' to the schema; closest tables: {', '.join(tables)}"
                + (f"; columns: {', '.join(columns)}" if columns else "")
                + (
                    ""
                    if self.profiles
                    else "; column profiles have not been collected for this database — "
                    "profile it (Extract schema with column profiles, or Profile columns on "
                    f"its schema page) so I can match values like '{w}'"
                )
                + "."
            )

    # --- building the query -------------------------------------------------------------
    def nearest(
        self, options: list[tuple[Table, object]], anchors: list[Table]
    ) -> tuple[Table, object]:
        """Of several (table, thing) candidates, the one closest on the FK graph to the anchors."""
        if not anchors:
            return options[0]
        return min(
            options,
            key=lambda o: sum(
                self.graph.distance(a.qualified_name, o[0].qualified_name) for a in anchors
            ),
        )

    def resolve_measure(self, explicit, anchors: list[Table]):
        """(table, expression, words) for the quantity asked about, or None."""
        idx = self.index
        options, products = [], []  # products: price * quantity, used after direct totals
        for m in explicit:
            options += [(t, col(t, c.name)) for t, c in m.columns if c in idx.measures(t)]
        if not options and self.implied:
            for t in idx.document.tables:
                measures = {tuple(split_identifier(c.name)): c for c in idx.measures(t)}
                for words, c in measures.items():
                    if (
                        self.implied == "money"
                        and words[-1] in MONEY_COLUMNS
                        or self.implied == "price"
                        and words[-1] == "price"
                        or self.implied == "duration"
                        and set(words) & set(DURATION_COLUMNS)
                    ):
                        options.append((t, col(t, c.name)))
                price = next((c for w, c in measures.items() if w[-1] == "price"), None)
                qty = next((c for w, c in measures.items() if w[-1] == "quantity"), None)
                if self.implied == "money" and price and qty:
                    products.append(
                        (t, exp.Mul(this=col(t, price.name), expression=col(t, qty.name)))
                    )
        options += products
        if not options:
            return None
        return self.nearest(options, anchors)

    def date_column(self, table: Table) -> Column | None:
        dates = self.index.date_columns(table)
        for c in dates:  # "signup date", "hired": prefer a date column the question names
            if any(
                w.startswith(x[:4])
                for x in split_identifier(c.name)
                if x not in ("date", "at")
                for w in self.words
            ):
                return c
        return dates[0] if dates else None

    def date_bounds(self, table: Table, column: Column) -> list[exp.Expression]:
        """Years named ("in 2023 or 2024", "between 2022 and 2024", "last year") are OR'd
        (a date lies in one year), "before"/"since" bounds are AND'ed."""
        ref, out, years = col(table, column.name), [], []
        for op, year in self.date_filters:
            if op == "relative":  # calendar years: "last year" is the year before today's
                year, op = self.today.year + year, "year"
                self.notes.append(
                    f"Dates: {table.name}.{column.name} in {year} "
                    f"(today is {self.today.isoformat()})."
                )
            if op == "year":
                years.append((year, year))
            elif op == "range":
                years.append(year)
            elif op == "<":
                out.append(exp.LT(this=ref.copy(), expression=_jan1(year)))
            else:
                out.append(exp.GTE(this=ref.copy(), expression=_jan1(year)))
        merged: list[list[int]] = []
        for low, high in sorted(years):
            if merged and low <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        spans = [
            [
                exp.GTE(this=ref.copy(), expression=_jan1(low)),
                exp.LT(this=ref.copy(), expression=_jan1(high + 1)),
            ]
            for low, high in merged
        ]
        if len(spans) == 1:
            out += spans[0]
        elif spans:
            out.append(exp.paren(exp.or_(*(exp.and_(*span) for span in spans))))
        return out

    def build(self) -> Generated:
        ms = self.mentions
        dim = None
        if self.dim_at is not None:
            dim = next((m for m in ms if m.start >= self.dim_at), None)
            if dim and (dim.start > self.dim_at + 1 or dim.kind == "value"):
                dim = None
            # "top 5 products by revenue": what follows "by" is the ranking measure, not a group.
            if (
                dim
                and dim.kind == "column"
                and any(c in self.index.measures(t) for t, c in dim.columns)
            ):
                dim = None
        if dim is None:  # "monthly revenue"
            dim = next((m for m in ms if m.kind == "time"), None)
        values = [m for m in ms if m.kind == "value"]
        tables = []
        for m in ms:  # tables in question order, once each (dataclasses: compare by identity)
            if m.kind == "table" and m is not dim and all(m.tables[0] is not t for t in tables):
                tables.append(m.tables[0])
        cols = [m for m in ms if m.kind == "column" and m is not dim]
        if any(m.kind == "time" for m in ms if m is not dim):
            raise Refusal("I can group by month or year, but could not tell what to group.")
        plain = [m for m in cols if not any(c in self.index.measures(t) for t, c in m.columns)]
        if self.ranking and dim is None and plain and self.words[0] in ("which", "who"):
            dim, cols = plain[0], [m for m in cols if m is not plain[0]]  # "which payment method"
        if (
            self.ranking
            and dim is None
            and tables
            and (len(tables) > 1 or self.implied or cols or self.metric is not None)
        ):
            # "which genre has the most tracks", "top 5 customers by spending" (or by a metric):
            # the first table named is the group, the rest is what is counted or measured.
            first = next(m for m in ms if m.kind == "table")
            measured = (
                (self.metric.tables[0], None)
                if self.metric is not None
                else self.resolve_measure(cols, [first.tables[0]])
            )
            if len(tables) > 1 or (measured and measured[0] != first.tables[0]):
                dim, tables = first, tables[1:]
        elif self.ranking and dim is None and cols and not tables:
            dim_col = next(
                (m for m in cols if not any(c in self.index.measures(t) for t, c in m.columns)),
                None,
            )
            if dim_col:
                dim, cols = dim_col, [m for m in cols if m is not dim_col]

        anchors = list(tables)
        dim_table = None
        if dim is not None and dim.kind == "table":
            dim_table = dim.tables[0]
        elif dim is not None and dim.kind == "column":
            near = tables[:1] + ([v.values[0].table for v in values[:1]])
            dim_table = self.nearest(dim.columns, near)[0]
        measure = None
        if self.metric is not None:
            measure = (self.metric.tables[0], self.metric.expression.copy())
        elif (
            self.agg in ("sum", "avg")
            or self.implied
            or (self.agg is None and cols and self.direction)
            or (self.ranking and cols)
        ):
            measure = self.resolve_measure(cols, anchors + ([dim_table] if dim_table else []))
        agg = "metric" if self.metric is not None else self.agg
        if agg == "sum" and measure is None and tables:
            # "total" read as a column name: orders.total
            only = self.index.measures(tables[0])
            measure = (tables[0], col(tables[0], only[0].name)) if len(only) == 1 else None
        if (
            measure is not None
            and dim is not None
            and dim.kind == "table"
            and dim_table is measure[0]
            and agg in ("sum", "avg")
        ):
            dim = dim_table = None  # "average quantity per order item": one group per row
        if measure is None and agg in ("sum", "avg"):
            raise Refusal(
                "I could not tell which amount to add up; name a column such as "
                + ", ".join(
                    sorted(
                        {c.name for t in self.index.document.tables for c in self.index.measures(t)}
                    )[:8]
                )
                + "."
            )
        if agg is None and measure is None and dim is not None:
            agg = "count"  # "customers per country" counts; a group never lists raw rows
        # The subject: what rows are counted, listed or measured.
        if agg == "count" or (self.ranking and measure is None):
            if not tables:
                if dim_table is None:
                    raise Refusal(
                        "I could not tell what to count; name a table such as "
                        + ", ".join(t.name for t in self.index.document.tables[:8])
                        + "."
                    )
                subject = dim_table
            else:
                subject = tables[0]
            if agg is None:
                agg = "count"
        elif measure is not None and (agg or self.ranking or dim is not None):
            subject = measure[0]
        elif tables:
            subject = tables[0]
        elif measure is not None:
            subject = measure[0]
        else:
            raise Refusal("I could not tell which table the question is about.")
        if (
            measure is not None
            and agg is None
            and not self.ranking
            and dim is None
            and self.direction
        ):
            agg = "max" if self.direction == "desc" else "min"
        if measure is not None and agg is None and dim is not None:
            agg = "sum"

        needed: list[Table] = [t for t in tables if t is not subject]
        where: list[exp.Expression] = []
        for group in self.value_groups:
            t, c = self.nearest(
                [
                    (v.table, v.column)
                    for v in group["mentions"][0].values
                    if (v.table.qualified_name, v.column.name) in self.columns_of(group["mentions"])
                ],
                [subject],
            )
            stored = [
                next(v.value for v in m.values if v.table is t and v.column is c)
                for m in group["mentions"]
            ]
            needed.append(t)
            where.append(self.value_condition(t, c, list(dict.fromkeys(stored)), group["negated"]))
        named_measure = any(c in self.index.measures(t) for m in cols for t, c in m.columns)
        for op, number, unit, _at, target in self.comparisons:
            if (
                op == "between"
                and not unit
                and target is None
                and not named_measure
                and not self.implied
                and all(n.is_integer() and YEAR.fullmatch(str(int(n))) for n in number)
            ):
                self.date_filters.append(("range", tuple(sorted(int(n) for n in number))))
                continue
            if target:
                t, c = self.nearest(target, [subject])
            else:
                t, c = self.comparison_column(subject, cols, unit)
            needed.append(t)
            words = split_identifier(c.name)
            factor = next(
                (f for w in words for u, f in UNIT_FACTORS.get(w, {}).items() if u == unit), 1
            )

            def literal(n: float, factor: int = factor) -> exp.Literal:
                n *= factor
                return exp.Literal.number(int(n) if n.is_integer() else n)

            if op == "between":  # inclusive, as people mean "between 100 and 200"
                low, high = sorted(number)
                where.append(exp.Between(this=col(t, c.name), low=literal(low), high=literal(high)))
                continue
            cls = {">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE, "=": exp.EQ}[op]
            where.append(cls(this=col(t, c.name), expression=literal(number)))
        if self.date_filters:
            dated = next((t for t in [subject] + needed if self.index.date_columns(t)), None)
            if dated is None:
                raise Refusal(f"{subject.name} has no date column to filter on.")
            where += self.date_bounds(dated, self.date_column(dated))
            needed.append(dated)
        if measure is not None:
            needed.append(measure[0])
        for match in ([self.metric] if self.metric else []) + self.point_filters:
            # A metric's own filter ("only paid or shipped orders") and glossary filters.
            needed += match.tables
            if match.condition is not None:
                where.append(match.condition.copy())

        select = exp.select().from_(subject.sql_ref(self.kind))
        group: list[exp.Expression] = []
        outputs: list[exp.Expression] = []
        order = None
        dim_label = ""
        if dim is not None:
            needed.append(dim_table)
            if dim.kind == "time":
                dc = self.date_column(subject if self.index.date_columns(subject) else needed[0])
                if dc is None:
                    raise Refusal(f"{subject.name} has no date column to group by {dim.unit}.")
                ref = col(subject, dc.name)
                expr = (
                    month_start(ref, self.kind) if dim.unit == "month" else year_of(ref, self.kind)
                )
                outputs.append(expr.as_(dim.unit))
                group.append(exp.column(dim.unit))
                order = exp.Ordered(this=exp.column(dim.unit))
            elif dim.kind == "column":
                t, c = self.nearest(dim.columns, [subject])
                dim_table, dim_label = t, " ".join(split_identifier(c.name))
                # Named outright: ClickHouse calls a joined column "<db>.categories.name", and
                # the comparison across databases merges answers by their column names.
                outputs.append(col(t, c.name).as_(c.name, quoted=True))
                group.append(col(t, c.name))
            else:
                labels = self.index.label_columns(dim_table)
                # Grouped by the key too, so two products both called "Ultra Webcam" stay
                # apart; ClickHouse declares no keys, so its `id` column stands in.
                key_names = dim_table.primary_key or [
                    c.name for c in dim_table.columns if c.name.lower() == "id"
                ]
                keys = [col(dim_table, k) for k in key_names if dim_table.column(k) not in labels]
                outputs += [col(dim_table, c.name).as_(c.name, quoted=True) for c in labels]
                group += keys + [col(dim_table, c.name) for c in labels]
        if dim is not None and dim.kind == "time":
            needed = [t for t in needed if t is not None]
        joined = self.graph.join(
            select,
            subject.qualified_name,
            list(dict.fromkeys(t.qualified_name for t in needed if t is not None)),
            self.kind,
        )
        if joined is None:
            raise Refusal("The tables this question needs are not connected by foreign keys.")
        select = joined
        fanout = (
            len({t.qualified_name for t in needed if t is not None} - {subject.qualified_name}) > 0
        )
        if measure is not None and agg in ("sum", "avg", "metric"):
            others = {t.qualified_name for t in needed if t is not None} - {
                measure[0].qualified_name
            }
            if self.graph.duplicates_rows_of(measure[0].qualified_name, sorted(others)):
                if agg == "metric":
                    raise MetricDoesNotApply(self.metric.name)
                raise Refusal(
                    f"Adding up {measure[0].name} across {', '.join(sorted(others))} would count "
                    f"each {singular(measure[0].name)} once per related row; I won't give that number."
                )

        if agg is None:
            # A list of rows: the subject's columns (plus the measure when ranking).
            select = select.select(
                exp.Column(this=exp.Star(), table=exp.to_identifier(subject.name, quoted=True))
            )
            if fanout:
                select = select.distinct()
            if measure is not None and self.direction:
                select = select.order_by(
                    exp.Ordered(this=measure[1].copy(), desc=self.direction == "desc")
                )
            if self.limit or self.ranking:
                select = select.limit(self.limit or 1)
            explanation = f"Lists {subject.name} rows matching the question."
            return Generated(
                sql=self.render(select.where(*where) if where else select), explanation=explanation
            )

        if agg == "count":
            pk = subject.primary_key
            value = (
                exp.Count(this=exp.Distinct(expressions=[col(subject, pk[0])]))
                if fanout and len(pk) == 1
                else exp.Count(this=exp.Star())
            )
            name = f"{subject.name}_count"
        elif agg == "metric":  # the metric's expression is already an aggregate
            value = measure[1].copy()
            name = re.sub(r"\W+", "_", self.metric.name.lower()).strip("_") or "metric_value"
        else:
            fn = {"sum": exp.Sum, "avg": exp.Avg, "max": exp.Max, "min": exp.Min}[agg]
            value = fn(this=measure[1].copy())
            if agg == "avg":
                value = exp.Round(this=value, decimals=exp.Literal.number(2))
            name = f"{agg}_value"
            if self.metric_filter is not None and agg == "sum":
                name = re.sub(r"\W+", "_", self.metric_filter.name.lower()).strip("_") or name
        outputs.append(value.as_(name))
        select = select.select(*outputs)
        if where:
            select = select.where(*where)
        if group:
            select = select.group_by(*group)
        if self.per_group_average:
            # "how many items per order on average": the mean of the per-group counts (groups
            # with at least one row, as the join finds them).
            if agg != "count" or not group or self.ranking:
                raise Refusal(
                    "I can average a count per group, as in 'average number of orders per "
                    "customer'; please name the group."
                )
            average = exp.Round(
                this=exp.Avg(this=exp.column(name, table="per_group")),
                decimals=exp.Literal.number(2),
            )
            per = {"time": getattr(dim, "unit", ""), "column": dim_label}.get(
                dim.kind, " ".join(split_identifier(dim_table.name))
            )
            outer = exp.select(average.as_(f"avg_{name}")).from_(
                self.one_join_each(select).subquery("per_group")
            )
            return Generated(
                sql=self.render(outer),
                explanation=f"Counts {subject.name} per group, then averages the counts.",
                answer_template=f"On average {{value}} {plural_phrase(subject.name)} per {per}.",
            )
        if self.ranking or (self.direction and group):
            select = select.order_by(
                exp.Ordered(this=exp.column(name), desc=self.direction != "asc")
            )
            select = select.limit(self.limit or 1)
        elif order is not None:
            select = select.order_by(order)
        template = ""
        if not group:
            if agg == "count":
                template = f"There are {{value}} {plural_phrase(subject.name)}."
            elif agg == "metric":
                template = f"The {self.metric.name} is {{value}}."
            else:
                template = self.measure_sentence(agg, measure)
        what = (
            "Counts"
            if agg == "count"
            else {
                "sum": "Adds up",
                "avg": "Averages",
                "max": "Finds the maximum of",
                "min": "Finds the minimum of",
                "metric": f"Computes the metric {self.metric.name if self.metric else ''} over",
            }[agg]
        )
        explanation = f"{what} {subject.name}" + (" per group." if group else ".")
        return Generated(sql=self.render(select), explanation=explanation, answer_template=template)

    def measure_sentence(self, agg: str, measure: tuple[Table, exp.Expression]) -> str:
        """ "The average price of products is {value}." — said as people would, not "The avg is"."""
        table, expression = measure
        if isinstance(expression, exp.Column):
            words = " ".join(split_identifier(expression.name))
        else:  # price * quantity: the money the rows stand for
            words = "amount"
        what = {"avg": "average", "sum": "total", "max": "highest", "min": "lowest"}[agg]
        if agg == "sum" and words == "total":
            what, words = "total", ""  # "the total of orders", not "the total total"
        label = " ".join(w for w in (what, words) if w)
        return f"The {label} of {plural_phrase(table.name)} is {{value}}."

    def value_condition(
        self, table: Table, column: Column, values: list, negated: bool
    ) -> exp.Expression:
        """= / IN, or for a negation <> / NOT IN that also keeps NULLs: "orders not shipped"
        is every order except the shipped ones, so it and "orders shipped" add up to all."""
        ref = col(table, column.name)
        literals = [exp.Literal.string(str(v)) for v in values]
        if len(literals) == 1:
            cond = (exp.NEQ if negated else exp.EQ)(this=ref, expression=literals[0])
        else:
            cond = exp.In(this=ref, expressions=literals)
            cond = exp.Not(this=cond) if negated else cond
        if negated and column.nullable:
            cond = exp.paren(exp.or_(cond, exp.Is(this=ref.copy(), expression=exp.Null())))
        return cond

    def comparison_column(self, subject: Table, cols, unit: str) -> tuple[Table, Column]:
        named = [(t, c) for m in cols for t, c in m.columns if c in self.index.measures(t)]
        if named:
            return self.nearest(named, [subject])
        measures = self.index.measures(subject)
        if unit in ("minute", "second", "hour"):
            measures = [
                c for c in measures if set(split_identifier(c.name)) & set(DURATION_COLUMNS)
            ]
        elif self.implied == "price" or unit in ("dollar", "euro"):
            measures = [
                c for c in measures if split_identifier(c.name)[-1] in ("price",) + MONEY_COLUMNS
            ]
        if len(measures) == 1:
            return subject, measures[0]
        money = [c for c in measures if split_identifier(c.name)[-1] in MONEY_COLUMNS]
        if len(money) == 1:
            return subject, money[0]
        raise Refusal(
            f"I could not tell which number of {subject.name} to compare; columns: "
            + ", ".join(c.name for c in self.index.measures(subject))
            + "."
        )
