"""Follow-up questions for the built-in engine: "and by country?" after "total revenue by year".

The LLM reads the last turns in its prompt and resolves follow-ups itself; the built-in engine
reads one question at a time. So before it runs, a clearly elliptical question is rewritten
into a complete one from the previous question, with three plain edits:

- a grouping ("by country", "per month") replaces the previous question's grouping;
- a top/bottom N ("only the top 3") sets the previous question's limit;
- a filter ("in 2024", "for Germany", "over 100") is added to the previous question, replacing
  a filter of the same kind: a year replaces a year, a comparison a comparison, a named value
  ("for France") a named value ("in Germany");
- another measure ("and the average price?") is asked over the previous question's grouping
  and filters ("how many products per category" -> "average price per category").

Everything else, including every question that reads as complete on its own, is returned
unchanged: a wrong rewrite would answer a question nobody asked, while an unchanged fragment at
worst gets the engine's usual "I could not understand" refusal. Plain text edits only, no
schema: the engine that reads the rewritten question does all the linking.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .types import Turn

# Openers that mark a question as leaning on the previous one. Stripped repeatedly, so
# "and now only the top 3" and "ok, what about 2024" both reduce to the fragment.
_OPENER = re.compile(
    r"^(?:what\s+about|how\s+about|what\s+if|(?:the\s+)?same(?:\s+thing)?|and|also|plus|but|"
    r"then|now|only|just|ok|okay|so|instead)\b[\s,:;-]*",
    re.IGNORECASE,
)
# ...and words that only say "as before, but": "for Germany too", "by country instead".
_CLOSER = re.compile(r"[\s,]*\b(?:too|instead|as\s+well|only|then|please)$", re.IGNORECASE)
# Words that stand for "the same rows" and carry nothing: "only the ones in 2024".
_FILLER = {"the", "the ones", "ones", "those", "them", "it", "that", "this", "these", "one"}

# Where a fragment splits into phrases, each a grouping, a limit or a filter.
_PHRASE_START = (
    r"by|per|each|for\s+each|in|for|from|during|since|before|after|over|under|above|below|with|"
    r"more\s+than|less\s+than|fewer\s+than|greater\s+than|at\s+least|at\s+most|top|bottom"
)
_SPLIT = re.compile(rf"\s+(?=(?:{_PHRASE_START})\b)", re.IGNORECASE)

# A fragment holding one of these is a question of its own ("and how many orders are
# there?"), not an ellipsis: leave it to the engine as it is.
_QUESTION_WORDS = set(
    """how what which who whom whose when where why show list give tell display find count many
    much number total sum average avg mean maximum minimum max min is are was were do does did
    there""".split()
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_LIMIT = re.compile(rf"(top|bottom)\s+(\d+|{'|'.join(_NUMBER_WORDS)})(?:\s+([\w-]+))?", re.I)
_AGGREGATES = {
    "average": "average",
    "mean": "average",
    "avg": "average",
    "total": "total",
    "sum": "total",
    "maximum": "maximum",
    "max": "maximum",
    "highest": "maximum",
    "minimum": "minimum",
    "min": "minimum",
    "lowest": "minimum",
}
_PREV_AGGREGATE = re.compile(rf"\b(?:{'|'.join(_AGGREGATES)})\b", re.IGNORECASE)
_ADVERB_GROUPS = {"monthly": "by month", "yearly": "by year", "annually": "by year"}

_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_RELATIVE_YEAR = re.compile(r"\b(?:last|this|previous|current)\s+year\b", re.IGNORECASE)
# A time filter of the previous question, with its preposition, to be replaced as a whole.
_PREV_TIME = re.compile(
    r"\b(?:(?:in|for|from|during|since|before|after)\s+(?:the\s+year\s+)?(?:19|20)\d\d\b|"
    r"(?:(?:in|for|from|during|since)\s+)?(?:the\s+)?(?:last|this|previous|current)\s+year\b)",
    re.IGNORECASE,
)
_COMPARATOR = (
    r"(?:over|under|above|below|more\s+than|less\s+than|fewer\s+than|greater\s+than|"
    r"at\s+least|at\s+most)"
)
_PREV_COMPARISON = re.compile(rf"\b{_COMPARATOR}\s+\d+(?:\.\d+)?", re.IGNORECASE)
# The grouping of the previous question: "by year", "per media type", "for each country",
# up to the next filter, a comma or the end.
_PREV_GROUP = re.compile(
    r"\s*\b(?:grouped\s+|broken\s+down\s+|split\s+)?(?:by|per|for\s+each)\s+(?:the\s+)?"
    r"[\w'-]+(?:\s+(?!(?:in|for|from|during|since|before|after|over|under|above|below|with|"
    r"where|and|top|bottom)\b)[\w'-]+)*",
    re.IGNORECASE,
)
_PREV_ADVERB = re.compile(r"\b(?:monthly|yearly|annual|annually)\s+", re.IGNORECASE)
# Rankings: their "by revenue" is the measure ranked on, not a grouping to replace.
_RANKING = re.compile(
    r"\b(?:top|bottom)\s+\d+\b|^\W*(?:the\s+)?\d+\s|\b(?:which|what)\b.*\b(?:most|least|fewest|"
    r"highest|lowest)\b",
    re.IGNORECASE,
)
_SQL_LITERAL = re.compile(r"'((?:[^']|'')+)'")


def resolve_followup(question: str, history: Sequence[Turn]) -> str:
    """The question, made complete from the conversation when it is clearly a follow-up.

    Earlier turns are resolved in order first, so "total revenue by year", "and by country?",
    "only the top 3" ends in "total revenue by country, top 3" and not in a rewrite of the
    fragment "and by country?".
    """
    previous: Turn | None = None
    for turn in history:
        if previous is None:
            previous = turn
        else:
            previous = Turn(_rewrite(turn.question, previous), turn.sql, turn.answer)
    if previous is None:
        return question
    return _rewrite(question, previous)


_PROBES = (Turn("how many orders are there"), Turn("total revenue by year"))
_PREPOSITION = re.compile(r"(?:in|for|from|during|with|since|before|after)$", re.IGNORECASE)
# A filter's words after its preposition: "for Germany", "in the United States", "in 2024".
_SHORT_FILTER = re.compile(
    r"(?:in|for|from|during|with|since|before|after)\s+(?:the\s+)?\S+(?:\s+\S+)?$", re.IGNORECASE
)


def is_followup(question: str) -> bool:
    """True for a fragment that only makes sense after an earlier question ("and by
    country?", "only the top 3", "what about 2023?"), asked with no conversation before it.

    Narrower than "resolve_followup would rewrite it": with no earlier question to lean on,
    only what cannot be read alone counts, i.e. a fragment made solely of a grouping, a top or
    bottom N, a time or comparison filter, a short named-value filter ("for Germany"), a
    capitalised name after an opener ("and France?") or another aggregate ("and the
    average?"). A whole question that opens with "And"/"Also"/"Only" ("Only customers with
    more than 2 orders", "And the names of all students?") is read on its own."""
    if all(_rewrite(question, probe) == question for probe in _PROBES):
        return False
    text, opened = _peel(_strip_end(question))
    if not text or "," in text:  # "For each country, the revenue": a clause of its own
        return False
    words = text.lower().split()
    if opened and words[0] == "the":
        words = words[1:]
    if opened and 1 <= len(words) <= 4 and words[0] in _AGGREGATES:
        return True  # "and the average?", "and the average price?"
    phrases = [p for p in _SPLIT.split(text) if p.lower() not in _FILLER]
    merged: list[str] = []
    for phrase in phrases:  # "for" + "each country", "with" + "more than 2 orders"
        if merged and (_PREPOSITION.fullmatch(merged[-1]) or merged[-1].lower() == "for"):
            merged[-1] = f"{merged[-1]} {phrase}"
        else:
            merged.append(phrase)
    return bool(merged) and all(_is_modifier(p, opened and len(merged) == 1) for p in merged)


def _is_modifier(phrase: str, alone: bool) -> bool:
    """One phrase that only modifies an earlier question: a grouping, a limit, a time or a
    comparison, a short named-value filter; alone after an opener, a capitalised name."""
    low = phrase.lower()
    if len(low.split()) > 4:
        return False
    if _LIMIT.fullmatch(low) or low in _ADVERB_GROUPS:
        return True
    if re.match(r"(?:by|per|each|for\s+each)\s+\S", low):
        return True
    if _YEAR.fullmatch(phrase) or _RELATIVE_YEAR.fullmatch(phrase):
        return True
    if re.fullmatch(_COMPARATOR + r"\s+\d+(?:\.\d+)?", low):
        return True
    if _SHORT_FILTER.fullmatch(phrase):
        return True
    # "and France?", "what about Germany?": a name, not a subject ("only paid orders").
    return alone and phrase[:1].isupper() and len(low.split()) <= 3


def _peel(text: str) -> tuple[str, bool]:
    """The fragment without the openers and closers that say "this leans on what came
    before" ("and now only the top 3" -> "top 3"), and whether there was an opener."""
    opened = False
    while True:
        match = _OPENER.match(text)
        if not match or not match.group(0):
            break
        text, opened = text[match.end() :].strip(), True
    return _CLOSER.sub("", text).strip(" ,"), opened


def _rewrite(question: str, previous: Turn) -> str:
    base = _strip_end(previous.question)
    text = _strip_end(question)
    if not base or not text:
        return question

    # Peel off the openers that say "this leans on what came before".
    text, opened = _peel(text)
    if not text or len(text.split()) > 8:  # nothing left, or a sentence of its own
        return question

    # "and the average?": the same question with another aggregate.
    words = text.lower().split()
    if words[0] == "the":
        words = words[1:]
    if opened and len(words) == 1 and words[0] in _AGGREGATES:
        if not _PREV_AGGREGATE.search(base):
            return question
        word = _AGGREGATES[words[0]]
        return _PREV_AGGREGATE.sub(
            lambda m: word.capitalize() if m.group(0)[0].isupper() else word, base, count=1
        )

    # "and the average price?": another measure over the same groups and filters.
    if opened and 1 < len(words) <= 4 and words[0] in _AGGREGATES:
        measure = " ".join(words[1:])
        asks = set(re.findall(r"[a-z]+", measure)) & (_QUESTION_WORDS - {"total", "number"})
        if not asks and not _RANKING.search(base):  # "order total" names a column
            return _with_measure(base, _AGGREGATES[words[0]], measure, previous.sql)

    if set(re.findall(r"[a-z]+", text.lower())) & _QUESTION_WORDS:
        return question

    phrases = [p for p in _SPLIT.split(text) if p.lower() not in _FILLER]
    if not phrases:
        return question
    first = phrases[0].lower()
    limit = _LIMIT.fullmatch(first)
    if not opened:
        # Without an opener only a bare fragment counts: "by country", "in 2024?",
        # "for Germany?", "top 3". "Top 5 products by revenue" is a question of its own.
        if re.match(r"(?:top|bottom)\b", first):
            if len(phrases) > 1 or not limit or limit.group(3):
                return question
        elif not re.match(rf"(?:{_PHRASE_START})\b", first) and first not in _ADVERB_GROUPS:
            return question

    for phrase in phrases:
        base = _apply(base, phrase, previous.sql)
    return base


def _apply(base: str, phrase: str, sql: str) -> str:
    """One phrase of the fragment applied to the (rewritten so far) previous question."""
    low = phrase.lower()
    limit = _LIMIT.fullmatch(low)
    if limit:
        return _with_limit(base, limit.group(1), limit.group(2))
    if low in _ADVERB_GROUPS:
        phrase = low = _ADVERB_GROUPS[low]
    if re.match(r"(?:by|per|each|for\s+each)\b", low):
        return _with_group(base, phrase)
    if _YEAR.search(phrase) or _RELATIVE_YEAR.search(phrase):
        if _YEAR.fullmatch(phrase):
            phrase = f"in {phrase}"  # "what about 2024?"
        return _replace_or_add(base, _PREV_TIME, phrase)
    if re.match(_COMPARATOR + r"\b", low):
        return _replace_or_add(base, _PREV_COMPARISON, phrase)
    if not re.match(r"(?:in|for|from|during|with)\b", low):
        phrase = f"for {phrase}"  # "and Germany?", "only paid orders"
    return _with_value(base, phrase, sql)


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


def _strip_end(text: str) -> str:
    return (text or "").strip().rstrip("?!. ").strip()
