"""Questions asked with "when": the answer is a date (or year) column.

- "When is the hire date of ...": the date named after "when" answers: "What is the hire
  date of ...".
- "When did Carole Bernhard become a customer?", "When was the school founded?": the verb
  names the one date or year column whose name holds it (date_became_customer, Founded),
  which is what is listed; the verb is read with it.

Anything else ("When did Linda visit?" where no column is named like "visit") is left as it
is and refused by the reader.
"""

from __future__ import annotations

from .index import ColumnRef, Lexicon
from .mentions import Mention
from .words import split_identifier

# Past forms that do not start like their verb ("left" for date_left_staff).
IRREGULAR = {"leave": "left", "become": "became", "take": "took", "begin": "began",
             "buy": "bought", "sell": "sold", "pay": "paid", "send": "sent", "build": "built",
             "hold": "held", "make": "made", "win": "won", "meet": "met"}  # fmt: skip
TIME_WORDS = {"date", "time", "year", "day", "at", "on"}
AUXILIARIES = {"is", "are", "was", "were", "did", "do", "does", "the", "a", "an"}


def when_asked(ms: tuple[Mention, ...], lex: Lexicon) -> tuple[Mention, ...]:
    if not ms or ms[0].text != "when":
        return ms
    j = 1
    while j < len(ms) and ms[j].text in AUXILIARIES:
        j += 1
    named = ms[j] if j < len(ms) else None
    if named is not None and named.kind == "column" and all(_dated(lex, r) for r in named.columns):
        return (Mention("function", ms[0].start, ms[0].end, "what"), *ms[1:])  # as asked
    found = {}
    for k, m in enumerate(ms[1:], 1):
        if m.kind in ("unknown", "function", "value") and " " not in m.text:
            for ref in _named_by(lex, m.text):
                found.setdefault((ref.table.qualified_name, ref.column.name), (ref, k))
    if len(found) != 1:
        return ms
    ref, verb_at = next(iter(found.values()))
    out = list(ms)
    said = " ".join(split_identifier(ref.column.name))  # the reader refuses a bare "when"
    out[0] = Mention("column", ms[0].start, ms[0].end, said, columns=(ref,))
    verb = ms[verb_at]
    out[verb_at] = Mention("function", verb.start, verb.end, verb.text)
    return tuple(out)


def _dated(lex: Lexicon, ref: ColumnRef) -> bool:
    key = (ref.table.qualified_name, ref.column.name)
    return ref.column in lex.words.date_columns(ref.table) or key in lex.years


def _named_by(lex: Lexicon, word: str) -> list[ColumnRef]:
    """The date or year columns with a name word starting like the verb (its first four
    letters), or like its irregular past form."""
    forms = {f[:4] for f in (word, IRREGULAR.get(word, "")) if len(f) >= 4}
    found = []
    for table in lex.document.tables:
        own = set(split_identifier(table.name))  # date_joined_staff in Staff: "joined"
        for c in table.columns:
            ref = ColumnRef(table, c)
            words = [
                w for w in split_identifier(c.name) if w not in TIME_WORDS | own and len(w) >= 4
            ]
            if forms & {w[:4] for w in words} and _dated(lex, ref):
                found.append(ref)
    return found
