"""Shorter names people use for a schema's tables and columns, derived from the names alone.

A column often repeats (part of) its table's name or carries a unit: Apartment_Bookings has
booking_start_date ("the start date of each booking"), Video_Games has GType ("the game
type"), a company table Sales_billion ("its sales"). A lookup table is prefixed Ref_
(Ref_Document_Types holds "the document types"), and a long table name is said by its last
two words (film_market_estimation: "market estimations"). Every rule here reads only the
words of the names, never a particular schema.
"""

from __future__ import annotations

from .lexicon import FUNCTION, PHRASES

# Words that open the name of a lookup (reference) table and add nothing to what its rows are.
LOOKUP_PREFIXES = {"ref", "reference", "lookup", "lkp", "lu"}
# The scale or unit a number is kept in, written at the end of its column's name: the column
# is the quantity itself ("market value" for Market_Value_billion, "price" for price_in_euro).
UNIT_SUFFIXES = {"billion", "million", "thousand", "hundred", "usd", "eur", "euro", "dollar",
                 "pound", "yen", "km", "kilometer", "kilometre", "mile",
                 "meter", "metre", "cm", "mm", "kg", "gram", "lb", "ton", "tonne"}  # fmt: skip


def table_words(words: tuple[str, ...]) -> tuple[str, ...]:
    """The words a table's rows are called by: Ref_Document_Types -> document type."""
    if len(words) > 1 and words[0] in LOOKUP_PREFIXES:
        return words[1:]
    return words


def table_aliases(words: tuple[str, ...], name: str = "") -> set[tuple[str, ...]]:
    """Further keys of a table, used only when no table or column is named so: the last two
    words of a longer name ("market estimation" for film_market_estimation), and the noun
    before "of" in a name such as Member_of_club (its rows are members)."""
    from .words import split_identifier

    bare = table_words(words)
    out = {bare[-2:]} if len(bare) > 2 else set()
    raw = split_identifier(name) if name else ()
    if "of" in raw[1:-1]:
        out.add(raw[: raw.index("of")])
    return out


def _abbreviates(word: str, table_word: str) -> bool:
    """ "booking" in booking_start_date of Apartment_Bookings, or the "g" of GType in
    Video_Games: the column's word is a table word, or a short prefix of one."""
    return word == table_word or (len(word) <= 3 and table_word.startswith(word))


def column_aliases(twords: tuple[str, ...], words: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Keys of a column beyond its full name: its words after the leading ones that repeat
    its table's name, and its words without a unit at the end."""
    out = set()
    k = 0
    while k < len(words) - 1 and any(_abbreviates(words[k], t) for t in twords):
        k += 1
    rest = words[k:]
    # Only when the words dropped say the table's head noun (its last word): SportName in
    # SportsInfo is the name of a sport, not of the table's rows.
    said = any(_abbreviates(w, twords[-1]) for w in words[:k]) if twords else False
    if said and _says_something(rest) and rest != ("name",):
        out.add(rest)  # a bare "name" alias is left to index.py's stricter rules
    for key in [words, *out]:
        if len(key) > 1 and key[-1] in UNIT_SUFFIXES and _says_something(key[:-1]):
            out.add(key[:-1])
    return out


def _says_something(key: tuple[str, ...]) -> bool:
    """Not a bare "id" (which key is meant needs the table) nor a role or function word."""
    if not key or key == ("id",) or key in PHRASES:
        return False
    return not (len(key) == 1 and key[0] in FUNCTION)


# Nouns people add after a column's own words: "phone number" for Phone, "enrollment
# number" for enr, "job title" for job, "director names" for a text column director.
NUMBER_NOUN = "number"
LABEL_NOUNS = ("name", "title")


def suffixed_keys(lex) -> None:
    """Keys "<column words> number" (a column that is no date) and "<column words> name" /
    "... title" (a text column), added after every other key and only where no column or
    table is named so already, nor is the column's name a table's (the "director name" of a
    schema with a director table is that table's name column)."""
    from .index import ColumnRef, name_words
    from .linking import TEXTUAL, is_temporal

    added: dict[tuple[str, ...], list] = {}
    for table in lex.document.tables:
        for column in table.columns:
            words = name_words(column.name)
            if not words or words in lex.tables or words[-1] in (NUMBER_NOUN, *LABEL_NOUNS):
                continue
            nouns = [] if is_temporal(column) else [NUMBER_NOUN]
            if TEXTUAL.search(column.type) and not lex.words.is_key(table, column):
                nouns += LABEL_NOUNS
            for noun in nouns:
                key = words + (noun,)
                if key not in lex.columns and key not in lex.tables:
                    added.setdefault(key, []).append(ColumnRef(table, column, exact=False))
    for key, refs in added.items():
        lex.columns[key] = refs
