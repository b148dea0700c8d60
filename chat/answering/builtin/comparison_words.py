"""Words around a comparison, turned into what the reader reads ("<column> <comparison>
<number>"):

- "under age 30", "above the age of 46": the comparison before the column it compares;
- "25 years old", "aged 25": a person's age, the age column of whatever the question is about;
- "opened before 1850", "reported after 2010": the verb before a year names the date or year
  column it starts like (Open_Year, date_problem_reported);
- "prior to 2009": before 2009.

General English only: which column an age or an event is comes from the schema's names.
"""

from __future__ import annotations

from dataclasses import replace

from .index import Lexicon
from .lexicon import PHRASES
from .mentions import Mention
from .when_questions import when_asked

PHRASES[("prior", "to")] = ("cmp", "<")  # "exhibitions that happened prior to 2009"

# Words before a year that place an event in it: "opened in 2011".
AROUND = {"in", "on", "at"}


def reword(ms: tuple[Mention, ...], lex: Lexicon) -> tuple[Mention, ...]:
    out = _or_then_comparison(list(when_asked(ms, lex)))
    out = _date_verbs(out, lex)
    out = _aged(out, lex)
    out = _years_old(out)
    return tuple(_comparison_before_column(out))


def _word(m: Mention) -> str:
    """The word of a one-word mention nothing else claimed (or a role word such as "over")."""
    return m.text if " " not in m.text and m.kind in ("unknown", "function", "role") else ""


def _age_columns(lex: Lexicon) -> tuple:
    return tuple(ref for ref in lex.columns.get(("age",), []) if lex.is_numeric(ref.column))


def _aged(ms: list[Mention], lex: Lexicon) -> list[Mention]:
    """ "pilots aged 25 or older": "aged" names the age column."""
    refs = _age_columns(lex)
    if not refs:
        return ms
    return [
        Mention("column", m.start, m.end, m.text, columns=refs) if _word(m) == "aged" else m
        for m in ms
    ]


def _or_then_comparison(ms: list[Mention]) -> list[Mention]:
    """ "before 2000 or after 2010": "or after" joins a second comparison with its own number,
    it is not the bound after 2000 ("2000 or after", lexicon.py): "or", then "after"."""
    out: list[Mention] = []
    for i, m in enumerate(ms):
        word = m.text[3:] if m.is_role("cmp") and m.text.startswith("or ") else ""
        role = PHRASES.get((word,)) if word and " " not in word else None
        around = i > 0 and ms[i - 1].text in AROUND  # "in or after 2005": one bound
        if role is None or role[0] != "cmp" or around or not _number_follows(ms, i + 1):
            out.append(m)
            continue
        out.append(Mention("role", m.start, m.start + 1, "or", role="or"))
        out.append(Mention("role", m.start + 1, m.end, word, role="cmp", arg=role[1]))
    return out


def _number_follows(ms: list[Mention], i: int) -> bool:
    """A number at i, after function words and at most one column ("the year of 2010")."""
    i = _past_function_words(ms, i)
    if i < len(ms) and ms[i].kind == "column":
        i = _past_function_words(ms, i + 1)
    return _number_at(ms, i)


def _past_function_words(ms: list[Mention], i: int) -> int:
    while i < len(ms) and ms[i].kind == "function":
        i += 1
    return i


def _date_verbs(ms: list[Mention], lex: Lexicon) -> list[Mention]:
    """ "problems reported after 1978-06-26": a verb right before a date condition names
    the date column it starts like (date_problem_reported), even where a column also holds
    the word as a value (a status 'Reported')."""
    out = list(ms)
    for i, m in enumerate(out[:-2]):
        if m.kind not in ("value", "unknown") or " " in m.text:
            continue
        when = out[i + 1]
        dated = when.is_role("cmp", "between") or when.text in AROUND
        if not dated or not _year_at(out, i + 2):
            continue
        col = _birth(lex) if m.text == "born" else _event_column(lex, m.text)
        if col is not None:
            out[i] = Mention("function", m.start, m.end, m.text, extra={"date": col})
    return out


def _event_column(lex: Lexicon, verb: str):
    """The one date or year column named like the verb: "hired" -> hire_date, "opened" ->
    Open_Year, "founded" -> Founded; None when no or several columns are."""
    from .interpretation import Col
    from .vocabulary import DATE_WORDS
    from .words import split_identifier

    if len(verb) < 5:
        return None
    found = {
        Col(table.qualified_name, c.name)
        for table in lex.document.tables
        for c in table.columns
        if (c in lex.words.date_columns(table) or (table.qualified_name, c.name) in lex.years)
        and any(
            w[:4] == verb[:4] and len(w) >= 4 and w not in DATE_WORDS
            for w in split_identifier(c.name)
        )
    }
    return found.pop() if len(found) == 1 else None


def _birth(lex: Lexicon):
    """ "born in 1990", "born after June 1, 1990": the one date (or year) of birth."""
    from .index import name_words
    from .interpretation import Col

    found = [
        Col(table.qualified_name, c.name)
        for table in lex.document.tables
        for c in table.columns
        if {"birth", "born"} & set(name_words(c.name))
        and (lex.words.date_columns(table).count(c) or (table.qualified_name, c.name) in lex.years)
    ]
    return found[0] if len(found) == 1 else None


def _years_old(ms: list[Mention]) -> list[Mention]:
    """ "at least 25 years old", "a 30-year-old": the number is an age (read by the
    comparison as the subject's age column)."""
    out: list[Mention] = []
    i = 0
    while i < len(ms):
        m = ms[i]
        unit, old = ms[i + 1 : i + 2], ms[i + 2 : i + 3]
        if (
            m.kind == "number"
            and unit
            and old
            and unit[0].text in ("year", "years")
            and old[0].text == "old"
        ):
            out.append(replace(m, end=old[0].end, extra={**m.extra, "age": True}))
            i += 3
            continue
        out.append(m)
        i += 1
    return out


def _comparison_before_column(ms: list[Mention]) -> list[Mention]:
    """ "under age 30", "above the age of 46": read as "age under 30"."""
    out = list(ms)
    for i in range(len(out) - 2):
        m = out[i]
        if not m.is_role("cmp") or m.arg == "!=":
            continue
        j = i + 1
        while j < len(out) and out[j].kind == "function" and out[j].text in ("the", "an", "a"):
            j += 1
        c = out[j] if j < len(out) else None
        k = j + 1
        while k < len(out) and out[k].kind == "function" and out[k].text == "of":
            k += 1
        if c is None or c.kind != "column" or not _number_at(out, k):
            continue
        out[i : j + 1] = [c, *out[i + 1 : j], m]
    return out


def _year_at(ms: list[Mention], i: int) -> bool:
    return _number_at(ms, i) and 1000 <= (ms[i].number or 0) <= 2100


def _number_at(ms: list[Mention], i: int) -> bool:
    return 0 <= i < len(ms) and ms[i].kind == "number"
