"""What the SQL generator sees: the tables a question needs, dialect notes, recent turns.

Schema linking that holds on thousands of tables. Each question is scored against an index
built once per snapshot (names and columns split into words, profiled and sampled values):

1. exact and near-exact table names first: a table named like a noun of the question
   ("tracks" -> Track, "media type" -> MediaType) gets a large boost;
2. column-level matches, weighted by how rare the word is across the schema, so that the
   CustomerId every look-alike shares counts little and BillingCity counts a lot;
3. value retrieval: question n-grams against every profiled and sampled value; a hit brings
   its table and the value is shown on its column;
4. archive/backup/staging/_old/_v2 look-alikes ranked down, and tables many others refer to
   ranked up a little (the real Invoice beats InvoiceSummary_v2);
5. then the join paths between the chosen tables, the tables they refer to, and only then the
   long tail; the budget goes to full columns of the chosen tables before names of more.

Text is rendered as compact DDL (keys, row counts, a few values per column with the number of
distinct ones, ranges of dates and numbers) and measured with litellm's token counter. The
index and each table's rendering depend only on the snapshot, so they are cached; a question
costs a few dictionary lookups and a short graph search.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
import weakref
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from connections.dialects.schema import SchemaDocument, Table

from .types import Turn

MAX_CORE_TABLES = 6
READINGS_PER_CONCEPT = 3  # best tables of a word's readings ("revenue": invoice, order, total)
MAX_SHOWN_COLUMNS = 40
KNOWN_VALUES = 5  # values shown for a categorical column
EXAMPLE_VALUES = 2  # examples shown for a column of mostly distinct values
CATEGORY_MAX_DISTINCT = 50
HISTORY_TURNS = 3
POINTS_BUDGET_SHARE = 4  # DataPoints may take up to a quarter of the context budget
MAX_VALUE_WORDS = 4  # longest value (in words) matched against the question
MAX_RANKED = 400  # tables ranked by score on a big schema; a budget never shows more

EXACT_NAME = 12.0  # a table named exactly like words of the question
NAME_WORD = 2.0  # per name word of the table found in the question (times the word's rarity)
VALUE_HIT = 6.0  # a value of the table's column written in the question
LOOKALIKE = 0.35  # archive/backup/staging/versioned copies keep this share of their score
CENTRALITY = 0.4  # per log(1 + tables referring to it)

DIALECT_NOTES: dict[str, str] = {
    "postgresql": (
        "PostgreSQL 15. Identifiers are folded to lower case unless double-quoted: quote names "
        'with capitals or spaces exactly as listed ("CustomerId"). Strings use single quotes; '
        "= and LIKE are case-sensitive, ILIKE is not. Dates: date_trunc('month', col), "
        "EXTRACT(YEAR FROM col), col - INTERVAL '1 year', CURRENT_DATE. Row limit: LIMIT n. "
        "Integer division truncates: cast to numeric for averages and ratios; "
        "ROUND(x::numeric, 2)."
    ),
    "mysql": (
        "MariaDB 10.11 / MySQL. Quote identifiers with backticks; strings with single quotes. "
        "Table names may be case-sensitive (as listed); string comparison is usually "
        "case-insensitive. Dates: YEAR(col), DATE_FORMAT(col, '%Y-%m'), "
        "DATE_SUB(CURDATE(), INTERVAL 1 YEAR). Row limit: LIMIT n. No FULL OUTER JOIN."
    ),
    "clickhouse": (
        "ClickHouse 18.16 (old). Identifiers and string comparison are case-sensitive; quote "
        "identifiers with backticks or double quotes, strings with single quotes. Dates: "
        "toYear(col), toStartOfMonth(col), toDate('2023-01-01'), today(). Row limit: LIMIT n. "
        "It LACKS window functions (no OVER), EXPLAIN, recursive CTEs and correlated "
        "subqueries; WITH only names scalar expressions, so use subqueries in FROM. JOINs need "
        "explicit ON equality conditions; prefer ANY LEFT JOIN for lookups. count() returns "
        "UInt64; use avg(), sum(), uniqExact()."
    ),
    "sqlite": (
        "SQLite 3. Names are case-insensitive; quote identifiers with double quotes and "
        "strings with single quotes. = is case-sensitive, LIKE is case-insensitive for ASCII. "
        "No date type: dates are text as shown below, use strftime('%Y', col), date(col), "
        "date('now', '-1 year'). Row limit: LIMIT n. Integer division truncates: multiply by "
        "1.0 for averages and ratios."
    ),
    "redshift": (
        "Amazon Redshift (PostgreSQL 8 syntax). Identifiers fold to lower case; quote with "
        "double quotes, strings with single quotes. Dates: DATE_TRUNC('month', col), "
        "EXTRACT(YEAR FROM col), DATEADD(year, -1, GETDATE()), DATEDIFF(day, a, b). "
        "NVL(a, b), LISTAGG(col, ', ') WITHIN GROUP (ORDER BY col). Row limit: LIMIT n. No "
        "arrays, generate_series or string_agg. Integer division truncates: cast to DECIMAL."
    ),
    "bigquery": (
        "Google BigQuery, GoogleSQL (not legacy SQL). Tables are in the default dataset: "
        "name them as listed; quote names with backticks, strings with single quotes. Dates: "
        "DATE_TRUNC(col, MONTH), EXTRACT(YEAR FROM col), DATE_SUB(CURRENT_DATE(), INTERVAL 1 "
        "YEAR), FORMAT_DATE('%Y-%m', col). Types: INT64, FLOAT64, NUMERIC, STRING. "
        "SAFE_DIVIDE(a, b) for ratios; COUNTIF(cond). Row limit: LIMIT n. Every byte read is "
        "billed: select only the columns needed, never SELECT *."
    ),
}


# Seeded examples per dialect, shown when no verified example of the database's own was
# retrieved: syntax to imitate (dates, grouping, top N), on tables that are not the user's.
DIALECT_EXAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    "postgresql": (
        (
            "Orders per month in 2024",
            "SELECT date_trunc('month', o.ordered_at) AS month, COUNT(*) AS orders FROM orders o "
            "WHERE o.ordered_at >= '2024-01-01' AND o.ordered_at < '2025-01-01' "
            "GROUP BY month ORDER BY month",
        ),
        (
            "The 3 customers who spent most",
            "SELECT c.name, SUM(o.total) AS spent FROM customers c JOIN orders o ON "
            "o.customer_id = c.id GROUP BY c.id, c.name ORDER BY spent DESC LIMIT 3",
        ),
    ),
    "mysql": (
        (
            "Orders per month in 2024",
            "SELECT DATE_FORMAT(o.ordered_at, '%Y-%m') AS month, COUNT(*) AS orders FROM orders o "
            "WHERE o.ordered_at >= '2024-01-01' AND o.ordered_at < '2025-01-01' "
            "GROUP BY month ORDER BY month",
        ),
        (
            "The 3 customers who spent most",
            "SELECT c.name, SUM(o.total) AS spent FROM customers c JOIN orders o ON "
            "o.customer_id = c.id GROUP BY c.id, c.name ORDER BY spent DESC LIMIT 3",
        ),
    ),
    "clickhouse": (
        (
            "Orders per month in 2024",
            "SELECT toStartOfMonth(ordered_at) AS month, count() AS orders FROM orders "
            "WHERE toYear(ordered_at) = 2024 GROUP BY month ORDER BY month",
        ),
        (
            "The 3 customers who spent most",
            "SELECT c.name, o.spent FROM (SELECT customer_id, sum(total) AS spent FROM orders "
            "GROUP BY customer_id) AS o ANY LEFT JOIN customers AS c ON c.id = o.customer_id "
            "ORDER BY o.spent DESC LIMIT 3",
        ),
    ),
    "sqlite": (
        (
            "Orders per month in 2024",
            "SELECT strftime('%Y-%m', o.ordered_at) AS month, COUNT(*) AS orders FROM orders o "
            "WHERE o.ordered_at >= '2024-01-01' AND o.ordered_at < '2025-01-01' "
            "GROUP BY month ORDER BY month",
        ),
        (
            "The 3 customers who spent most",
            "SELECT c.name, SUM(o.total) AS spent FROM customers c JOIN orders o ON "
            "o.customer_id = c.id GROUP BY c.id, c.name ORDER BY spent DESC LIMIT 3",
        ),
    ),
}


def render_dialect_examples(dialect: str) -> str:
    return "\n".join(f"Q: {q}\nSQL: {sql}" for q, sql in DIALECT_EXAMPLES.get(dialect, ()))


@dataclass
class SchemaContext:
    text: str
    tables: list[str]  # qualified names of the tables included, most relevant first
    token_estimate: int
    dialect_notes: str = ""
    history_text: str = ""
    scores: dict[str, float] = field(default_factory=dict)  # linking score of included tables
    points_text: str = ""  # business context (DataPoints) that fit the budget
    # The columns the prompt shows per included table (qualified name -> column names).
    columns: dict[str, list[str]] = field(default_factory=dict)
    # Values of the question found in the data: (table, column, value), shown on their columns.
    values: list[tuple[str, str, str]] = field(default_factory=list)


def estimate_tokens(text: str) -> int:
    """Tokens of `text`, by litellm's counter (the model's tokenizer where it is bundled)."""
    from .gateway import count_tokens

    return count_tokens(text)


# --- words ---------------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORD = re.compile(r"[A-Za-z]+|\d+")
STOP_WORDS = frozenset(
    """
    a an the of in on at to for by with from and or is are was were be been how many much
    what which who whom whose show list give me find get all each per every there their
    that this these those do does did it its as than then into over under top most least
    number count total average avg sum max min first last please tell i we you our my
    """.split()
)


# Words people use for measures that schemas rarely spell out. Kept small and generic: each
# expansion only adds terms, so a schema that does have a "revenue" column still ranks first.
QUERY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "revenue": ("total", "amount", "price", "sale", "invoice", "payment", "order"),
    "sale": ("order", "total", "amount", "invoice"),
    "income": ("total", "amount", "invoice", "payment"),
    "spent": ("total", "amount", "order", "invoice", "payment"),
    "spend": ("total", "amount", "order", "invoice", "payment"),
    "earn": ("total", "amount", "invoice", "payment"),
    "money": ("amount", "total", "price"),
    "bought": ("order", "purchase", "invoice", "quantity"),
    "sold": ("sale", "order", "invoice", "quantity"),
    "sell": ("sale", "order", "invoice", "quantity"),
    "purchase": ("order", "invoice"),
    "cost": ("price", "amount"),
    "expensive": ("price",),
    "cheap": ("price",),
    "cheaper": ("price",),
    "cheapest": ("price",),
    "pricier": ("price",),
    "priciest": ("price",),
    "client": ("customer",),
    "buyer": ("customer",),
    "paid": ("payment", "status"),
}


def singular(word: str) -> str:
    """Plural -> singular and a light stem, enough to match 'countries' with 'country'."""
    if len(word) <= 3:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def words(text: str, *, stop: bool = True) -> list[str]:
    """snake_case, camelCase, spaces and punctuation -> lower-case singular words.

    Stop words are dropped from questions only (`stop=False` for names): "total", "count" or
    "first" are filler in a question but real words in a column name.
    """
    out = []
    for part in _WORD.findall(_CAMEL.sub(" ", str(text))):
        word = part.lower()
        # In questions, numbers are values ("cheaper than 10"), never names.
        if not stop or (word not in STOP_WORDS and not word.isdigit()):
            out.append(singular(word))
    return out


# Words that mark a copy of another table rather than the table itself.
_COPY_MARKERS = frozenset(
    """archive archived backup bak bkp staging stage stg old tmp temp copy history hist snapshot
    legacy deprecated dev test import raw replica draft scratch""".split()
)
_VERSION = re.compile(r"^(?:v\d+|\d{4}|\d{8})$")
_NAME_PREFIXES = ("tbl", "dim", "fact", "t", "vw", "v")


def _lookalike(name: str) -> bool:
    parts = [p.lower() for p in _WORD.findall(_CAMEL.sub(" ", name.replace("_", " ")))]
    tokens = re.split(r"[_\W]+", name.lower())
    return any(p in _COPY_MARKERS for p in parts) or any(_VERSION.match(t) for t in tokens if t)


def _value_key(value: object) -> str:
    """Lower-case words, each in singular form: "AAC audio files" finds 'AAC audio file'."""
    return " ".join(_singular_value(w) for w in re.findall(r"[^\W_]+", str(value).lower()))


def _singular_value(word: str) -> str:
    # Only a plain plural -s: the stems of `singular` would merge distinct names.
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# --- the per-document index -----------------------------------------------------------------


@dataclass
class _TableEntry:
    name: str  # qualified
    name_words: tuple[str, ...]
    lookalike: bool
    refers: list[int]  # tables this one has foreign keys to
    referred_by: list[int]
    columns: list[str]  # shown columns, in order
    full: str
    compact: str
    full_cost: int
    compact_cost: int


@dataclass
class _Index:
    entries: list[_TableEntry]
    postings: dict[str, list[tuple[int, int]]]  # word -> (table, column position or -1: name)
    column_words: list[list[frozenset[str]]]  # per table, per column: its words but "id"
    name_keys: dict[str, list[int]]  # joined name words -> tables
    rarity: dict[str, float]  # word -> idf over tables
    values: dict[str, list[tuple[int, str, str]]]  # value key -> (table, column, value)
    all_tokens: int
    centrality: list[float]


_cache: dict[tuple[int, int], tuple[weakref.ref, object, _Index]] = {}
_cache_lock = threading.Lock()
_CACHE_SIZE = 16


def _index_for(document: SchemaDocument, profiles: dict) -> _Index:
    """One index per (document, profiles) object pair.

    snapshot_document()/snapshot_profiles() return the same cached objects for a snapshot, so
    object identity is the snapshot identity here; the weak reference guards against a
    recycled id() after the document was garbage-collected.
    """
    key = (id(document), id(profiles))
    with _cache_lock:
        hit = _cache.get(key)
        if hit and hit[0]() is document and hit[1] is profiles:
            return hit[2]
    index = _build_index(document, profiles or {})
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = (weakref.ref(document), profiles, index)
    return index


def _profile(profiles: dict, table: Table) -> dict:
    return profiles.get(table.qualified_name) or profiles.get(table.name) or {}


def _build_index(document: SchemaDocument, profiles: dict) -> _Index:
    from .gateway import count_tokens

    positions: dict[str, int] = {}
    for i, table in enumerate(document.tables):
        positions.setdefault(table.qualified_name.lower(), i)
        positions.setdefault(table.name.lower(), i)

    entries: list[_TableEntry] = []
    postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
    column_words: list[list[frozenset[str]]] = []
    name_keys: dict[str, list[int]] = defaultdict(list)
    values: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    document_frequency: dict[str, int] = defaultdict(int)
    refers: list[list[int]] = [[] for _ in document.tables]
    referred_by: list[list[int]] = [[] for _ in document.tables]

    for i, table in enumerate(document.tables):
        for fk in table.foreign_keys:
            target = (
                f"{fk.referred_schema}.{fk.referred_table}"
                if fk.referred_schema
                else fk.referred_table
            )
            j = positions.get(target.lower(), positions.get(fk.referred_table.lower()))
            if j is not None and j != i and j not in refers[i]:
                refers[i].append(j)
                referred_by[j].append(i)

    for i, table in enumerate(document.tables):
        profile = _profile(profiles, table)
        name_words = tuple(words(table.name, stop=False))
        seen_words = set(name_words)
        for word in dict.fromkeys(name_words):
            postings[word].append((i, -1))
        for key in _name_keys(name_words):
            name_keys[key].append(i)
        per_column = []
        for j, column in enumerate(table.columns):
            cw = tuple(words(column.name, stop=False)) + tuple(words(column.comment))
            per_column.append(frozenset(cw) - {"id"})
            for word in dict.fromkeys(cw):
                postings[word].append((i, j))
            seen_words.update(cw)
        seen_words.update(words(table.comment))
        for word in seen_words:
            document_frequency[word] += 1
        column_words.append(per_column)
        for column, value in _table_values(table, profile):
            key = _value_key(value)
            if key and len(key) >= 2 and not key.isdigit() and key not in STOP_WORDS:
                values[key].append((i, column, str(value)))

        full = render_table(table, profile)
        compact = render_table(table, profile, compact=True)
        entries.append(
            _TableEntry(
                name=table.qualified_name,
                name_words=name_words,
                lookalike=_lookalike(table.name),
                refers=refers[i],
                referred_by=referred_by[i],
                columns=[c.name for c in table.columns[:MAX_SHOWN_COLUMNS]],
                full=full,
                compact=compact,
                full_cost=count_tokens(full) + 1,
                compact_cost=count_tokens(compact) + 1,
            )
        )
    total = max(1, len(entries))
    rarity = {w: math.log(1 + total / df) for w, df in document_frequency.items()}
    # Many tables referring to one mark it as an entity the schema is built around; copies
    # refer to their own copies, so the real table gathers the references.
    centrality = [CENTRALITY * math.log1p(len(e.referred_by)) for e in entries]
    return _Index(
        entries=entries,
        postings=dict(postings),
        column_words=column_words,
        name_keys=dict(name_keys),
        rarity=rarity,
        values=dict(values),
        all_tokens=sum(e.full_cost for e in entries),
        centrality=centrality,
    )


def _name_keys(name_words: tuple[str, ...]) -> set[str]:
    """The joined words of a table name, with and without a tbl_/dim_/fact_ prefix."""
    keys = {"".join(name_words)}
    if len(name_words) > 1 and name_words[0] in _NAME_PREFIXES:
        keys.add("".join(name_words[1:]))
    return keys


def _table_values(table: Table, profile: dict):
    """(column, value) pairs known for a table: profiled top values and sampled rows."""
    names = [c.name for c in table.columns]
    for column in table.columns:
        stats = profile.get(column.name) or {}
        for value, _count in stats.get("top_values") or []:
            if isinstance(value, str):
                yield column.name, value
    for row in table.sample_rows[:3]:
        for name, value in zip(names, row, strict=False):
            if isinstance(value, str) and len(value) <= 60 and not _looks_like_date(value):
                yield name, value


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _looks_like_date(value: object) -> bool:
    return isinstance(value, str) and bool(_DATE.match(value))


# --- rendering ------------------------------------------------------------------------------


def render_table(
    table: Table,
    profile: dict | None = None,
    *,
    compact: bool = False,
    highlight: dict[str, list[str]] | None = None,
    promote: frozenset[str] | set[str] = frozenset(),
) -> str:
    """Compact DDL: `CREATE TABLE name ( -- N rows`, a line per column with its type, keys and
    what its values look like; `compact=True` gives names and keys on one line."""
    profile = profile or {}
    rows = _row_count(table, profile)
    fk_of = {}
    for fk in table.foreign_keys:
        target = fk.referred_table
        for column, referred in zip(fk.columns, fk.referred_columns, strict=False):
            fk_of[column] = f"{target}({referred})"
    primary = set(table.primary_key) | {c.name for c in table.columns if c.primary_key}
    single_key = len(primary) == 1
    kind = "VIEW" if table.kind != "table" else "TABLE"
    shown = shown_columns(table, promote)
    if compact:
        cols = ", ".join(
            c.name
            + (" PK" if c.name in primary else "")
            + (f" -> {fk_of[c.name]}" if c.name in fk_of else "")
            for c in shown
        )
        more = (
            f", ... {len(table.columns) - len(shown)} more"
            if len(table.columns) > len(shown)
            else ""
        )
        return f"{kind} {table.qualified_name}: {cols}{more}"
    head = f"CREATE {kind} {table.qualified_name} ("
    notes = []
    if rows is not None:
        notes.append(f"{rows:,} rows")
    if table.comment:
        notes.append(table.comment[:120])
    if notes:
        head += " -- " + "; ".join(notes)
    samples = _sample_columns(table)
    body: list[tuple[str, str]] = []  # (definition, comment)
    for column in shown:
        definition = f"  {column.name} {column.type}"
        if column.name in primary and single_key:
            definition += " PRIMARY KEY"
        if column.name in fk_of:
            definition += f" REFERENCES {fk_of[column.name]}"
        comment = []
        if column.comment:
            comment.append(column.comment[:80])
        if column.name not in primary and column.name not in fk_of:
            described = _describe_values(
                profile.get(column.name) or {},
                samples.get(column.name, []),
                rows,
                (highlight or {}).get(column.name, []),
            )
            if described:
                comment.append(described)
        body.append((definition, "; ".join(comment)))
    if len(primary) > 1:
        body.append(
            (f"  PRIMARY KEY ({', '.join(c.name for c in shown if c.name in primary)})", "")
        )
    lines = [head]
    for n, (definition, comment) in enumerate(body):
        comma = "," if n < len(body) - 1 else ""
        lines.append(f"{definition}{comma}" + (f" -- {comment}" if comment else ""))
    if len(table.columns) > len(shown):
        lines.append(f"  -- ... {len(table.columns) - len(shown)} more columns")
    lines.append(");")
    return "\n".join(lines)


def shown_columns(table: Table, promote: frozenset[str] | set[str] = frozenset()) -> list:
    """The columns a rendering lists, in table order: the first MAX_SHOWN_COLUMNS, with the
    `promote`d ones (matching the question) taking the places of the last others."""
    if len(table.columns) <= MAX_SHOWN_COLUMNS:
        return list(table.columns)
    wanted = [c for c in table.columns if c.name in promote][:MAX_SHOWN_COLUMNS]
    room = MAX_SHOWN_COLUMNS - len(wanted)
    others = [c for c in table.columns if c.name not in promote][:room]
    keep = {id(c) for c in wanted + others}
    return [c for c in table.columns if id(c) in keep]


def _row_count(table: Table, profile: dict) -> int | None:
    """The catalog's count, else the profiled one (SQLite has no catalog counts)."""
    if table.row_count is not None:
        return table.row_count
    for stats in profile.values():
        if isinstance(stats, dict) and isinstance(stats.get("rows_profiled"), int):
            return stats["rows_profiled"]
    return None


def _sample_columns(table: Table) -> dict[str, list]:
    out: dict[str, list] = {}
    for row in table.sample_rows[:3]:
        for column, value in zip(table.columns, row, strict=False):
            if value is not None and value != "":
                out.setdefault(column.name, []).append(value)
    return out


def _describe_values(stats: dict, samples: list, rows: int | None, highlight: list[str]) -> str:
    """What a column's values look like: the categories (all, or a few and how many), a range
    for dates and numbers, or examples with the number of distinct values; the share of NULLs
    when it is large. Values found in the question come first."""
    distinct = stats.get("distinct")
    top = [v for v, _ in (stats.get("top_values") or [])]
    count = f"{distinct:,} distinct" if isinstance(distinct, int) else ""
    low, high = stats.get("min"), stats.get("max")
    text = ""
    if top and isinstance(distinct, int) and distinct <= CATEGORY_MAX_DISTINCT:
        values = list(dict.fromkeys([*highlight, *top]))
        if distinct <= KNOWN_VALUES or len(values) <= len(highlight):
            text = "values: " + ", ".join(
                _literal(v) for v in values[: max(KNOWN_VALUES, len(highlight))]
            )
        elif not rows or distinct <= rows / 2:  # a category: values repeat
            shown = values[: max(KNOWN_VALUES, len(highlight))]
            text = f"{count}: " + ", ".join(_literal(v) for v in shown) + ", ..."
        else:  # one per row (names in a lookup table): a few to show the spelling
            shown = values[: max(3, len(highlight))]
            text = "e.g. " + ", ".join(_literal(v) for v in shown) + f" ({count})"
    elif distinct == 1 and (low is not None or samples):
        text = f"always {_literal(low if low is not None else samples[0])}"
    elif (
        low is not None
        and high is not None
        and low != high
        and not highlight
        and (_looks_like_date(low) or isinstance(low, int | float) and not isinstance(low, bool))
    ):
        text = f"{_literal(low)} .. {_literal(high)}"
        if _looks_like_date(low) and count:
            text += f" ({count})"
    else:
        examples = list(
            dict.fromkeys([*highlight, *(v for v in samples if isinstance(v, str | int | float))])
        )
        if examples:
            shown = examples[: max(EXAMPLE_VALUES, len(highlight))]
            text = (
                "e.g. " + ", ".join(_literal(v) for v in shown) + (f" ({count})" if count else "")
            )
        else:
            text = count
    nulls = stats.get("null_fraction")
    if isinstance(nulls, int | float) and nulls >= 0.2:
        text += ("; " if text else "") + f"{round(nulls * 100)}% NULL"
    return text


def _literal(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return "'" + text.replace("'", "''") + "'"


def render_history(history: list[Turn] | tuple[Turn, ...]) -> str:
    turns = list(history)[-HISTORY_TURNS:]
    if not turns:
        return ""
    parts = []
    for turn in turns:
        part = f"Q: {turn.question[:500]}"
        if turn.sql:
            part += f"\nSQL: {turn.sql[:800]}"
        if turn.answer:
            part += f"\nA: {turn.answer[:300]}"
        parts.append(part)
    return "\n".join(parts)


def render_points(points: Sequence, budget_tokens: int) -> str:
    """Retrieved DataPoints (verified examples among them), most relevant first, as many as
    fit their share of the budget."""
    lines, used = [], 0
    for point in points:
        text = point.render()
        cost = estimate_tokens(text) + 1
        if used + cost > budget_tokens:
            continue  # a shorter one further down may still fit
        lines.append(text)
        used += cost
    return "\n".join(lines)


# --- scoring --------------------------------------------------------------------------------


def _score(
    index: _Index, question: str, earlier: list[str]
) -> tuple[
    dict[int, float], dict[int, list[tuple[str, str]]], list[list[int]], dict[int, set[int]]
]:
    """Linking score per table with any evidence, the question's values found per table, per
    concept of the question the best table of each of its readings (best first), and per
    table the positions of matching columns too far down its list to be shown by default."""
    own = words(question)
    concepts: list[tuple[dict[str, float], float]] = []
    for word in dict.fromkeys(own):
        forms = {word: 1.0}
        for synonym in QUERY_SYNONYMS.get(word, ()):
            forms.setdefault(synonym, 0.5)
        concepts.append((forms, 1.0))
    for word in dict.fromkeys(w for text in earlier for w in words(text)):
        if word not in own:
            concepts.append(({word: 1.0}, 0.5))  # a follow-up names few tables itself
    present = set(own) | {s for w in own for s in QUERY_SYNONYMS.get(w, ())}

    scores: dict[int, float] = defaultdict(float)
    per_concept: list[list[int]] = []
    hidden: dict[int, set[int]] = defaultdict(set)
    for forms, weight in concepts:
        best: dict[int, float] = {}
        readings: list[tuple[float, int]] = []  # per form of the concept: its best table
        for form, factor in forms.items():
            rarity = index.rarity.get(form)
            if rarity is None:
                continue
            reading = (0.0, -1)
            for i, j in index.postings.get(form, ()):
                if j >= MAX_SHOWN_COLUMNS:
                    hidden[i].add(j)  # past what a table shows: brought forward if chosen
                if j < 0:
                    gain = NAME_WORD * rarity / max(1, len(index.entries[i].name_words)) ** 0.5
                else:
                    # A column named by the question's words ("billing city") is the column;
                    # one word of a longer name (the CustomerId of Invoice) is a weaker lead.
                    whole = index.column_words[i][j] <= present
                    gain = rarity * (1.0 if whole else 0.5)
                gain *= factor * weight
                if gain > best.get(i, 0.0):
                    best[i] = gain
                ranked = gain + index.centrality[i]
                if ranked > reading[0] or (ranked == reading[0] and i < reading[1]):
                    reading = (ranked, i)
            if reading[1] >= 0:
                readings.append(reading)
        for i, gain in best.items():
            scores[i] += gain
        if weight == 1.0 and readings:
            # Each reading of the word ("revenue": invoices, orders, payments, a total) keeps
            # its best table as a candidate for the core, strongest readings first.
            readings.sort(key=lambda r: (-r[0], r[1]))
            per_concept.append(list(dict.fromkeys(i for _, i in readings)))

    for key in _question_keys(own):
        for i in index.name_keys.get(key, ()):
            scores[i] += EXACT_NAME

    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for key, original in _question_ngrams(question):
        hits = index.values.get(key)
        if not hits:
            continue
        spread = len({i for i, _, _ in hits})
        gain = VALUE_HIT / math.log2(1 + spread) ** 0.5
        for i, column, value in hits:
            if len(key) <= 3 and not original.isupper() and not value.lower() == original:
                continue
            if (column, value) not in found[i]:
                found[i].append((column, value))
                scores[i] += gain

    for i in list(scores):
        if index.entries[i].lookalike:
            scores[i] *= LOOKALIKE
        scores[i] += index.centrality[i]
    return scores, found, per_concept, hidden


def _question_keys(own: list[str]) -> set[str]:
    keys = set()
    for n in (1, 2, 3):
        for k in range(len(own) - n + 1):
            keys.add("".join(own[k : k + n]))
    return keys


_TOKEN = re.compile(r"[^\W_]+")


def _question_ngrams(question: str):
    """(value key, original text) for every run of up to MAX_VALUE_WORDS words."""
    tokens = _TOKEN.findall(question)
    for n in range(1, MAX_VALUE_WORDS + 1):
        for k in range(len(tokens) - n + 1):
            part = tokens[k : k + n]
            original = " ".join(part)
            if n == 1 and (original.lower() in STOP_WORDS or original.isdigit()):
                continue
            yield " ".join(_singular_value(w.lower()) for w in part), original


# --- selection ------------------------------------------------------------------------------


def _join_path(
    start: int, goals: set[int], index: _Index, scores: dict[int, float], max_depth: int = 4
) -> list[int]:
    """The cheapest FK path from `start` to any of `goals` (goal excluded, start included):
    steps through relevant, central, real tables cost less than through copies."""
    if start in goals or not goals:
        return []
    frontier = [(0.0, 0, start)]
    previous: dict[int, int | None] = {start: None}
    cost_of = {start: 0.0}
    while frontier:
        cost, depth, node = heapq.heappop(frontier)
        if node in goals:
            path = []
            node = previous[node]
            while node is not None:
                path.append(node)
                node = previous[node]
            return path[::-1]
        if depth >= max_depth or cost > cost_of.get(node, math.inf):
            continue
        entry = index.entries[node]
        for nxt in entry.refers + entry.referred_by:
            step = 1.0 + (1.5 if index.entries[nxt].lookalike else 0.0)
            step += 2.0 / (1.0 + index.centrality[nxt] * 3) - min(0.5, scores.get(nxt, 0.0) / 20)
            total = cost + step
            if total < cost_of.get(nxt, math.inf):
                cost_of[nxt] = total
                previous[nxt] = node
                heapq.heappush(frontier, (total, depth + 1, nxt))
    return []


def _order(
    index: _Index, scores: dict[int, float], per_concept: list[list[int]]
) -> tuple[list[int], int]:
    """Tables in the order they earn their place, and how many of them are the chosen ones
    (core, join paths, the tables those refer to) that are shown whole first."""
    # Only the best few hundred can be shown, even by name: no need to sort the rest.
    ranked = heapq.nlargest(MAX_RANKED, scores, key=lambda i: (scores[i], -i))
    if not ranked:
        return [], 0
    best = scores[ranked[0]]
    core = [i for i in ranked[:MAX_CORE_TABLES] if scores[i] >= 0.25 * best]
    # Each concept of the question gets its best table, even when another concept's exact
    # table name outscores everything ("revenue" -> the Total of Invoice beside Artist).
    for readings in per_concept:
        for i in readings[:READINGS_PER_CONCEPT]:
            if i not in core and len(core) < 2 * MAX_CORE_TABLES:
                core.append(i)
    chosen = [core[0]]
    for i in core[1:]:
        if i in chosen:
            continue
        path = _join_path(i, set(chosen), index, scores)
        chosen += [i] + [n for n in path if n not in chosen and n != i]
    seen = set(chosen)
    _add_parents(index, chosen, seen)
    whole = len(chosen)
    # The central tables that refer to the chosen ones (the facts around a dimension: Track
    # for Genre), with what they refer to: an entity the question names by a value nobody
    # profiled (an artist) is usually one or two keys away.
    children = []
    for i in chosen[:whole]:
        near = [
            j
            for j in index.entries[i].referred_by
            if j not in seen and not index.entries[j].lookalike and index.centrality[j] > 0
        ]
        near.sort(key=lambda j: (-(index.centrality[j] + scores.get(j, 0.0)), j))
        for j in near[:2]:
            if j not in seen:
                seen.add(j)
                children.append(j)
    _add_parents(index, children, seen)
    order = chosen + children
    for i in ranked:
        if i not in seen:
            seen.add(i)
            order.append(i)
    for i in chosen:
        for j in sorted(index.entries[i].referred_by, key=lambda j: -scores.get(j, 0.0)):
            if j not in seen:
                seen.add(j)
                order.append(j)
    return order, len(chosen) + len(children)


def _add_parents(index: _Index, tables: list[int], seen: set[int], depth: int = 3) -> None:
    """Append, in place, what `tables` refer to, and what those refer to, `depth` levels."""
    level = list(tables)
    for _ in range(depth):
        nxt = []
        for i in level:
            for j in index.entries[i].refers:
                if j not in seen:
                    seen.add(j)
                    tables.append(j)
                    nxt.append(j)
        level = nxt


def build_context(
    question: str,
    *,
    document: SchemaDocument,
    profiles: dict | None,
    dialect: str,
    history: list[Turn] | tuple[Turn, ...] = (),
    budget_tokens: int = 3000,
    points: Sequence = (),
    show_history: bool = True,
    today: date | None = None,
) -> SchemaContext:
    """The schema text for one question, dialect notes and recent turns, within the budget.

    `show_history=False` still ranks tables with the earlier turns but leaves them out of the
    text: a prompt over several databases shows the conversation once, not once per database.
    """
    profiles = profiles or {}
    index = _index_for(document, profiles)
    notes = DIALECT_NOTES.get(dialect, "")
    history_text = render_history(history) if show_history else ""
    points_text = render_points(points, budget_tokens // POINTS_BUDGET_SHARE)
    today = today or date.today()
    notes += (
        f" Today is {today.isoformat()}: relative dates are calendar periods, so 'last year' "
        f"is {today.year - 1} and 'this year' {today.year}; check them against the date "
        "ranges shown, which say what the data holds."
    )
    header = f"Database dialect notes: {notes}\n"
    if points_text:
        header += (
            "\nBusiness definitions and verified examples (follow them when the question uses "
            f"these words):\n{points_text}\n"
        )
    if not any(getattr(p, "kind", "") == "example" for p in points):
        examples = render_dialect_examples(dialect)
        if examples:
            header += (
                "\nExamples of this dialect (on another schema: imitate the syntax, never the "
                f"table names):\n{examples}\n"
            )
    footer = f"\nEarlier in this conversation:\n{history_text}\n" if history_text else ""
    remaining = budget_tokens - estimate_tokens(f"{header}\nSchema:\n\n{footer}") - 4

    earlier = [turn.question for turn in list(history)[-HISTORY_TURNS:]]
    scores, found, per_concept, hidden = _score(index, question, earlier)
    if index.all_tokens <= remaining:
        # Small schemas fit whole: the model sees everything, most relevant tables first.
        ranked = sorted(scores, key=lambda i: (-scores[i], i))
        order = ranked + [i for i in range(len(index.entries)) if i not in scores]
        whole = len(order)
    else:
        order, whole = _order(index, scores, per_concept)

    chosen, pieces, used = [], [], 0
    values: list[tuple[str, str, str]] = []
    best = max(scores.values(), default=0.0)
    shown: dict[int, list[str]] = {}
    for rank, i in enumerate(order):
        entry = index.entries[i]
        full, full_cost = entry.full, entry.full_cost
        compact, compact_cost = entry.compact, entry.compact_cost
        table = document.tables[i]
        # Column-level retrieval: a wide table's matching columns past the first
        # MAX_SHOWN_COLUMNS are shown all the same, in both renderings.
        promote = {table.columns[j].name for j in hidden.get(i, ())}
        if len(table.columns) > MAX_SHOWN_COLUMNS:
            promote |= {column for column, _ in found.get(i, ())}
        if promote:
            compact = render_table(table, _profile(profiles, table), compact=True, promote=promote)
            compact_cost = estimate_tokens(compact) + 1
        # The chosen tables and strong matches whole; the long tail by name and columns only.
        whole_wanted = rank < whole or scores.get(i, 0) >= 0.5 * best
        if whole_wanted and used + full_cost <= remaining:
            if found.get(i) or promote:
                # The question's values on their columns: rendered again for this question.
                highlight: dict[str, list[str]] = {}
                for column, value in found.get(i, ()):
                    highlight.setdefault(column, []).append(value)
                full = render_table(
                    table, _profile(profiles, table), highlight=highlight, promote=promote
                )
                full_cost = estimate_tokens(full) + 1
            if used + full_cost <= remaining:
                chosen.append(i)
                pieces.append(full)
                used += full_cost
                values += [(entry.name, c, v) for c, v in found.get(i, ())]
                shown[i] = [c.name for c in shown_columns(table, promote)]
                continue
        if used + compact_cost <= remaining:
            chosen.append(i)
            pieces.append(compact)
            used += compact_cost
            shown[i] = [c.name for c in shown_columns(table, promote)]
        if remaining - used < 12:
            break

    text = _text(header, pieces, footer)
    tokens = estimate_tokens(text)
    while tokens > budget_tokens and len(pieces) > 1:
        # Pieces counted apart can tokenize a little differently once joined.
        pieces.pop()
        chosen.pop()
        text = _text(header, pieces, footer)
        tokens = estimate_tokens(text)
    return SchemaContext(
        text=text,
        tables=[index.entries[i].name for i in chosen],
        token_estimate=tokens,
        dialect_notes=notes,
        history_text=history_text,
        scores={index.entries[i].name: round(float(scores.get(i, 0.0)), 3) for i in chosen},
        points_text=points_text,
        columns={index.entries[i].name: shown[i] for i in chosen},
        values=[v for v in values if v[0] in {index.entries[i].name for i in chosen}],
    )


def _text(header: str, pieces: list[str], footer: str) -> str:
    schema_text = "\n".join(pieces) if pieces else "(no tables)"
    return f"{header}\nSchema:\n{schema_text}\n{footer}"
