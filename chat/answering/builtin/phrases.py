"""Phrases engine v2's reader adds to the general lexicon (lexicon.PHRASES), kept here so the
reading rules and the words they need change together. General English only.

- "most common", "most popular", "most frequent" (and "least ..."): the value of a column
  that occurs most (least) often: GROUP BY it, ORDER BY COUNT(*), LIMIT 1 (role "mode").
- "combined with" joins two things listed, it does not add them up.
- "across", "about", "in total" ... add nothing: function words.
- "for all" is no grouping: "the names for all accounts" lists every account.
"""

from __future__ import annotations

from .lexicon import FUNCTION, PHRASES

# Words that add nothing to what is asked ("the average count across all documents").
FILLER_WORDS = {"across", "about", "correspond", "corresponds", "overall", "they", "them",
                "he", "she", "him", "her", "his", "our", "select", "where", "among"}  # fmt: skip
FILLER_PHRASES = ("in total", "in all", "altogether", "on record", "in the database", "took place",
                  "take place", "takes place", "taken out", "took out",
                  "in the data", "of all time", "do we have", "are there", "in our record",
                  "in our records", "in the records", "in the record", "on file")  # fmt: skip

MODE = {
    "desc": ("most common", "most popular", "most frequent", "most frequently",
             "most often", "the most common", "most commonly", "most prominent",
             "used most often", "used most frequently", "most frequently used",
             "most often used", "most used", "used the most"),
    "asc": ("least common", "least popular", "least frequent", "least frequently",
            "least often", "least commonly"),
}  # fmt: skip


def install() -> None:
    for direction, phrases in MODE.items():
        for phrase in phrases:
            PHRASES[tuple(phrase.split())] = ("mode", direction)
    PHRASES[("combined", "with")] = ("and", "")
    PHRASES[("alphabetic",)] = ("dir", "alpha")
    for phrase in ("for different", "for each different", "in different", "of different",
                   "across different", "by different", "for the different", "in the different",
                   "across the different", "by the different", "for each of the different",
                   "for each of the"):  # fmt: skip
        PHRASES[tuple(phrase.split())] = ("group", "")
    for phrase in ("most recent", "most recently", "the most recent", "latest", "newest"):
        PHRASES[tuple(phrase.split())] = ("recent", "desc")
    for phrase in ("least recent", "least recently", "earliest", "oldest date"):
        PHRASES[tuple(phrase.split())] = ("recent", "asc")
    FUNCTION.update(FILLER_WORDS)
    for phrase in FILLER_PHRASES:
        PHRASES.setdefault(tuple(phrase.split()), ("filler", ""))
    PHRASES.pop(("for", "all"), None)


install()
