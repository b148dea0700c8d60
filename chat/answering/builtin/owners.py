"""A word after "of"/"for" that says whose the listed columns are: "the area and county of
all appelations", where the table's name (misspelt) was read as its own-named column."""

from __future__ import annotations

from .index import name_words
from .reader import Reading


def names_subject_after_of(r: Reading, i: int) -> bool:
    """The mention follows "of"/"for" ("all", "the", "each", "every" between) and names the
    subject as much as its column: appellations.Appelation."""
    j = i - 1
    while j >= 0 and r.ms[j].is_fn("all", "the", "each", "every", "a", "an"):
        j -= 1
    if j < 0 or not r.ms[j].is_fn("of", "for"):
        return False
    own = [c for c in r.ms[i].columns if c.table is r.subject]
    table = " ".join(name_words(r.subject.name))
    return bool(own) and all(_one_letter_apart(" ".join(name_words(c.column.name)), table)
                             for c in own)  # fmt: skip


def _one_letter_apart(a: str, b: str) -> bool:
    """Equal, or equal once one letter is dropped from the longer (Appelation, appellations)."""
    if len(a) < len(b):
        a, b = b, a
    return a == b or (len(a) == len(b) + 1 and any(a[:k] + a[k + 1 :] == b for k in range(len(a))))
