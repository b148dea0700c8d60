"""The built-in engine as one pipeline of pure steps:
question -> tokens -> mentions -> Interpretation -> SQL (+ restatement and column labels)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from connections.dialects.schema import SchemaDocument

from ..types import Generated
from . import averages, unnamed
from .amounts import settle
from .comparison_words import reword
from .compiler import compile_sql
from .index import Lexicon, lexicon_for
from .interpretation import Interpretation
from .lexicon import WRITE_WORDS
from .mentions import Mention, find_mentions
from .metrics import point_mentions
from .reader import Refusal, read
from .restate import column_labels, restate
from .spelling import correct_typos
from .table_choice import settle_tables
from .tokens import tokenize
from .vocabulary import relabel

# Words that may come before the verb of a request ("please", "can you", "I want to").
REQUEST_OPENERS = {"please", "can", "could", "would", "will", "you", "kindly", "i", "we",
                   "want", "need", "to", "now", "let", "lets", "us"}  # fmt: skip


def asks_to_change(tokens) -> bool:
    """A request to change data: a write verb ("delete", "drop", "grant") that opens the
    question, after polite words only. Elsewhere the word is a noun or part of a question
    ("the total grant amount", "how many orders were set to paid") and must be read (or
    refused as not understood) like any other; the SQL guard refuses writes whatever the
    engine reads."""
    words = [t.low for t in tokens if t.kind == "word"]
    for word in words:
        if word in WRITE_WORDS:
            return True
        if word not in REQUEST_OPENERS:
            return False
    return False


@dataclass(frozen=True)
class Understood:
    mentions: tuple[Mention, ...]
    interpretation: Interpretation


def understand(
    question: str, lex: Lexicon, today=None, points: Sequence = (), dialect: str = "sqlite"
) -> Understood:
    """The reading of a question, or Refusal naming what was not understood."""
    tokens = tokenize(question)
    if not tokens:
        raise Refusal("The question is empty.")
    if asks_to_change(tokens):
        raise Refusal("I only answer questions by reading data; I never change it.")
    tokens = correct_typos(tokens, lex)
    mentions = settle_tables(find_mentions(tokens, lex), tokens)
    mentions = relabel(point_mentions(mentions, tokens, lex, points, dialect), lex)
    mentions = reword(mentions, lex)  # "25 or more", "under age 30", "25 years old"
    per_group = averages.split(mentions)
    try:
        if per_group is not None:
            rest, group = per_group
            it = averages.average_of_counts(read(rest, lex, today), group, lex)
        else:
            it = read(mentions, lex, today)
    except Refusal as exc:
        own = averages.per_own_row(mentions, lex, today, read)
        if own is not None:  # "the average quantity per order item": over its rows
            return Understood(mentions, settle(own, lex, mentions))
        unknown = [f"'{m.text}'" for m in mentions if m.kind == "unknown"]
        if unknown and not any(u in str(exc) for u in unknown):
            raise Refusal(f"{str(exc)[:-1]}; I do not know {', '.join(unknown)}.") from exc
        raise
    filters = tuple(f for m in mentions for f in m.extra.get("filters", ()))
    it = replace(it, filters=it.filters + tuple(f for f in filters if f not in it.filters))
    it = settle(it, lex, mentions)
    if not it.outputs and not it.whole_rows:
        # A reading that shows nothing ("Find the of the screen modes used by both ...") is a
        # gap in a rule, not an answer: refuse rather than compile or restate it.
        raise Refusal("I could not tell what to show; please name a column.")
    if unnamed.gate_enabled() and (shown := unnamed.unnamed_outputs(it, mentions)):
        table = lex.table(it.subject).name
        raise Refusal(
            f"I could not tell which columns of {table} to show (I would have guessed "
            f"{', '.join(shown)}); please name them, e.g. 'the {shown[0]} of ...'."
        )
    return Understood(mentions, it)


def answer(
    question: str,
    *,
    document: SchemaDocument,
    profiles: dict,
    dialect: str,
    today=None,
    points: Sequence = (),
) -> Generated:
    text = (question or "").strip()
    if not text:
        return _refuse("The question is empty.")
    if len(text) > 1000:
        return _refuse("The question is too long for the built-in engine; please shorten it.")
    lex = lexicon_for(document, profiles)
    try:
        understood = understand(text, lex, today or date.today(), points, dialect)
        it = understood.interpretation
        sql = compile_sql(it, lex, dialect)
    except Refusal as exc:
        reason = str(exc)
        if not profiles and reason.startswith("I could not place"):
            reason = reason[:-1] + _NO_PROFILES
        return _refuse(reason)
    meaning = restate(it, lex)
    template = ""
    outputs = it.outputs
    if len(outputs) == 1 and outputs[0].agg and (it.outer or not (it.group_by or it.group_rows)):
        template = f"The {meaning} is {{value}}."
        if meaning.startswith("number of ") and outputs[0].column is None and not it.outer:
            template = f"There are {{value}} {meaning[len('number of ') :]}."
    return Generated(
        sql=sql,
        explanation=f"Read as: {meaning}.",
        answer_template=template,
        interpretation=meaning,
        column_labels=column_labels(it, lex),
        note=" ".join(it.notes),
    )


_NO_PROFILES = (
    "; column profiles have not been collected for this database — profile it (Extract schema "
    "with column profiles, or Profile columns on its schema page) so I can match the values "
    "it holds."
)


def _refuse(reason: str) -> Generated:
    return Generated(sql=None, refused=True, reason=reason, explanation=reason)
