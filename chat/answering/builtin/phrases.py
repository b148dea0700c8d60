"""Phrases engine v2's reader adds to the general lexicon (lexicon.PHRASES), kept here so the
reading rules and the words they need change together. General English only.

- "most common", "most popular", "most frequent" (and "least ..."): the value of a column
  that occurs most (least) often: GROUP BY it, ORDER BY COUNT(*), LIMIT 1 (role "mode").
- "combined with" joins two things listed, it does not add them up.
- "for all" is no grouping: "the names for all accounts" lists every account.
"""

from __future__ import annotations

from .lexicon import PHRASES

MODE = {
    "desc": ("most common", "most popular", "most frequent", "most frequently",
             "most often", "the most common", "most commonly", "most prominent"),
    "asc": ("least common", "least popular", "least frequent", "least frequently",
            "least often", "least commonly"),
}  # fmt: skip


def install() -> None:
    for direction, phrases in MODE.items():
        for phrase in phrases:
            PHRASES[tuple(phrase.split())] = ("mode", direction)
    PHRASES[("combined", "with")] = ("and", "")
    PHRASES.pop(("for", "all"), None)


install()
