"""A word that could be several tables, settled by the rest of the question: "staff" is
Project_Staff or Research_Staff, and "how many staff does each project have" says which —
the one candidate whose other name words the question uses elsewhere; else the one
candidate holding a column the question names ("which game type has the most games":
only Video_Games has a type). Two or none such candidates: the mention keeps all its
tables and the reader refuses, naming them."""

from __future__ import annotations

from dataclasses import replace

from .index import name_words
from .lexicon import FUNCTION
from .mentions import Mention
from .tokens import Token


def settle_tables(ms: tuple[Mention, ...], tokens: tuple[Token, ...]) -> tuple[Mention, ...]:
    out = list(ms)
    for k, m in enumerate(ms):
        if m.kind != "table" or len(m.tables) < 2:
            continue
        said_here = {t.norm for t in tokens[m.start : m.end]}
        elsewhere = {
            t.norm
            for i, t in enumerate(tokens)
            if not m.start <= i < m.end and t.kind == "word" and t.low not in FUNCTION
        }
        chosen = [t for t in m.tables if (set(name_words(t.name)) - said_here) & elsewhere]
        if not chosen:
            held = {id(ref.table) for x in ms if x.kind == "column" for ref in x.columns}
            chosen = [t for t in m.tables if id(t) in held]
        if len(chosen) == 1:
            out[k] = replace(m, tables=tuple(chosen))
    return tuple(out)
