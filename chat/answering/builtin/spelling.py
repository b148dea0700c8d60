"""Misspelled schema words: a long question word the engine knows nowhere else, one typing
slip away from exactly one long word of the schema's names, is read as that word
("deparment" -> department, "appelations" -> appellation, and the other way round when the
schema has the slip: "assessment" for a column asessment_outcome_code; British and American
spellings such as organization / organisation).

Kept narrow because a wrong link is worse than a refusal: both words at least 7 letters, the
same first letter, the slip before the last two letters (so "published" never becomes
"publisher", nor "performed" "performer"), and no other candidate within one slip.
"""

from __future__ import annotations

from dataclasses import replace

from .index import Lexicon
from .lexicon import ADJECTIVES, FUNCTION, PHRASES, SYNONYMS
from .tokens import Token

MIN_LENGTH = 7


def correct_typos(tokens: tuple[Token, ...], lex: Lexicon) -> tuple[Token, ...]:
    known = _known_words(lex)
    schema = _schema_words(lex)
    out = []
    for t in tokens:
        if t.kind == "word" and len(t.norm) >= MIN_LENGTH and t.norm not in known:
            if t.low not in known:
                near = [w for w in schema if w[0] == t.norm[0] and _one_slip(t.norm, w)]
                if len(near) == 1:
                    t = replace(t, norm=near[0])
        out.append(t)
    return tuple(out)


def _schema_words(lex: Lexicon) -> list[str]:
    words = getattr(lex, "_typo_targets", None)
    if words is None:
        found = {w for key in (*lex.tables, *lex.columns) for w in key}
        words = sorted(w for w in found if len(w) >= MIN_LENGTH and w.isalpha())
        lex._typo_targets = words
    return words


def _known_words(lex: Lexicon) -> set[str]:
    """Every word something already reads: schema names, stored values, the general lists."""
    known = getattr(lex, "_known_words", None)
    if known is None:
        known = {w for key in (*lex.tables, *lex.columns, *lex.values) for w in key}
        known |= FUNCTION | set(ADJECTIVES) | set(SYNONYMS) | set(SYNONYMS.values())
        known |= {w for phrase in PHRASES for w in phrase}
        lex._known_words = known
    return known


def _one_slip(a: str, b: str) -> bool:
    """One letter added, dropped, changed, or two neighbours swapped — before the last two
    letters of both words."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    limit = min(len(a), len(b)) - 2
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return diff[0] < limit
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1
        return swapped and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]] and diff[0] < limit
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return i < limit and long_[:i] + long_[i + 1 :] == short
