"""The plain text edits that turn the previous question into the complete form of a
follow-up: set its limit, replace its grouping, swap or add a filter, ask another measure over
its groups and filters. Text only, no schema (see followup.py)."""

from __future__ import annotations

import re

from .followup_phrases import (
    _NUMBER_WORDS,
    _PREV_ADVERB,
    _PREV_COMPARISON,
    _PREV_GROUP,
    _PREV_TIME,
    _RANKING,
    _SQL_LITERAL,
    _YEAR,
)


def _with_limit(base: str, direction: str, count: str) -> str:
    count = str(_NUMBER_WORDS.get(count.lower(), count))
    direction = direction.lower()
    # A ranking already: change its size (and direction) in place.
    existing = re.search(r"\b(?:top|bottom)\s+\d+\b", base, re.IGNORECASE)
    if existing:
        word = existing.group(0).split()[0]
        new = direction.capitalize() if word[0].isupper() else direction
        return f"{base[: existing.start()]}{new} {count}{base[existing.end() :]}"
    leading = re.match(r"^(\W*(?:the\s+)?)\d+(?=\s)", base, re.IGNORECASE)
    if leading and direction == "top":  # "The 3 customers who spent least" -> "The 5 ..."
        return f"{leading.group(1)}{count}{base[leading.end() :]}"
    return f"{base}, {direction} {count}"


def _with_group(base: str, phrase: str) -> str:
    if _RANKING.search(base):
        # "Top 5 products by revenue": "by revenue" is the measure ranked on; replacing it
        # would rank by a dimension. Add the grouping and let the engine read it.
        return f"{base} {phrase}"
    stripped = _PREV_GROUP.sub("", base, count=1)
    stripped = _PREV_ADVERB.sub("", stripped, count=1)
    stripped = re.sub(r"\s{2,}", " ", stripped).strip(" ,")
    return f"{stripped} {phrase}" if stripped else base


def _with_measure(base: str, aggregate: str, measure: str, sql: str) -> str:
    """ "average price" over the previous question's grouping and filters: "how many products
    per category" + "and the average price?" -> "average price per category". The previous
    question's own measure and subject go; its groups and filters stay, in their order."""
    kept: list[tuple[int, int, str]] = []
    for pattern in (_PREV_GROUP, _PREV_TIME, _PREV_COMPARISON):
        kept += [(m.start(), m.end(), m.group(0).strip()) for m in pattern.finditer(base)]
    kept += [(start, end, base[start:end]) for start, end, _ in _previous_values(base, sql)]
    adverb = _PREV_ADVERB.search(base)
    if adverb:  # "monthly revenue" groups by month
        word = adverb.group(0).strip().lower()
        kept.append((adverb.start(), adverb.end(), "by month" if word == "monthly" else "by year"))
    phrases, last_end = [], -1
    for start, end, phrase in sorted(kept):
        if start >= last_end:  # overlapping matches name the same words once
            phrases.append(phrase)
            last_end = end
    return " ".join([aggregate, measure, *phrases])


def _replace_or_add(base: str, previous_filter: re.Pattern, phrase: str) -> str:
    match = previous_filter.search(base)
    if match:
        return f"{base[: match.start()]}{phrase}{base[match.end() :]}"
    return f"{base} {phrase}"


def _with_value(base: str, phrase: str, sql: str) -> str:
    """Add a named-value filter, or swap it for the previous one ("in Germany" -> "for France").

    Which column a value belongs to is the engine's business, so a swap needs a plain hint
    that the two name the same kind of thing: both written capitalised, as places and names
    are ("for France" after "in Germany"). "and for enterprise?" after "in Germany" adds.
    """
    value = re.sub(r"^(?:in|for|from|during|with)\s+", "", phrase, flags=re.I)
    if re.sub(r"^the\s+", "", value, flags=re.I)[:1].isupper():
        for start, end, previous_value in _previous_values(base, sql):
            if previous_value[:1].isupper():
                # Keep the previous preposition: "customers are in Germany" -> "in France".
                preposition = base[start:end].split()[0]
                return f"{base[:start]}{preposition} {value}{base[end:]}"
    return f"{base} {phrase}"


def _previous_values(base: str, sql: str) -> list[tuple[int, int, str]]:
    """Named-value filters of the previous question: "in Germany", "for the United States",
    as (start, end, value as stored).

    A value is any words the previous SQL compared against as a string literal (so "in brazil"
    counts, spelled as the SQL has it: 'Brazil'), or without SQL a capitalised run of words
    after in/for/from.
    """
    found = []
    for literal in _SQL_LITERAL.findall(sql or ""):
        literal = literal.replace("''", "'")
        pattern = rf"\b(?:in|for|from)\s+(?:the\s+)?{re.escape(literal)}\b"
        found += [(m.start(), m.end(), literal) for m in re.finditer(pattern, base, re.I)]
    if not found:
        capitalised = r"\b(?:in|for|from)\s+(?:the\s+)?([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)"
        found = [
            (m.start(), m.end(), m.group(1))
            for m in re.finditer(capitalised, base)
            if not _YEAR.fullmatch(m.group(1))
        ]
    return sorted(found)
