"""Writing SQL behind one interface, whichever engine writes it.

`answer_question` talks only to a `SqlGenerator`: `prepare` gathers what the generator reads
(the LLM's schema context; nothing for the built-in engine, which reads the schema itself),
`first` writes the first SQL, `again` a corrected one after validation or the database
rejected it (None: no further round; the deterministic built-in engine never has one), and
`answer_text` turns the rows into the answer's sentence. Both engines return the same
`Generated`; a failure the user should read is a `GenerationError` (anything else is a bug
and propagates). `sql_generator_for(settings)` chooses: the model LLM_MODEL names, else the
built-in engine. Tests may pass their own implementation to answer_question.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from connections.dialects.schema import SchemaDocument

from . import exposure
from .context import SchemaContext, build_context
from .followup import resolve_followup
from .retrieval import retrieve_points
from .types import Generated, Turn

logger = logging.getLogger(__name__)

DATAPOINTS_IN_CONTEXT = 8  # business context retrieved for the LLM per question
CANDIDATE_TEMPERATURE = 0.7  # self-consistency samples; the first query stays at 0


@dataclass(frozen=True)
class Request:
    """One question on one database: everything a generator may read."""

    question: str
    dialect: str
    document: SchemaDocument
    profiles: dict
    points: tuple = ()  # DataPoints of the database and global ones
    history: tuple[Turn, ...] = ()
    today: date | None = None  # what relative dates count from
    context: SchemaContext | None = None  # the LLM's prompt context, filled by `prepare`
    # (sql, error) of the attempts that failed before the one `again` is asked about, oldest
    # first, so that a correction round sees every earlier mistake (the pipeline fills it).
    failures: tuple[tuple[str, str], ...] = ()
    # What of the data the model may see (chat.answering.exposure): the database's level
    # ("" for the server's default) and its sensitive (table, column) pairs, masked.
    exposure: str = ""
    sensitive: frozenset = frozenset()
    database: str = ""  # the connection's name, for the audit log of model calls


class GenerationError(Exception):
    """The generator could not write SQL; `user_message` is fit to show, `usage` holds the
    model calls made before it failed (tokens are spent all the same)."""

    def __init__(self, user_message: str, *, usage: dict | None = None):
        super().__init__(user_message)
        self.user_message = user_message
        self.usage = usage or {}


class SqlGenerator(ABC):
    name: str = ""  # stored with every answer and run: "builtin" or the model
    max_corrections: int = 0  # rounds of `again` after a failed SQL
    one_call_for_several: bool = False  # `first_for_databases` writes for all at once

    def prepare(self, request: Request) -> Request:
        """The request with whatever `first` and `again` read (timed as "context")."""
        return request

    @abstractmethod
    def first(self, request: Request) -> Generated:
        """The first SQL (or a refusal). Raises GenerationError."""

    def again(self, request: Request, failed_sql: str, error: str) -> Generated | None:
        """A new SQL after `failed_sql` failed with `error`; None when there is nothing else
        to try. Raises GenerationError."""
        return None

    def first_for_databases(
        self, question: str, requests: dict[str, Request], history: Sequence[Turn]
    ) -> dict[str, Generated]:
        """First SQL for several databases (keyed like `requests`) in one go; {} when each
        database writes its own. Raises GenerationError."""
        return {}

    def cache_identity(self, question: str, history: Sequence[Turn]) -> dict:
        """What makes two questions the same answer for this generator (a result-cache key
        part): the question and, as it reads them, the earlier turns."""
        return {
            "q": _normal(question),
            "history": [_normal(t.question) for t in history],
            "engine": self.name,
        }

    def answer_text(self, generated: Generated, columns: list[str], rows: list[tuple]) -> str:
        """The answer's sentence, once the rows are known."""
        if generated.answer_template and rows:
            value = rows[0][0] if rows[0] else None
            try:
                return generated.answer_template.format(value=format_number(value), count=len(rows))
            except (KeyError, IndexError, ValueError):
                pass  # a template with other placeholders: fall back to the generic text
        if not rows:
            return "No rows matched."
        if len(rows) == 1 and len(columns) == 1:
            return f"The answer is {format_number(rows[0][0])}."
        return f"Found {len(rows):,} row{'s' if len(rows) != 1 else ''}."


class BuiltinGenerator(SqlGenerator):
    """The offline engine (chat.answering.builtin). It reads one question at a time, so a
    follow-up is first rewritten into a whole question (chat.answering.followup)."""

    name = "builtin"

    def first(self, request: Request) -> Generated:
        from . import builtin  # imported when used: an LLM deployment never loads it

        try:
            return builtin.generate(
                resolve_followup(request.question, request.history),
                document=request.document,
                profiles=request.profiles,
                dialect=request.dialect,
                history=list(request.history),
                points=request.points,  # it matches names exactly, so it can see them all
                today=request.today or date.today(),
            )
        except Exception as error:  # a bug in it must still end in an answer
            logger.exception("The built-in engine failed on %r", request.question)
            raise GenerationError(
                "The built-in engine failed on this question; please rephrase it."
            ) from error

    def cache_identity(self, question: str, history: Sequence[Turn]) -> dict:
        # It reads history only through resolve_followup: the rewritten question is the key.
        return {
            "q": _normal(resolve_followup(question, history)),
            "history": [],
            "engine": self.name,
        }


class LlmGenerator(SqlGenerator):
    """A litellm model (chat.answering.llm): a prompt with the ranked schema context, JSON
    replies, correction rounds with the failed SQL and its error."""

    one_call_for_several = True
    # An empty result gets one extra round asking the model to check its filters (pipeline).
    checks_empty_results = True

    def __init__(
        self, model: str, *, max_corrections: int, budget_tokens: int, candidates: int = 1
    ):
        self.name = model
        self.max_corrections = max_corrections
        self.budget_tokens = budget_tokens
        # Self-consistency (LLM_CANDIDATES): the pipeline asks `more` for candidates beside
        # the first, runs them all and keeps the result most of them agree on.
        self.candidates = max(1, candidates)

    def prepare(self, request: Request) -> Request:
        with _about(request):  # the question's embedding (DataPoints retrieval) is logged too
            return replace(request, context=_context(request, self.budget_tokens))

    def first(self, request: Request) -> Generated:
        from . import llm

        with _model_errors(), _about(request):
            return llm.generate(request.question, context=request.context, dialect=request.dialect)

    def more(self, request: Request, count: int) -> list[Generated]:
        """`count` further candidates, sampled in parallel; failed calls are left out."""
        from concurrent.futures import ThreadPoolExecutor

        from . import gateway, llm

        at = gateway.current_deadline()  # the answer's deadline holds in these threads too
        about = gateway.current_about()  # and so does what the audit log records

        def one(_):
            try:
                with gateway.deadline(at), gateway.about(**about), _about(request):
                    return llm.generate(
                        request.question,
                        context=request.context,
                        dialect=request.dialect,
                        temperature=CANDIDATE_TEMPERATURE,
                    )
            except llm.LLMError:
                return None

        with ThreadPoolExecutor(max_workers=max(1, count)) as pool:
            return [g for g in pool.map(one, range(count)) if g is not None]

    def again(self, request: Request, failed_sql: str, error: str) -> Generated:
        from . import llm

        with _model_errors(), _about(request):
            return llm.correct(
                request.question,
                context=request.context,
                dialect=request.dialect,
                failed_sql=failed_sql,
                # A database error may quote a value of a row; below `values` it is cut.
                error=exposure.scrub_error(error, failed_sql, request.exposure),
                earlier=[
                    (sql, exposure.scrub_error(problem, sql, request.exposure))
                    for sql, problem in request.failures
                ],
            )

    def first_for_databases(
        self, question: str, requests: dict[str, Request], history: Sequence[Turn]
    ) -> dict[str, Generated]:
        """ONE call: the model sees every database's schema (the context budget shared among
        them) and decides which the question concerns; the others come back refused."""
        from . import gateway, llm

        if not requests:
            return {}
        budget = self.budget_tokens // len(requests)
        levels = {name: exposure.level_of(r.exposure) for name, r in requests.items()}
        with gateway.about(databases=levels):
            contexts = {
                name: _context(r, budget, show_history=False) for name, r in requests.items()
            }
        dialects = {name: r.dialect for name, r in requests.items()}
        # The conversation is shared: it goes at the level of the strictest database.
        shared = exposure.strictest(r.exposure for r in requests.values())
        history = exposure.restrict_history(history, shared, question)
        with _model_errors(), gateway.about(databases=levels):
            return llm.generate_multi(
                question, contexts=contexts, dialects=dialects, history=history
            )

    def answer_text(self, generated: Generated, columns: list[str], rows: list[tuple]) -> str:
        if not generated.explanation:
            return super().answer_text(generated, columns, rows)
        # The model wrote its sentence before the query ran: say what the query returned.
        if not rows:
            result = "no rows"
        elif len(rows) == 1 and len(columns) == 1:
            result = str(format_number(rows[0][0]))
        else:
            result = f"{len(rows):,} row{'s' if len(rows) != 1 else ''}"
        return f"{generated.explanation.rstrip()} Result: {result}."


def sql_generator_for(config: Any = None) -> SqlGenerator:
    """The generator the settings choose: LLM_MODEL's model when set, else the built-in one."""
    if config is None:
        from django.conf import settings as config
    if config.LLM_MODEL:
        return LlmGenerator(
            config.LLM_MODEL,
            max_corrections=config.LLM_MAX_CORRECTIONS,
            budget_tokens=config.CONTEXT_TOKEN_BUDGET,
            candidates=getattr(config, "LLM_CANDIDATES", 1),
        )
    return BuiltinGenerator()


class _model_errors:
    """Turns the LLM gateway's errors into GenerationError (same message, same usage)."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        from .llm import LLMError

        if isinstance(error, LLMError):
            raise GenerationError(error.user_message, usage=error.usage) from error
        return False


def _about(request: Request):
    """Model calls for this request are logged with its database and exposure level."""
    from . import gateway

    if not request.database:
        return gateway.about()
    return gateway.about(databases={request.database: exposure.level_of(request.exposure)})


def _context(request: Request, budget: int, **options) -> SchemaContext:
    """`options`: build_context's keywords (show_history)."""
    points = (
        retrieve_points(request.question, request.points, k=DATAPOINTS_IN_CONTEXT)
        if request.points
        else []
    )
    # The model reads the schema at the database's exposure level, never more.
    document, profiles = exposure.restrict(
        request.document, request.profiles, request.exposure, request.sensitive
    )
    history = exposure.restrict_history(request.history, request.exposure, request.question)
    return build_context(
        request.question,
        document=document,
        profiles=profiles,
        dialect=request.dialect,
        history=list(history),
        budget_tokens=budget,
        points=points,
        today=request.today,
        **options,
    )


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def format_number(value: object) -> object:
    """Whole numbers as such; fractions with 2 decimals, as money reads ("86.00", not "86"),
    alike whether the engine returned a float (SQLite) or a Decimal (PostgreSQL, MariaDB)."""
    if isinstance(value, bool):
        return value
    if (
        isinstance(value, Decimal)
        and value == value.to_integral_value()
        and value.as_tuple()[2] >= 0
    ):
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float | Decimal):
        if value and abs(value) < 0.01:
            return f"{value:.2g}"  # a small ratio is not zero
        return f"{value:,.2f}"
    return value
