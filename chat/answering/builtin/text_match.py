"""Text matching in the tail of a question: "contains 'x'", "names starting with the letter
'a'", "ending in 'son'"."""

from __future__ import annotations

from .clauses import _prev_index
from .interpretation import Filter
from .reader import Reading, Refusal, _name_like

# "contains the substring 'CV'", "starts with the letter 'a'"
FILLERS = {"substring", "word", "words", "letter", "letters", "string", "phrase", "character"}


def _like(r: Reading, i: int) -> int | None:
    m = r.ms[i]
    col_at = None
    if m.kind == "column":
        k = r.next(i + 1)
        if r.at(k) is not None and r.ms[k].is_role("neg") and r.ms[k].text == "not":
            k = r.next(k + 1)  # "whose name does not contain": the "not" is read below
        if r.at(k) is not None and r.ms[k].is_role("like"):
            col_at, i = i, k
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
        names = _name_like(r)
        if len(names) != 1:
            raise Refusal(f"I could not tell which column of {r.subject.name} to search.")
        col = r.ref(r.subject, names[0].name)
    before = _prev_index(r, i)  # "whose name does not contain 'x'"
    negated = r.at(before) is not None and before not in r.used and r.ms[before].is_role("neg")
    patterns, end = [_pattern(m.arg, v)], j + 1
    k = r.next(end)
    second = r.at(r.next(k + 1))
    if r.at(k) is not None and r.ms[k].is_role("or") and second is not None:
        if second.kind == v.kind:  # "contain 'superstar' or 'edu'": either
            if negated:
                return None  # "does not contain 'a' or 'e'": neither, or not both? not said
            patterns.append(_pattern(m.arg, second))
            r.take(k, r.next(k + 1))
            end = r.next(k + 1) + 1
    r.take(*(x for x in (col_at, i, j) if x is not None), *([before] if negated else []))
    likes = [Filter(col, "notlike" if negated else "like", (p,)) for p in patterns]
    r.filters.append(likes[0] if len(likes) == 1 else Filter(col, "or", tuple(likes)))
    return end


def _pattern(kind: str, v) -> str:
    text = v.text if v.kind == "literal" else str(v.values[0].value)
    return {"contains": f"%{text}%", "starts": f"{text}%", "ends": f"%{text}"}[kind]
