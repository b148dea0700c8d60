"""Text matching in the tail of a question: "contains 'x'", "names starting with the letter
'a'", "ending in 'son'"."""

from __future__ import annotations

from .interpretation import Filter
from .reader import Reading, Refusal

# "contains the substring 'CV'", "starts with the letter 'a'"
FILLERS = {"substring", "word", "words", "letter", "letters", "string", "phrase", "character"}


def _like(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    col_at = None
    if m.kind == "column" and r.at(r.next(i + 1)) and r.ms[r.next(i + 1)].is_role("like"):
        col_at, i = i, r.next(i + 1)
        m = r.ms[i]
    if not m.is_role("like"):
        return None
    j = r.next(i + 1)
    fillers = []
    while r.at(j) is not None and r.ms[j].text in FILLERS:
        fillers.append(j)
        j = r.next(j + 1)
    v = r.at(j)
    if v is None or v.kind not in ("literal", "value"):
        return None
    r.take(*fillers)
    if col_at is not None:
        col = r.col(r.ms[col_at])
    else:
        names = [c for c in r.lex.words.label_columns(r.subject) if not r.lex.is_numeric(c)]
        if len(names) != 1:
            raise Refusal(f"I could not tell which column of {r.subject.name} to search.")
        col = r.ref(r.subject, names[0].name)
    text = v.text if v.kind == "literal" else str(v.values[0].value)
    pattern = {"contains": f"%{text}%", "starts": f"{text}%", "ends": f"%{text}"}[m.arg]
    r.take(*(x for x in (col_at, i, j) if x is not None))
    r.filters.append(Filter(col, "like", (pattern,)))
    return j + 1
