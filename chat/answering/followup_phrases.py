"""The phrases a follow-up question is made of, and those of the previous question it edits:
openers ("and", "what about"), groupings ("by country"), limits ("top 3"), time and comparison
filters ("in 2024", "over 100"), and the aggregate words ("average", "total")."""

from __future__ import annotations

import re

# Openers that mark a question as leaning on the previous one. Stripped repeatedly, so
# "and now only the top 3" and "ok, what about 2024" both reduce to the fragment.
_OPENER = re.compile(
    r"^(?:what\s+about|how\s+about|what\s+if|(?:the\s+)?same(?:\s+thing)?|and|also|plus|but|"
    r"then|now|only|just|ok|okay|so|instead)\b[\s,:;-]*",
    re.IGNORECASE,
)
# ...and words that only say "as before, but": "for Germany too", "by country instead".
_CLOSER = re.compile(r"[\s,]*\b(?:too|instead|as\s+well|only|then|please)$", re.IGNORECASE)
# Words that stand for "the same rows" and carry nothing: "only the ones in 2024".
_FILLER = {"the", "the ones", "ones", "those", "them", "it", "that", "this", "these", "one"}

# Where a fragment splits into phrases, each a grouping, a limit or a filter.
_PHRASE_START = (
    r"by|per|each|for\s+each|in|for|from|during|since|before|after|over|under|above|below|with|"
    r"more\s+than|less\s+than|fewer\s+than|greater\s+than|at\s+least|at\s+most|top|bottom"
)
_SPLIT = re.compile(rf"\s+(?=(?:{_PHRASE_START})\b)", re.IGNORECASE)

# A fragment holding one of these is a question of its own ("and how many orders are
# there?"), not an ellipsis: leave it to the engine as it is.
_QUESTION_WORDS = set(
    """how what which who whom whose when where why show list give tell display find count many
    much number total sum average avg mean maximum minimum max min is are was were do does did
    there""".split()
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_LIMIT = re.compile(rf"(top|bottom)\s+(\d+|{'|'.join(_NUMBER_WORDS)})(?:\s+([\w-]+))?", re.I)
_AGGREGATES = {
    "average": "average",
    "mean": "average",
    "avg": "average",
    "total": "total",
    "sum": "total",
    "maximum": "maximum",
    "max": "maximum",
    "highest": "maximum",
    "minimum": "minimum",
    "min": "minimum",
    "lowest": "minimum",
}
_PREV_AGGREGATE = re.compile(rf"\b(?:{'|'.join(_AGGREGATES)})\b", re.IGNORECASE)
_ADVERB_GROUPS = {"monthly": "by month", "yearly": "by year", "annually": "by year"}

_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_RELATIVE_YEAR = re.compile(r"\b(?:last|this|previous|current)\s+year\b", re.IGNORECASE)
# A time filter of the previous question, with its preposition, to be replaced as a whole.
_PREV_TIME = re.compile(
    r"\b(?:(?:in|for|from|during|since|before|after)\s+(?:the\s+year\s+)?(?:19|20)\d\d\b|"
    r"(?:(?:in|for|from|during|since)\s+)?(?:the\s+)?(?:last|this|previous|current)\s+year\b)",
    re.IGNORECASE,
)
_COMPARATOR = (
    r"(?:over|under|above|below|more\s+than|less\s+than|fewer\s+than|greater\s+than|"
    r"at\s+least|at\s+most)"
)
_PREV_COMPARISON = re.compile(rf"\b{_COMPARATOR}\s+\d+(?:\.\d+)?", re.IGNORECASE)
# The grouping of the previous question: "by year", "per media type", "for each country",
# up to the next filter, a comma or the end.
_PREV_GROUP = re.compile(
    r"\s*\b(?:grouped\s+|broken\s+down\s+|split\s+)?(?:by|per|for\s+each)\s+(?:the\s+)?"
    r"[\w'-]+(?:\s+(?!(?:in|for|from|during|since|before|after|over|under|above|below|with|"
    r"where|and|top|bottom)\b)[\w'-]+)*",
    re.IGNORECASE,
)
_PREV_ADVERB = re.compile(r"\b(?:monthly|yearly|annual|annually)\s+", re.IGNORECASE)
# Rankings: their "by revenue" is the measure ranked on, not a grouping to replace.
_RANKING = re.compile(
    r"\b(?:top|bottom)\s+\d+\b|^\W*(?:the\s+)?\d+\s|\b(?:which|what)\b.*\b(?:most|least|fewest|"
    r"highest|lowest)\b",
    re.IGNORECASE,
)
_SQL_LITERAL = re.compile(r"'((?:[^']|'')+)'")


def _strip_end(text: str) -> str:
    return (text or "").strip().rstrip("?!. ").strip()
