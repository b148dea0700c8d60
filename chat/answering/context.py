"""What the SQL generator sees: the tables a question needs, dialect notes, recent turns.

Tables are ranked with BM25 over one small "document" per table (its name and column names
split into words, comments, profiled and sampled values), the foreign-key tables needed to
join the best ones are added, and the result is rendered as compact text within a token
budget. The index and every table's rendered text depend only on the snapshot, so they are
built once per document and cached; a question then costs one BM25 scoring pass and some
list arithmetic, which keeps a 2,000-table schema fast.
"""

from __future__ import annotations

import logging
import re
import threading
import weakref
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from connections.dialects.schema import SchemaDocument, Table

from .types import Turn

CHARS_PER_TOKEN = 4  # a rough but stable estimate; no tokenizer download needed
MAX_CORE_TABLES = 6
CORE_POOL = 60  # best BM25 hits considered for the core; the rest only fill the budget
MAX_SHOWN_COLUMNS = 40
KNOWN_VALUES = 5
HISTORY_TURNS = 3
POINTS_BUDGET_SHARE = 4  # DataPoints may take up to a quarter of the context budget

DIALECT_NOTES: dict[str, str] = {
    "postgresql": (
        "PostgreSQL 15. Quote identifiers with double quotes only when they have capitals or "
        "spaces. Dates: date_trunc('month', col), EXTRACT(YEAR FROM col), col - INTERVAL '1 year', "
        "CURRENT_DATE. Case-insensitive match: ILIKE. Row limit: LIMIT n. Integer division "
        "truncates: cast to numeric for averages and ratios."
    ),
    "mysql": (
        "MariaDB 10.11 / MySQL. Quote identifiers with backticks. Dates: YEAR(col), "
        "DATE_FORMAT(col, '%Y-%m'), DATE_SUB(CURDATE(), INTERVAL 1 YEAR). Row limit: LIMIT n. "
        "No FULL OUTER JOIN; string comparison is usually case-insensitive."
    ),
    "clickhouse": (
        "ClickHouse 18.16 (old). Identifiers are case-sensitive; quote with backticks or double "
        "quotes. Dates: toYear(col), toStartOfMonth(col), toDate('2023-01-01'), today(). "
        "Row limit: LIMIT n. It LACKS window functions (no OVER), EXPLAIN, recursive CTEs and "
        "correlated subqueries; WITH only names scalar expressions, so use subqueries in FROM. "
        "JOINs need explicit ON equality conditions; prefer ANY LEFT JOIN for lookups. "
        "count() returns UInt64; use avg(), sum(), uniqExact()."
    ),
    "sqlite": (
        "SQLite 3. Quote identifiers with double quotes. No date type: dates are text, use "
        "strftime('%Y', col), date(col), date('now', '-1 year'). Row limit: LIMIT n. "
        "Integer division truncates: multiply by 1.0 for averages and ratios. "
        "LIKE is case-insensitive for ASCII."
    ),
}


@dataclass
class SchemaContext:
    text: str
    tables: list[str]  # qualified names of the tables included, most relevant first
    token_estimate: int
    dialect_notes: str = ""
    history_text: str = ""
    scores: dict[str, float] = field(default_factory=dict)  # BM25 score of included tables
    points_text: str = ""  # business context (DataPoints) that fit the budget


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


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
    "revenue": ("total", "amount", "price", "sale"),
    "sale": ("order", "total", "amount"),
    "income": ("total", "amount"),
    "spent": ("total", "amount", "order"),
    "spend": ("total", "amount", "order"),
    "earn": ("total", "amount"),
    "money": ("amount", "total", "price"),
    "bought": ("order", "purchase"),
    "purchase": ("order",),
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


# --- the per-document index -----------------------------------------------------------------


@dataclass
class _Index:
    retriever: object  # bm25s.BM25
    names: list[str]  # qualified table names, in document order
    texts: list[str]  # full rendering per table
    compact: list[str]  # names-only rendering, for when the full one does not fit
    neighbours: list[set[int]]  # undirected FK graph on table positions
    terms: list[frozenset[str]]  # per table: every word of its document
    all_tokens: int


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


def _build_index(document: SchemaDocument, profiles: dict) -> _Index:
    import bm25s  # heavy (numpy, scipy); only needed once a question is asked

    # bm25s logs every index build through its own handler; that is noise in a command.
    logging.getLogger("bm25s").setLevel(logging.WARNING)

    positions = {}
    for i, table in enumerate(document.tables):
        positions.setdefault(table.qualified_name.lower(), i)
        positions.setdefault(table.name.lower(), i)

    corpus, texts, compact = [], [], []
    neighbours: list[set[int]] = [set() for _ in document.tables]
    for i, table in enumerate(document.tables):
        profile = profiles.get(table.qualified_name) or profiles.get(table.name) or {}
        tokens = words(table.name, stop=False) * 3  # the name matters more than any column
        tokens += words(table.comment)
        for column in table.columns:
            tokens += words(column.name, stop=False) * 2 + words(column.comment)
            stats = profile.get(column.name) or {}
            # Values of categorical columns link "in Brazil" to customers.country; values of
            # near-unique columns (names, emails) would only make the document long.
            if (stats.get("distinct") or 0) <= 50:
                for value, _count in (stats.get("top_values") or [])[:10]:
                    tokens += words(str(value))[:3]
        for row in table.sample_rows[:2]:
            for value in row:
                if isinstance(value, str) and len(value) <= 30:
                    tokens += words(value)[:2]
        corpus.append(tokens or ["_empty_"])
        texts.append(render_table(table, profile))
        compact.append(render_table(table, profile, compact=True))
        for fk in table.foreign_keys:
            target = (
                f"{fk.referred_schema}.{fk.referred_table}"
                if fk.referred_schema
                else fk.referred_table
            )
            j = positions.get(target.lower(), positions.get(fk.referred_table.lower()))
            if j is not None and j != i:
                neighbours[i].add(j)
                neighbours[j].add(i)

    # Weak length normalisation (b): a wide table is not less relevant for being wide.
    retriever = bm25s.BM25(k1=1.2, b=0.3)
    if corpus:
        retriever.index(corpus, show_progress=False)
    return _Index(
        retriever=retriever,
        names=[t.qualified_name for t in document.tables],
        texts=texts,
        compact=compact,
        neighbours=neighbours,
        terms=[frozenset(tokens) for tokens in corpus],
        all_tokens=sum(estimate_tokens(t) + 1 for t in texts),
    )


# --- rendering ------------------------------------------------------------------------------


def render_table(table: Table, profile: dict | None = None, *, compact: bool = False) -> str:
    """`Table name (N rows) -- comment` and one line per column with type, keys, known values."""
    profile = profile or {}
    head = f"TABLE {table.qualified_name}"
    if table.kind != "table":
        head += f" ({table.kind})"
    if table.row_count is not None:
        head += f" ~{table.row_count} rows"
    if table.comment:
        head += f" -- {table.comment[:120]}"
    fk_of = {}
    for fk in table.foreign_keys:
        target = (
            f"{fk.referred_schema}.{fk.referred_table}" if fk.referred_schema else fk.referred_table
        )
        for column, referred in zip(fk.columns, fk.referred_columns, strict=False):
            fk_of[column] = f"{target}.{referred}"
    if compact:
        cols = ", ".join(
            c.name
            + (" PK" if c.name in table.primary_key or c.primary_key else "")
            + (f" -> {fk_of[c.name]}" if c.name in fk_of else "")
            for c in table.columns[:MAX_SHOWN_COLUMNS]
        )
        return f"{head}: {cols}"
    lines = [head]
    for column in table.columns[:MAX_SHOWN_COLUMNS]:
        line = f"  {column.name} {column.type}"
        if column.name in table.primary_key or column.primary_key:
            line += " PK"
        if column.name in fk_of:
            line += f" FK -> {fk_of[column.name]}"
        if column.comment:
            line += f" -- {column.comment[:80]}"
        stats = profile.get(column.name) or {}
        values = stats.get("top_values") or []
        # Exact spellings of low-cardinality values let the model write WHERE country = 'USA';
        # values that barely repeat (phones, names in a small table) are noise, not categories.
        distinct = stats.get("distinct") or 0
        repeats = not table.row_count or distinct <= table.row_count / 2
        if values and distinct <= 50 and repeats:
            shown = ", ".join(_literal(v) for v, _ in values[:KNOWN_VALUES])
            line += f" values: {shown}"
        lines.append(line)
    if len(table.columns) > MAX_SHOWN_COLUMNS:
        lines.append(f"  ... {len(table.columns) - MAX_SHOWN_COLUMNS} more columns")
    return "\n".join(lines)


def _literal(value: object) -> str:
    text = str(value)[:30]
    return text if isinstance(value, (int, float)) else "'" + text.replace("'", "''") + "'"


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


# --- selection ------------------------------------------------------------------------------


def _join_path(start: int, goal: int, neighbours: list[set[int]], max_depth: int = 4) -> list[int]:
    """Shortest FK path from start to goal (both ends included), [] when none is short."""
    previous = {start: None}
    queue = deque([(start, 0)])
    while queue:
        node, depth = queue.popleft()
        if node == goal:
            path = []
            while node is not None:
                path.append(node)
                node = previous[node]
            return path[::-1]
        if depth >= max_depth:
            continue
        for nxt in neighbours[node]:
            if nxt not in previous:
                previous[nxt] = node
                queue.append((nxt, depth + 1))
    return []


def _ranked_positions(index: _Index, question_words: list[str]) -> tuple[list[int], list[float]]:
    if not question_words or not index.names:
        return [], []
    scores = index.retriever.get_scores(question_words)
    hits = [i for i in scores.nonzero()[0].tolist()]
    hits.sort(key=lambda i: -scores[i])
    return hits, scores


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
    index = _index_for(document, profiles or {})
    notes = DIALECT_NOTES.get(dialect, "")
    history_text = render_history(history) if show_history else ""
    points_text = render_points(points, budget_tokens // POINTS_BUDGET_SHARE)
    today = today or date.today()
    notes += (
        f" Today is {today.isoformat()}: relative dates are calendar periods, so 'last year' "
        f"is {today.year - 1} and 'this year' {today.year}."
    )
    header = f"Database dialect notes: {notes}\n"
    if points_text:
        header += f"\nBusiness definitions (use them when the question uses these words):\n{points_text}\n"
    footer = f"\nEarlier in this conversation:\n{history_text}\n" if history_text else ""
    remaining = budget_tokens - estimate_tokens(header) - estimate_tokens(footer) - 8

    # A follow-up ("and by country?") names few tables; the earlier question names them.
    query_words = words(question)
    for turn in list(history)[-HISTORY_TURNS:]:
        query_words += words(turn.question)
    # One concept per word the user wrote: the word or any of its synonyms covers it.
    concepts = [frozenset({w, *QUERY_SYNONYMS.get(w, ())}) for w in dict.fromkeys(query_words)]
    query_words += [s for w in query_words for s in QUERY_SYNONYMS.get(w, ())]
    hits, scores = _ranked_positions(index, query_words)

    if index.all_tokens <= remaining:
        # Small schemas fit whole: the model sees everything, most relevant tables first.
        rest = [i for i in range(len(index.names)) if i not in set(hits)]
        order = hits + rest
    else:
        order = _priority(index, hits, scores, concepts)

    chosen, pieces, used = [], [], 0
    for i in order:
        for text in (index.texts[i], index.compact[i]):
            cost = estimate_tokens(text) + 1
            if used + cost <= remaining:
                chosen.append(i)
                pieces.append(text)
                used += cost
                break
        if remaining - used < 20:
            break

    schema_text = "\n".join(pieces) if pieces else "(no tables)"
    text = f"{header}\nSchema:\n{schema_text}\n{footer}"
    return SchemaContext(
        text=text,
        tables=[index.names[i] for i in chosen],
        token_estimate=estimate_tokens(text),
        dialect_notes=notes,
        history_text=history_text,
        scores={index.names[i]: float(scores[i]) for i in chosen if len(scores)},
        points_text=points_text,
    )


def render_points(points: Sequence, budget_tokens: int) -> str:
    """Retrieved DataPoints, most relevant first, as many as fit their share of the budget."""
    lines, used = [], 0
    for point in points:
        text = point.render()
        cost = estimate_tokens(text) + 1
        if used + cost > budget_tokens:
            continue  # a shorter one further down may still fit
        lines.append(text)
        used += cost
    return "\n".join(lines)


def _priority(index: _Index, hits: list[int], scores, concepts: list[frozenset]) -> list[int]:
    """Core tables, then the tables joining them, then other matches, then their neighbours.

    BM25 alone lets many tables that match one word loudly ("crm_country_notes") push out
    the pair that answers the question together (orders for "revenue", customers beside it
    for "country"). So the core is ranked first by how many of the question's concepts a
    table covers, counting half for concepts only its FK neighbours cover, then by score.
    """
    if not hits:
        return []
    best = float(scores[hits[0]])
    hit_set = set(hits)
    pool = list(hits[:CORE_POOL])
    # A weak match joined to a strong one can complete the question (customers for
    # "country" beside orders), so the strong ones' matching neighbours are candidates too.
    pool += sorted({j for i in pool for j in index.neighbours[i] if j in hit_set} - set(pool))

    def covered(i: int) -> int:
        return sum(1 for c in concepts if c & index.terms[i])

    def coverage(i: int) -> float:
        own = {n for n, c in enumerate(concepts) if c & index.terms[i]}
        near = {
            n
            for j in index.neighbours[i] & hit_set
            for n, c in enumerate(concepts)
            if c & index.terms[j]
        }
        return len(own) + 0.5 * len(near - own)

    ranked = sorted(pool, key=lambda i: (-coverage(i), -scores[i]))
    core = [i for i in ranked[:MAX_CORE_TABLES] if covered(i) or scores[i] >= 0.3 * best]
    order = list(core)
    seen = set(order)
    for a_pos, a in enumerate(core):
        for b in core[a_pos + 1 :]:
            if b in index.neighbours[a]:
                continue
            for node in _join_path(a, b, index.neighbours):
                if node not in seen:
                    seen.add(node)
                    order.append(node)
    for i in hits:
        if i not in seen:
            seen.add(i)
            order.append(i)
    for i in core:
        for j in sorted(index.neighbours[i]):
            if j not in seen:
                seen.add(j)
                order.append(j)
    return order
