"""Example questions for an empty chat: written from the chat's schemas (and DataPoints),
each kept only when the built-in engine answers it (not refused), so one click gives an answer.

Cached per process by what they depend on (the snapshot, its profiles' version, the points).
"""

from __future__ import annotations

import logging
import re
from datetime import date

from .answering import pipeline

logger = logging.getLogger(__name__)

MAX_EXAMPLES = 4
MAX_CANDIDATES = 14
_cache: dict[tuple, list[str]] = {}
_NUMERIC = re.compile(r"int|numeric|decimal|real|double|float|money|number", re.IGNORECASE)
_MEASURE = re.compile(r"total|amount|price|revenue|sales|cost|quantity|salary", re.IGNORECASE)
_CATEGORIES = ("country", "region", "state", "city", "category", "genre", "type", "status")
_CATEGORY = re.compile(rf"({'|'.join(_CATEGORIES)})$")
_NAME = re.compile(r"(^|_)(name|title)$|^(country|city|genre|category|status)$", re.IGNORECASE)


def words(name: str) -> str:
    """InvoiceLine, invoice_line -> "invoice line"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ")
    return " ".join(spaced.lower().split())


def plural(phrase: str) -> str:
    if phrase.endswith(("s", "x", "ch", "sh")):
        return phrase + ("" if phrase.endswith("s") else "es")
    if phrase.endswith("y") and phrase[-2:-1] not in "aeiou":
        return phrase[:-1] + "ies"
    return phrase + "s"


def candidates(document, points=(), *, limit: int = MAX_CANDIDATES, counted: int = 3) -> list[str]:
    """Questions worth trying, most useful first: verified examples and metrics from the
    DataPoints, then counts (of the first `counted` tables), groups over a foreign key, and
    totals by a named category."""
    found: list[str] = []
    for point in points:
        if point.kind == "example" and point.get("question"):
            found.append(str(point.get("question")))
        elif point.kind == "metric" and point.get("name"):
            found.append(f"What is the {words(str(point.get('name')))}?")
    tables = [t for t in document.tables if t.kind == "table" and t.columns]
    # Most referred-to tables first (customers, products: what a business asks about), then
    # the biggest.
    referred_count: dict[str, int] = {}
    for table in tables:
        for fk in table.foreign_keys:
            if fk.referred_table != table.name:  # a manager column counts no business entity
                referred_count[fk.referred_table] = referred_count.get(fk.referred_table, 0) + 1
    tables.sort(key=lambda t: (-referred_count.get(t.name, 0), -(t.row_count or 0), t.name))
    by_name = {t.name: t for t in tables}
    counts = [f"How many {plural(words(t.name))} are there?" for t in tables[:counted]]
    groups = []
    for table in tables:
        for fk in table.foreign_keys:
            referred = by_name.get(fk.referred_table)
            if (
                referred
                and referred is not table
                and any(_NAME.search(c.name) for c in referred.columns)
            ):
                groups.append(f"How many {plural(words(table.name))} per {words(referred.name)}?")
                break
    totals = []
    for table in tables:
        measure = next(
            (c for c in table.columns if _MEASURE.search(c.name) and _NUMERIC.search(c.type)),
            None,
        )
        labels = [c for c in table.columns if _CATEGORY.search(words(c.name))]
        labels.sort(key=lambda c: _CATEGORIES.index(_CATEGORY.search(words(c.name)).group(1)))
        if measure and labels:
            amount, by = words(measure.name), words(labels[0].name).split()[-1]
            if amount in ("total", "amount", "price"):  # money: what the engine calls revenue
                totals.append(f"Total revenue per {by}")
            if amount != "total":  # "Total total per country" reads as a stammer
                totals.append(f"Total {amount} per {by}")
    # Interleaved, so the few shown are of different kinds (a count, a breakdown, a total).
    for index in range(max(len(counts), len(groups), len(totals))):
        for kind in (counts, groups, totals):
            if index < len(kind):
                found.append(kind[index])
    unique: list[str] = []
    for question in found:
        if question.lower() not in {q.lower() for q in unique}:
            unique.append(question)
    return unique[:limit]


def answerable(question: str, schema, dialect: str) -> bool:
    from .answering import builtin  # the engine checks: an LLM deployment loads it only here

    try:
        generated = builtin.generate(
            question,
            document=schema.document,
            profiles=schema.profiles,
            dialect=dialect,
            points=schema.points,
            today=date.today(),
        )
    except Exception:  # an example must never break the page
        logger.warning("example check failed on %r", question, exc_info=True)
        return False
    return not generated.refused and bool(generated.sql or generated.rows)


def for_connections(connections) -> list[str]:
    """Up to MAX_EXAMPLES questions the built-in engine answers on the first usable database."""
    for connection in connections:
        schema = pipeline.load_schema(connection)
        if schema.document is None:
            continue
        key = (
            str(connection.pk),
            schema.snapshot_id,
            len(schema.profiles or {}),
            tuple(sorted(p.id for p in schema.points)),
        )
        if key not in _cache:
            _cache[key] = [
                q
                for q in candidates(schema.document, schema.points)
                if answerable(q, schema, connection.kind)
            ][:MAX_EXAMPLES]
        if _cache[key]:
            return _cache[key]
    return []


# What a refusal offers instead: more candidates, one count per table, so that one about the
# tables the refused question names is among them.
MAX_REPHRASINGS = 3
_POOL_SIZE = 40
_STOP = frozenset(
    "a an the of in on for to by per and or is are was were what which who how many much "
    "there each all show list give me my our with from at as it its this that do does".split()
)


def stems(text: str) -> set[str]:
    found = set()
    for word in re.findall(r"[a-z0-9]+", words(text)):
        if word in _STOP or len(word) < 3:
            continue
        found.add(word[:-3] + "y" if word.endswith("ies") else word.rstrip("s") or word)
    return found


def rephrasings(question: str, connection, limit: int = MAX_REPHRASINGS) -> list[str]:
    """Questions the engine answers on this database, offered after a refusal: those sharing
    the most words (tables, columns) with the refused question first, then the most useful."""
    schema = pipeline.load_schema(connection)
    if schema.document is None:
        return []
    key = (
        "pool",
        str(connection.pk),
        schema.snapshot_id,
        len(schema.profiles or {}),
        tuple(sorted(p.id for p in schema.points)),
    )
    if key not in _cache:
        pool = candidates(schema.document, schema.points, limit=_POOL_SIZE, counted=_POOL_SIZE)
        _cache[key] = [q for q in pool if answerable(q, schema, connection.kind)]
    asked = stems(question)
    said = " ".join((question or "").lower().split())
    ranked = sorted(_cache[key], key=lambda q: -len(asked & stems(q)))  # stable: useful first
    return [q for q in ranked if q.lower() != said][:limit]
