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

from .followup_edits import (
    _replace_or_add,
    _with_group,
    _with_limit,
    _with_measure,
    _with_value,
)
from .followup_phrases import (
    _ADVERB_GROUPS,
    _AGGREGATES,
    _CLOSER,
    _COMPARATOR,
    _FILLER,
    _LIMIT,
    _OPENER,
    _PHRASE_START,
    _PREV_AGGREGATE,
    _PREV_COMPARISON,
    _PREV_TIME,
    _QUESTION_WORDS,
    _RANKING,
    _RELATIVE_YEAR,
    _SPLIT,
    _YEAR,
    _strip_end,
)
from .types import Turn


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
