"""The built-in engine's one entry point: a verified example when one asks the same thing,
else the pipeline (engine.py) with the DataPoints in scope."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

import sqlglot
import sqlglot.expressions as exp

from connections.dialects import SQLGLOT_DIALECTS
from connections.dialects.schema import SchemaDocument

from ..types import Generated, Turn
from .engine import answer
from .points import matching_example

logger = logging.getLogger(__name__)


def generate(
    question: str,
    *,
    document: SchemaDocument,
    profiles: dict,
    dialect: str,
    history: Sequence[Turn] = (),
    points: Sequence = (),
    today: date | None = None,
) -> Generated:
    """`points`: DataPoint candidates (schemas_app.datapoints.PointCandidate) in scope.
    `today`: what "last year"/"this year" count from (calendar years; default the real date).
    `history` is not read: a follow-up arrives already rewritten into a whole question."""
    text = (question or "").strip()

    def own() -> Generated:
        try:
            return answer(
                text,
                document=document,
                profiles=profiles,
                dialect=dialect,
                today=today or date.today(),
                points=points,
            )
        except Exception:  # a gap in the reader must end in a refusal, never a crash
            logger.exception("built-in engine failed on %r", text[:200])
            reason = "I could not understand this question well enough to answer it."
            return Generated(sql=None, refused=True, reason=reason, explanation=reason)

    example = matching_example(text, points)
    if example is None:
        return own()
    verified = Generated(
        sql=example.content["sql"],
        explanation=f'Uses the verified example query for "{example.content["question"]}".',
    )
    # The same query as the engine's own (an example saved from one of its answers): keep its
    # sentence and labels, so the answer reads the same either way.
    mine = own()
    if mine.sql and same_query(mine.sql, verified.sql, dialect):
        mine.explanation = verified.explanation
        return mine
    return verified


def same_query(own: str, example: str, dialect: str) -> bool:
    """Equal once parsed, identifiers unquoted. An example saved before the pipeline's row cap
    was kept internal ends in "LIMIT 10001" (QUERY_MAX_ROWS + 1): a LIMIT above 1,000 on it
    counts as no LIMIT when the engine's own query has none."""

    def parsed(sql: str) -> exp.Expression | None:
        try:
            tree = sqlglot.parse_one(sql, read=SQLGLOT_DIALECTS[dialect])
        except sqlglot.errors.ParseError:
            return None
        for identifier in tree.find_all(exp.Identifier):
            identifier.set("quoted", False)
        return tree

    left, right = parsed(own), parsed(example)
    if left is None or right is None:
        return False
    cap = right.args.get("limit")
    number = cap.expression if isinstance(cap, exp.Limit) else None
    if (
        left.args.get("limit") is None
        and isinstance(number, exp.Literal)
        and number.is_int
        and int(number.this) > 1000
    ):
        right.set("limit", None)
    return left.sql(dialect=SQLGLOT_DIALECTS[dialect]) == right.sql(
        dialect=SQLGLOT_DIALECTS[dialect]
    )
