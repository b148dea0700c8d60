"""Tokens -> mentions: each run of tokens read as one thing — a table, a column, a stored
value, a number, a literal, or a word with a role (an aggregate, a comparison, "not"...).

Longest run first; at equal length a schema name beats a role word ("orders" is the table,
not "order by"), a role word beats a stored value ("no" is a negation even where a column
holds 'No'). A word no reading claims is left as an `unknown` mention: the reader refuses
unless something else accounts for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import phrases as _phrases  # noqa: F401  (adds the reader's phrases)
from .counted import counted_columns as _counted_columns
from .index import SKIP, ColumnRef, Lexicon, ValueRef
from .lexicon import ADJECTIVES, FUNCTION, MEASURE_VERBS, PHRASES, SYNONYMS
from .linking import fold
from .tokens import Token

ROLE_BEATS_SCHEMA = {"neg", "cmp", "between", "like", "or", "dir", "count"}


@dataclass(frozen=True)
class Mention:
    kind: str  # table | column | value | number | literal | role | adj | function | unknown
    start: int  # token index
    end: int
    text: str
    role: str = ""  # for kind == role: count, agg, cmp, ...
    arg: str = ""
    tables: tuple = ()
    columns: tuple[ColumnRef, ...] = ()
    values: tuple[ValueRef, ...] = ()
    number: float | None = None
    adjective: tuple = ()  # (column words, direction) for adjectives
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def is_role(self, *roles: str) -> bool:
        return self.kind == "role" and (not roles or self.role in roles)

    def is_fn(self, *words: str) -> bool:
        return self.kind == "function" and (not words or self.text in words)


def _schema_key(tokens: tuple[Token, ...]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(key, reversed key) of a run, inner "of"/"the" dropped; None if it starts or ends on one."""
    if tokens[0].low in SKIP or tokens[-1].low in SKIP or any(t.kind != "word" for t in tokens):
        return None
    if any(t.low in ("the", "a", "an") for t in tokens):
        return None  # "banks in the state" is a table and a column, not bank.state
    if any(b.start - a.end > 1 for a, b in zip(tokens, tokens[1:], strict=False)):
        return None  # "name, role code": a comma separates two things
    words = tuple(SYNONYMS.get(t.norm, t.norm) for t in tokens if t.low not in SKIP)
    flipped = ()
    lows = [t.low for t in tokens]
    if "of" in lows and len(words) == 2:  # "date of birth" ~ "birth date"
        flipped = (words[1], words[0])
    return words, flipped


def _bag(words: tuple[str, ...]) -> frozenset:
    """The words in any order, verbs to their stem: "quantity ordered" ~ order_quantity."""
    return frozenset(w[:-2] if w.endswith("ed") and len(w) > 5 else w for w in words)


def find_mentions(tokens: tuple[Token, ...], lex: Lexicon) -> tuple[Mention, ...]:
    out: list[Mention] = []
    i = 0
    longest = max(lex.longest + 2, 6)
    while i < len(tokens):
        best: Mention | None = None
        for n in range(min(longest, len(tokens) - i), 0, -1):
            found = _read(tokens[i : i + n], i, lex)
            if found is not None:
                best = found
                break
        if best is not None and best.is_role("cmp") and best.text.startswith("or "):
            after = tokens[best.end].low if best.end < len(tokens) else ""
            before = tokens[i - 1].low if i > 0 else ""
            if after == "than" or (after[:1].isdigit() and before[:1].isdigit()):
                best = _read(tokens[i : i + 1], i, lex)  # "or younger than 40", "above 50
                # or below 46": "or", then a comparison (a bound after its number is "40
                # or younger")
        if best is None:
            t = tokens[i]
            kind = "function" if t.low in FUNCTION else "unknown"
            best = Mention(kind, i, i + 1, t.low)
        elif best.is_role("filler"):  # "in total", "on record": nothing to read
            best = Mention("function", best.start, best.end, best.text)
        if best.kind == "unknown":
            best = _verb_of_table(best, lex) or _sex(best, lex) or best
        if best.kind == "unknown" and best.text in ("member", "members") and out:
            if out[-1].kind == "table":  # "faculty members", "staff members"
                last = out.pop()
                best = Mention("table", last.start, best.end, f"{last.text} {best.text}",
                               tables=last.tables)  # fmt: skip
        out.append(best)
        i = best.end
    return _distribute(_counted_columns(_loose_values(tuple(out), tokens), tokens, lex), lex)


HEAD_AFTER = {"with", "whose", "that", "who", "which", "where", "having"}


def _loose_values(ms: tuple[Mention, ...], tokens) -> tuple[Mention, ...]:
    """ "the car with id 1", "the product with the highest height": a common noun written in
    lower case after "the"/"a" and before "with"/"whose"/"that"... is the noun the question is
    about, not a stored value ('Car', 'Product') to filter on. Left unknown: the reader
    refuses rather than add a filter nobody asked for. Names (capitalised), quoted text,
    numbers and codes still link."""
    out = list(ms)
    for k, m in enumerate(out):
        if m.kind != "value" or m.end - m.start != 1 or not 0 < m.start < len(tokens) - 1:
            continue
        t = tokens[m.start]
        if t.kind != "word" or t.text != t.text.lower() or t.norm != t.low:
            continue  # a name, or a plural ("all the instructors" picks the rank's rows)
        if tokens[m.start - 1].low in ("the", "a", "an") and tokens[m.start + 1].low in HEAD_AFTER:
            out[k] = Mention("unknown", m.start, m.end, m.text)
        nxt = out[k + 1] if k + 1 < len(out) else None
        if nxt is not None and nxt.kind == "table" and nxt.start == m.end:
            # "parking taxes": a value of another table before a table's name is a word of a
            # compound noun, not a filter ("red grapes" is grapes' own colour)
            if not {id(v.table) for v in m.values} & {id(t) for t in nxt.tables}:
                out[k] = Mention("unknown", m.start, m.end, m.text)
    return tuple(out)


def _distribute(ms: tuple[Mention, ...], lex: Lexicon) -> tuple[Mention, ...]:
    """ "first and last names": the shared noun completes the word before "and" when that
    makes a column ("first name")."""
    out = list(ms)
    for k in range(len(out) - 2):
        a, conj, b = out[k], out[k + 1], out[k + 2]
        if not conj.is_role("and") or b.kind != "column" or a.kind == "column" or " " in a.text:
            continue
        rest = tuple(b.text.split()[1:])
        if not rest:
            continue
        key = (a.text,) + tuple(w.rstrip("s") if w.endswith("names") else w for w in rest)
        refs = lex.columns.get(tuple(SYNONYMS.get(w, w) for w in key))
        if refs:
            out[k] = Mention("column", a.start, a.end, " ".join(key), columns=tuple(refs))
    return tuple(out)


SEXES = {"female": "f", "females": "f", "woman": "f", "women": "f", "girl": "f", "girls": "f",
         "male": "m", "males": "m", "man": "m", "men": "m", "boy": "m", "boys": "m"}  # fmt: skip


def _sex(m: Mention, lex: Lexicon) -> Mention | None:
    """ "female students" where a sex/gender column stores 'F' (or 'Female')."""
    letter = SEXES.get(m.text)
    if letter is None:
        return None
    from .index import name_words

    found = []
    for key, refs in lex.values.items():
        if key and key[0] in (letter, "female" if letter == "f" else "male") and len(key) == 1:
            found += [
                v
                for v in refs
                if set(name_words(v.column.name)) & {"sex", "gender", "male", "female"}
            ]
    if not found:
        return None
    return Mention("value", m.start, m.end, m.text, values=tuple(found))


def _verb_of_table(m: Mention, lex: Lexicon) -> Mention | None:
    """ "eliminated" for a table Elimination, "participated" for Participates_in: a verb
    whose stem opens exactly one table's name reads as that table."""
    word = m.text
    if len(word) < 7 or not word.endswith(("ed", "ing")):
        return None
    stem = word[:-2] if word.endswith("ed") else word[:-3]
    found = {
        id(t): t
        for key, tables in lex.tables.items()
        for t in tables
        if key and len(stem) >= 6 and key[0].startswith(stem[:-1]) and len(key[0]) - len(stem) <= 3
    }
    if len(found) != 1:
        return None
    return Mention("table", m.start, m.end, m.text, tables=tuple(found.values()))


def _as_typed(values: tuple[ValueRef, ...], text: str) -> tuple[ValueRef, ...]:
    """A quoted value found only through a typo ('Person' for the stored 'Pearson') still
    says which column it is about, but the comparison keeps the text as typed: quotes say
    exactly what to look for, and the stored look-alike may be another thing altogether.
    Stored values differing only in case, accents, spaces or punctuation ('Tokyo , Japan'
    for "Tokyo,Japan") are the same value written differently and are kept."""
    said = _letters(text)
    return tuple(
        v if v.exact or _letters(str(v.value)) == said else ValueRef(v.table, v.column, text, False)
        for v in values
    )


def _letters(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(text))


def _read(run: tuple[Token, ...], at: int, lex: Lexicon) -> Mention | None:
    n = len(run)
    end = at + n
    text = " ".join(t.low for t in run)
    first = run[0]
    if n == 1 and first.kind == "quoted":
        text, low = first.text, first.low
        values = lex.find_values(tuple(low.split())) if low else []
        bare, bare_low = text.rstrip(".,;:!?"), low.rstrip(".,;:!?")
        if not values and bare != text and bare:  # "Graphics." quoted with the sentence's stop
            values = lex.find_values(tuple(bare_low.split()))
            if any(str(v.value).lower() == bare_low for v in values):
                text, low = bare, bare_low
        exact = tuple(v for v in values if str(v.value).lower() == low) or tuple(values)
        return Mention("literal", at, end, text, values=_as_typed(exact, text))
    if n == 1 and first.kind == "number":
        return Mention("number", at, end, first.text, number=first.number)
    lows = tuple(t.low for t in run)
    norms = tuple(t.norm for t in run)
    role = PHRASES.get(lows)
    schema = None
    key = _schema_key(run)
    if key is not None and "of" in lows and (run[-1].norm,) in lex.tables:
        if key[0] not in lex.columns or key[0][-1] == (run[-1].norm,)[0]:
            key = None  # "the names of parties": a column of the table named after "of"
    if key is not None:
        words, flipped = key
        plain = tuple(t.norm for t in run if t.low not in SKIP)
        if plain != words and (plain in lex.tables or plain in lex.columns):
            words = plain  # the schema's own word before a synonym: a table "song", "staff"
        if words in lex.tables:
            schema = Mention("table", at, end, text, tables=tuple(lex.tables[words]))
        elif words in lex.columns or (flipped and flipped in lex.flippable):
            refs = lex.columns.get(words) or lex.columns[flipped]
            schema = Mention("column", at, end, text, columns=tuple(refs))
            if not any(r.exact for r in refs) and lex.find_values(norms):
                schema = None  # "paid" the status, not a part of paid_at
        elif len(set(words)) == len(words) == n > 1 and _bag(words) in lex.bags:
            refs = lex.bags[_bag(words)]  # "quantities ordered" for order_quantity
            schema = Mention("column", at, end, text, columns=tuple(refs))
            if not any(r.exact for r in refs) and lex.find_values(norms):
                schema = None  # "paid" the status, not a part of paid_at
    if role is not None and (schema is None or role[0] in ROLE_BEATS_SCHEMA and n > 1):
        return Mention("role", at, end, text, role=role[0], arg=role[1])
    if schema is not None:
        if role is not None and role[0] in ROLE_BEATS_SCHEMA:
            return Mention("role", at, end, text, role=role[0], arg=role[1])
        return schema
    if role is not None:
        return Mention("role", at, end, text, role=role[0], arg=role[1])
    if n <= 2 and run[-1].low == "than" and run[0].low in ADJECTIVES and n == 2:
        return Mention("adj", at, end, text, role="cmp", adjective=ADJECTIVES[run[0].low])
    if n == 1 and first.low in ADJECTIVES and first.low.endswith("est"):
        # Only a superlative ranks: "the cheapest product" is one row, "expensive products"
        # names no threshold and "older" alone compares with nothing, so both stay unplaced.
        return Mention("adj", at, end, text, role="sup", adjective=ADJECTIVES[first.low])
    if n == 2 and lows[0] in ("more", "most", "less", "least") and lows[1] in ADJECTIVES:
        words, direction = ADJECTIVES[lows[1]]
        if lows[0] in ("less", "least"):
            direction = "asc" if direction == "desc" else "desc"
        return Mention("adj", at, end, text, role="sup", adjective=(words, direction))
    if n == 3 and lows[0] in ("more", "less") and lows[2] == "than" and lows[1] in ADJECTIVES:
        words, direction = ADJECTIVES[lows[1]]
        if lows[0] == "less":
            direction = "asc" if direction == "desc" else "desc"
        return Mention("adj", at, end, text, role="cmp", adjective=(words, direction))
    if n == 1 and first.low in MEASURE_VERBS:
        return Mention("adj", at, end, text, role="is", adjective=(MEASURE_VERBS[first.low], ""))
    if all(t.kind == "word" for t in run) and not (n == 1 and first.low in FUNCTION):
        if n == 1 and len(first.low) < 2:
            return None
        values = lex.find_values(norms)
        if values and n > 1 and first.low in SKIP and _schema_key(run[1:]) is not None:
            rest = _schema_key(run[1:])[0]
            if rest in lex.tables or rest in lex.columns:
                values = []  # "the mountains" is the table, not a stored 'the mountain'
        if values:
            return Mention("value", at, end, text, values=tuple(values))
    return None
