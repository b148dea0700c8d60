"""The mutation check of coverage accounting (issue 11, item 2): change one word of a question
the engine answers and ask again; the answer must change or be refused, never stay the same SQL.

Kinds of change, each on one token of the question:

- **drop**: the word deleted ("customers not in Germany" -> "customers in Germany");
- **swap**: a comparison or direction word for its opposite (above/below, most/least,
  ascending/descending, before/after, with/without, ...);
- **number**: a number one higher ("above 30" -> "above 31", "top 3" -> "top 4");
- **unknown**: the word (any word, framing ones too) replaced by a made-up one, which nothing
  can place;
- **column / table / value** (schema_swaps, needs the schema): a column, table or stored value
  the question names replaced by another one of the same schema.

Not dropped: GRAMMAR, words that only frame a question in English ("what are the", "show me",
"of", "in"): deleting them leaves the same question. That list is this check's own judgement
and deliberately narrower than the engine's FUNCTION list (lexicon.py), so a word the engine
calls a function word but which carries meaning ("current", "available") shows up here.

Anything else that keeps the same SQL is a word the engine ignored although it may carry
meaning: a gap in coverage accounting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .lexicon import FUNCTION
from .tokens import Token, tokenize

GRAMMAR = set(
    """a an the of is are was were be been being do does did what which who whom whose show
    list give find tell display return get me us i we you please there it its they their them
    this these those that all each in on at for with as and to from by than 's s can could
    would will shall should also along together respective respectively""".split()
)

# Opposites, general English; the replacement keeps the question grammatical.
_PAIRS = [
    ("above", "below"), ("over", "under"), ("more", "less"), ("fewer", "more"),
    ("greater", "less"), ("larger", "smaller"), ("bigger", "smaller"), ("higher", "lower"),
    ("most", "least"), ("fewest", "most"), ("highest", "lowest"), ("largest", "smallest"),
    ("biggest", "smallest"), ("greatest", "least"), ("maximum", "minimum"), ("max", "min"),
    ("oldest", "youngest"), ("older", "younger"), ("earliest", "latest"),
    ("earlier", "later"), ("ascending", "descending"), ("asc", "desc"),
    ("increasing", "decreasing"), ("before", "after"), ("longest", "shortest"),
    ("longer", "shorter"), ("average", "maximum"), ("mean", "maximum"), ("total", "average"),
    ("sum", "average"), ("with", "without"), ("without", "with"), ("first", "last"),
]  # fmt: skip
SWAPS: dict[str, str] = {}
for _a, _b in _PAIRS:
    SWAPS.setdefault(_a, _b)
    SWAPS.setdefault(_b, _a)

# Words that always carry an operator in English: dropping one must change the answer. Other
# drops may leave an equally complete question ("the total revenue" / "the revenue", "top 5
# products" / "5 products", "product price" / "price" when only products have one), so the
# check counts them but does not hold them to it.
MEANING = set(
    """not no never without none nor except excluding above below over under more less fewer
    greater smaller larger higher lower most least fewest highest lowest maximum minimum max
    min average mean between before after since until descending desc decreasing""".split()
)

UNKNOWN = "zorblax"
KINDS = ("drop", "swap", "number", "unknown")


@dataclass(frozen=True)
class Mutation:
    kind: str  # drop | swap | number | unknown
    word: str  # the token changed, folded
    question: str  # the changed question
    function_word: bool = False  # the engine lists the word as carrying nothing
    at: int = -1  # index of the token changed (tokenize's)


def mutations(question: str, kinds: tuple[str, ...] = KINDS) -> list[Mutation]:
    """Every one-token change of `question` this check makes."""
    out = []
    for at, token in enumerate(tokenize(question)):
        if token.kind == "quoted":
            continue  # a quoted value: changing it is a value the data may not hold
        for kind, replacement in _changes(token):
            if kind in kinds:
                text = question[: token.start] + replacement + question[token.end :]
                text = " ".join(text.split())
                out.append(Mutation(kind, token.low, text, token.low in FUNCTION, at))
    return out


def _changes(token: Token) -> list[tuple[str, str]]:
    if token.is_number:
        number = token.number + 1
        return [("number", str(int(number)) if number == int(number) else str(number))]
    # A made-up word in any place must be refused, a framing word's place included: a rule
    # that skips whatever stands there would take it silently.
    changes = (
        [("unknown", UNKNOWN)] if token.low in GRAMMAR else [("drop", ""), ("unknown", UNKNOWN)]
    )
    if token.low in SWAPS:
        swapped = SWAPS[token.low]
        changes.append(("swap", swapped.capitalize() if token.text[:1].isupper() else swapped))
    return changes


def must_change(m: Mutation) -> bool:
    """This change must not keep the SQL: a swap (of a word or of a schema name), a number, a
    made-up word, or a dropped word of MEANING."""
    return m.kind != "drop" or m.word in MEANING


def same_sql(question: str, ask: Callable[[str], str | None], kinds=KINDS) -> list[Mutation]:
    """The changes of `question` that `ask` (question -> SQL, None when refused) answers with
    the very SQL of the question itself: words the engine did not read. [] when the question
    itself is refused."""
    sql = ask(question)
    if not sql:
        return []
    return [m for m in mutations(question, kinds) if ask(m.question) == sql]


def schema_swaps(question: str, lex) -> list[Mutation]:
    """Changes that need the schema: a column the question names swapped for another column
    of the same table and kind (text / number), a table for another table, a stored value for
    another value of its column. Each names something else, so none may keep the SQL. []
    when the question is refused."""
    from .engine import understand
    from .index import name_words
    from .reader import Refusal

    tokens = tokenize(question)
    try:
        understood = understand(question, lex)
    except Refusal:
        return []
    mentions, read = understood.mentions, understood.interpretation.tables()
    out = []
    for m in mentions:
        if m.start >= len(tokens) or m.end > len(tokens) or m.end <= m.start:
            continue  # a mention the reader made up (an implied column): no words to swap
        said = set(m.text.lower().split())
        other = None
        # The column meant: of those the words name in full, the one in a table the query reads.
        exact = [r for r in m.columns if r.exact and r.table.qualified_name in read]
        if m.kind == "column" and len({r.key for r in exact}) == 1:
            ref = exact[0]
            numeric = lex.is_numeric(ref.column)
            other = next(
                (
                    " ".join(name_words(c.name))
                    for c in ref.table.columns
                    if c.name != ref.column.name
                    and lex.is_numeric(c) == numeric
                    and not lex.words.is_key(ref.table, c)
                    and not said & set(name_words(c.name))
                ),
                None,
            )
            kind = "column"
        elif m.kind == "table" and len(m.tables) == 1:
            other = next(
                (
                    " ".join(name_words(t.name))
                    for t in lex.document.tables
                    if t is not m.tables[0] and not said & set(name_words(t.name))
                ),
                None,
            )
            kind = "table"
        elif m.kind == "value" and len({(v.table.name, v.column.name) for v in m.values}) == 1:
            v = m.values[0]
            other = next(
                (
                    str(x.value)
                    for refs in lex.values.values()
                    for x in refs
                    if x.column is v.column
                    and x.table is v.table
                    and str(x.value).lower() != str(v.value).lower()
                    and not said & set(str(x.value).lower().split())
                ),
                None,
            )
            kind = "value"
        if other:
            text = question[: tokens[m.start].start] + other + question[tokens[m.end - 1].end :]
            out.append(Mutation(kind, m.text, " ".join(text.split()), False, m.start))
    return out


# Changes that keep the meaning: the answer may be refused but must not be another answer.
_SAME_MEANING = {"the", "all", "please", "me", "a", "an"}
_OPENERS = [
    ("what are the ", "List the "), ("show ", "List "), ("find ", "Show "),
    ("give me ", "Show "), ("list ", "Show "), ("return ", "Show "), ("which ", "What "),
    ("what is the ", "Show the "),
]  # fmt: skip
# Words and phrases said another way, anywhere in the question (general English synonyms).
_REWORDINGS = [
    ("sorted by", "ordered by"), ("ordered by", "sorted by"), ("for each", "for every"),
    ("different", "distinct"), ("distinct", "different"), ("number of", "count of"),
    ("more than", "greater than"), ("greater than", "more than"),
    ("in descending order", "in decreasing order"), ("in ascending order", "in increasing order"),
]  # fmt: skip


def paraphrases(question: str) -> list[Mutation]:
    """The question with one word that adds nothing dropped ("the", "all", "please"), its
    opening said another way ("Find" -> "Show", "Which" -> "What") or a phrase reworded
    ("sorted by" -> "ordered by", "different" -> "distinct"): kind "paraphrase"."""
    out = [
        Mutation("paraphrase", t.low, " ".join((question[: t.start] + question[t.end :]).split()))
        for t in tokenize(question)
        if t.low in _SAME_MEANING
    ]
    for opener, other in _OPENERS:
        if question.lower().startswith(opener):
            out.append(Mutation("paraphrase", opener.strip(), other + question[len(opener) :]))
    for said, other in _REWORDINGS:
        found = re.search(rf"\b{said}\b", question, re.IGNORECASE)
        if found:
            text = question[: found.start()] + other + question[found.end() :]
            out.append(Mutation("paraphrase", said, text))
    return out
