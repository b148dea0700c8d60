"""General English for amounts and periods: "revenue", "spent" (money), "length" (a duration),
"5 minutes" (a duration in the column's own unit), "per month", "monthly", "by year".

Words map to columns by the column's type and name words only (a money column is a number
named *total, *amount or *revenue, or price x quantity of one table), never to a particular
schema. Mentions made here carry `extra` that the reader resolves through `column()`.
"""

from __future__ import annotations

from dataclasses import replace

from .index import Lexicon
from .interpretation import Col
from .mentions import Mention
from .words import split_identifier

MONEY = {"revenue", "income", "turnover", "earnings", "earning", "earned", "spent", "spend",
         "spending", "money", "sale", "sales"}  # fmt: skip
MONEY_COLUMNS = ("total", "amount", "revenue")
DURATION = {"duration", "length", "runtime"}
DURATION_COLUMNS = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600}
UNITS = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600}
PERIODS = {"month": "month", "year": "year"}
ADVERBS = {"monthly": "month", "yearly": "year", "annual": "year", "annually": "year"}
RANKS = {"most", "least", "more", "less"}
ROWS = {"row", "rows", "record", "records"}
PARTICLES = {"up", "on", "out", "in"}
DATE_WORDS = {"date", "at", "on", "time", "timestamp", "day"}


def relabel(ms: tuple[Mention, ...], lex: Lexicon) -> tuple[Mention, ...]:
    out: list[Mention] = []
    tail: list[Mention] = []  # "monthly" is read as a trailing "per month"
    skip: set[int] = set()
    for i, m in enumerate(ms):
        if i in skip:
            continue
        word = _word(m)
        prev = out[-1] if out else None
        if word in ROWS and prev is not None and prev.kind == "number" and not _compared(out):
            out.append(Mention("role", m.start, m.end, m.text, role="sample"))  # "3 rows of"
            continue
        if word == "bottom" and i + 1 < len(ms) and ms[i + 1].kind == "number":
            out.append(Mention("role", m.start, m.end, "top", role="limit"))
            tail.insert(0, Mention("role", m.start, m.end, "ascending", role="dir", arg="asc"))
            continue
        if m.is_role("limit") and _named(out) and i + 1 < len(ms) and ms[i + 1].kind == "number":
            # "total revenue by country, top 3": the groups with the largest values
            top = ms[i + 1]
            out.append(replace(top, kind="function", start=m.start, extra={"top": top.number}))
            skip.add(i + 1)
            continue
        if word in ADVERBS:
            tail += [
                Mention("role", m.start, m.end, "per", role="group"),
                Mention("column", m.start, m.end, ADVERBS[word], extra={"period": ADVERBS[word]}),
            ]
            continue
        if word in PERIODS and prev is not None and prev.is_role("group", "by"):
            out.append(Mention("column", m.start, m.end, word, extra={"period": PERIODS[word]}))
            continue
        if _unit(word) and prev is not None and prev.kind == "number":
            factor = _factor(lex, _unit(word))
            out[-1] = _scaled(prev, factor, m.end)
            if len(out) > 2 and out[-2].is_role("and") and out[-3].kind == "number":
                out[-3] = _scaled(out[-3], factor, out[-3].end)  # "between 3 and 5 minutes"
            continue
        dated = _date_verb(lex, word)
        if dated is not None:  # "signed up in 2021": signup_date
            out.append(Mention("function", m.start, m.end, m.text, extra={"date": dated}))
            if i + 1 < len(ms) and ms[i + 1].text in PARTICLES:
                skip.add(i + 1)
            continue
        kind = "money" if word in MONEY else "duration" if word in DURATION else ""
        if word == "value" and prev is not None and prev.kind == "table":
            kind = "money"  # "order value": the order's amount (alone, "value" is too vague)
        if not kind:
            out.append(m)
            continue
        found = options(lex, kind, word)
        if not found:
            out.append(m)
            continue
        if prev is not None and prev.kind == "table" and len(prev.tables) == 1:
            own = tuple(o for o in found if o[0].table == prev.tables[0].qualified_name)
            if own:  # "track length": the named table's own
                text = f"{prev.text} {m.text}"
                out[-1] = _implied(prev.start, m.end, text, kind, own)
                continue
        out.append(_implied(m.start, m.end, m.text, kind, found))
    _rank_after_verb(out)
    return tuple(out + tail)


def _word(m: Mention) -> str:
    return m.text if m.kind in ("unknown", "function") and " " not in m.text else ""


def _named(out: list[Mention]) -> bool:
    """Something was asked before: "top 3" comes after the question, not at its start."""
    return any(m.kind in ("table", "column") for m in out)


def _compared(out: list[Mention]) -> bool:
    """ "more than 2 records" counts rows; "3 rows of products" asks for whole rows."""
    return len(out) > 1 and (out[-2].is_role("cmp", "between") or out[-2].kind == "adj")


def _unit(word: str) -> str:
    base = word[:-1] if word.endswith("s") else word
    return base if base in UNITS else ""


def _factor(lex: Lexicon, unit: str) -> float | None:
    """How many of the schema's duration unit one `unit` is: 60000 for minutes when durations
    are kept in milliseconds; None when the schema keeps them in several units."""
    kept = {
        w
        for table in lex.document.tables
        for c in lex.words.measures(table)
        for w in split_identifier(c.name)
        if w in DURATION_COLUMNS
    }
    return UNITS[unit] / DURATION_COLUMNS[kept.pop()] if len(kept) == 1 else None


def _scaled(m: Mention, factor: float | None, end: int) -> Mention:
    value = m.number * factor if factor else m.number
    value = int(value) if float(value).is_integer() else value
    return replace(m, end=end, number=value, extra={"unit": bool(factor) or "unknown"})


def _implied(start: int, end: int, text: str, kind: str, options) -> Mention:
    return Mention(
        "column",
        start,
        end,
        text,
        extra={"implied": kind, "options": options, "label": text},
    )


def options(lex: Lexicon, kind: str, word: str) -> tuple[tuple[Col, bool], ...]:
    """(column, direct) pairs: direct columns before price x quantity products."""
    found, products = [], []
    for table in lex.document.tables:
        measures = [(tuple(split_identifier(c.name)), c) for c in lex.words.measures(table)]
        name = table.qualified_name
        for words, c in measures:
            if kind == "money" and words[-1] in MONEY_COLUMNS:
                found.append((Col(name, c.name, label=word), True))
            elif kind == "duration" and set(words) & (set(DURATION_COLUMNS) | DURATION):
                found.append((Col(name, c.name, label=word), True))
        if kind == "money":
            price = [c for w, c in measures if w[-1] == "price"]
            qty = [c for w, c in measures if w[-1] == "quantity"]
            if len(price) == 1 and len(qty) == 1:
                products.append((Col(name, price[0].name, times=qty[0].name, label=word), False))
    return tuple(found + products)


def _date_verb(lex: Lexicon, word: str) -> Col | None:
    """A verb naming the one date column that starts like it: "signed" -> signup_date,
    "hired" -> hire_date, "shipped" -> shipped_at. None when no or several columns do."""
    if len(word) < 5:
        return None
    stems = getattr(lex, "_date_stems", None)
    if stems is None:
        stems = {}
        for table in lex.document.tables:
            for c in lex.words.date_columns(table):
                for w in split_identifier(c.name):
                    if w not in DATE_WORDS and len(w) >= 4:
                        stems.setdefault(w[:4], []).append(Col(table.qualified_name, c.name))
        lex._date_stems = stems
    found = {c for c in stems.get(word[:4], [])}
    return found.pop() if len(found) == 1 else None


def duration_columns(lex: Lexicon, table) -> list:
    return [
        c
        for c in lex.words.measures(table)
        if set(split_identifier(c.name)) & set(DURATION_COLUMNS)
    ]


def _rank_after_verb(out: list[Mention]) -> None:
    """ "who spent least": the same as "the least spending"."""
    for i in range(len(out) - 1):
        if out[i].extra.get("implied") and out[i + 1].is_role("agg") and out[i + 1].text in RANKS:
            out[i], out[i + 1] = out[i + 1], out[i]


# The reader resolves the mentions made here through these (kept importable from here).
from .amounts import amount, column, implied_subject, settle  # noqa: E402

__all__ = ["amount", "column", "implied_subject", "relabel", "settle"]
