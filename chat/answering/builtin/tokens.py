"""Question -> tokens: words with their character spans, folded and singularised.

A quoted span ('Alice', "New York") is one token that keeps its spelling: people quote a
value they want matched as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import NUMBER_WORDS
from .linking import fold
from .words import singular

_TOKEN = re.compile(
    r"""(?P<quoted>"[^"]+"|'[^']+'|“[^”]+”|‘[^’]+’)"""
    r"|(?P<symbol>>=|<=|!=|<>|=>|=<|>|<|=)"
    r"|(?P<number>\$?\d[\d,]*(?:\.\d+)?%?)"
    r"|(?P<word>[^\W_]+(?:['’][^\W_]+)?)"
)
# "'s" of a possessive and contractions stay inside the word that holds them.
_POSSESSIVE = re.compile(r"['’]s$")


@dataclass(frozen=True)
class Token:
    text: str  # as written (quotes removed from a quoted value)
    low: str  # folded: lower-case, no accents
    norm: str  # singular of `low` ("heads" -> "head"); numbers as written
    start: int  # character span in the question
    end: int
    kind: str = "word"  # word | number | quoted
    number: float | None = None

    @property
    def is_number(self) -> bool:
        return self.number is not None


def tokenize(question: str) -> tuple[Token, ...]:
    tokens = []
    for match in _TOKEN.finditer(question):
        start, end = match.span()
        if match.group("quoted"):
            inner = match.group("quoted")[1:-1].strip()
            # A quote used as an apostrophe ("it's") never reaches here: the word pattern
            # would have taken it; a lone quote with text after it is a value.
            tokens.append(Token(inner, fold(inner), fold(inner), start, end, "quoted"))
            continue
        if match.group("symbol"):
            sym = {"<>": "!=", "=>": ">=", "=<": "<="}.get(
                match.group("symbol"), match.group("symbol")
            )
            tokens.append(Token(sym, sym, sym, start, end, "word"))
            continue
        if match.group("number"):
            raw = match.group("number")
            value = raw.strip("$%").replace(",", "")
            try:
                number = float(value)
            except ValueError:
                continue
            tokens.append(Token(raw, value, value, start, end, "number", number))
            continue
        word = match.group("word")
        low = fold(word).replace("’", "'")
        if _POSSESSIVE.search(low) and len(low) > 2:
            base = low[:-2]
            tokens.append(Token(word[:-2], base, singular(base), start, end - 2))
            tokens.append(Token("'s", "'s", "'s", end - 2, end))
            continue
        if low in NUMBER_WORDS:
            n = NUMBER_WORDS[low]
            tokens.append(Token(word, low, str(n), start, end, "number", float(n)))
            continue
        tokens.append(Token(word, low, singular(low), start, end))
    return tuple(tokens)
