"""One question against one connection: context, generation, validation, execution, answer.

Every way this can go wrong ends in an Answer (refused or with `error` set), never in an
exception for the caller to catch, and never in a write: the guard and the database's
read-only session stand between any generated text and the data.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings

from connections.dialects import ConnectorError
from connections.dialects.schema import SchemaDocument
from connections.models import Connection
from schemas_app.datapoints import load_candidates, retrieve
from schemas_app.services import latest_snapshot, snapshot_document, snapshot_profiles

from .context import build_context
from .followup import is_followup
from .types import Answer, Attempt, Generated, Turn
from .validation import validate_sql

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4000
DATAPOINTS_IN_CONTEXT = 8  # business context retrieved for the LLM per question

# Requests to change data are refused before any generator sees them: the guard would block
# the SQL anyway, but a plain refusal is the clearer answer. Only imperative forms and SQL
# write syntax count, so "which orders were updated last week" still gets answered.
_WRITE_REQUEST = re.compile(
    r"^\W*(?:(?:please|kindly|now|then|and)\s+|(?:can|could|would|will)\s+you\s+(?:please\s+)?)*"
    r"(?:delete|drop|truncate|update|insert|alter|create|remove|erase|wipe|purge|modify|"
    r"rename|grant|revoke|overwrite)\b",
    re.IGNORECASE,
)
_WRITE_SQL = re.compile(
    r"\b(?:delete\s+from|drop\s+(?:table|database|schema|view|index)|insert\s+into|"
    r"update\s+\S+\s+set|truncate\s+(?:table\s+)?\w|alter\s+table|create\s+(?:table|database|"
    r"view|index|user)|grant\s+\w+\s+on)\b",
    re.IGNORECASE,
)
_WRITE_ANYWHERE = re.compile(
    r"\b(?:delete|drop|truncate|erase|wipe|purge)\s+(?:all|every|the|each|them|it|\w+\s+table)\b",
    re.IGNORECASE,
)
WRITE_REFUSAL = "I only answer questions by reading data; I never change, add or delete it."
NO_EARLIER_QUESTION = (
    "This reads as a follow-up, but there is no earlier question in this conversation; "
    "please ask the whole question."
)


@dataclass(frozen=True)
class LoadedSchema:
    """What answering needs from the system database, read up front.

    Callers that answer on several databases in worker threads load this in their own thread
    first, so the workers talk only to the target databases and the LLM (no Django database
    connection per thread); `snapshot_id` also keys result caches.
    """

    snapshot_id: int | None
    document: SchemaDocument | None
    profiles: dict
    points: tuple = ()  # DataPoints of this connection + global ones (schemas_app.datapoints)


def load_schema(connection: Connection) -> LoadedSchema:
    snapshot = latest_snapshot(connection)
    if snapshot is None:
        return LoadedSchema(None, None, {})
    return LoadedSchema(
        snapshot.pk,
        snapshot_document(snapshot.pk),
        snapshot_profiles(snapshot.pk),
        load_candidates(connection),
    )


def write_request(question: str) -> bool:
    return bool(
        _WRITE_REQUEST.search(question)
        or _WRITE_SQL.search(question)
        or _WRITE_ANYWHERE.search(question)
    )


def answer_question(
    connection: Connection,
    question: str,
    *,
    history: Sequence[Turn] = (),
    max_rows: int | None = None,
    schema: LoadedSchema | None = None,
    generated: Generated | None = None,
    today: date | None = None,
    query_timeout: float | None = None,
) -> Answer:
    """`generated`: with an LLM, the first SQL already written for this database (by the one
    call of generate_for_databases); validation, execution and correction rounds are the same.
    `today`: the date relative dates count from ("last year" is the calendar year before
    today's); the real date unless given, so tests and question sets can fix it.
    `query_timeout`: the server-side statement timeout of each query (QUERY_TIMEOUT_SECONDS
    unless a caller has a shorter deadline)."""
    started = time.monotonic()
    timings: dict[str, float] = {}
    question = (question or "").strip()
    engine_name = settings.LLM_MODEL or "builtin"

    def finish(answer: Answer) -> Answer:
        answer.engine = engine_name
        answer.timings_ms = {**timings, "total": _ms(started)}
        return answer

    if not question:
        return finish(Answer(question, "Please type a question.", None, refused=True))
    if len(question) > MAX_QUESTION_CHARS:
        return finish(
            Answer(
                question[:200],
                f"The question is too long ({len(question):,} characters; at most "
                f"{MAX_QUESTION_CHARS:,}). Please shorten it.",
                None,
                refused=True,
            )
        )
    if write_request(question):
        return finish(Answer(question, WRITE_REFUSAL, None, refused=True))
    if not history and is_followup(question):
        # "and by country?" as the first question: any answer would be a guess.
        return finish(Answer(question, NO_EARLIER_QUESTION, None, refused=True))
    today = today or date.today()

    schema = schema or load_schema(connection)
    document, profiles = schema.document, schema.profiles
    if document is None:
        message = (
            f"{connection.name} has no schema yet: extract the schema first "
            f"(manage.py extract_schema {connection.name})."
        )
        return finish(Answer(question, message, None, error=message))
    kind = connection.kind
    max_rows = max_rows or settings.QUERY_MAX_ROWS
    history = list(history)

    from .builtin import document_answer

    # "Which tables exist?", "describe orders": the snapshot already holds the answer, for
    # either engine (an LLM would query the catalog, which the schema check does not allow).
    known = document_answer(question, document=document, profiles=profiles, dialect=kind)
    if known is not None:
        return finish(
            Answer(question, known.explanation, None, columns=known.columns, rows=known.rows)
        )

    phase = time.monotonic()
    # With `generated` this context serves only correction rounds, for this database alone.
    context = _context(question, schema, kind, history, settings.CONTEXT_TOKEN_BUDGET, today=today)
    timings["context"] = _ms(phase)

    attempts: list[Attempt] = []
    usage_calls: list[dict] = []
    use_llm = bool(settings.LLM_MODEL)
    preset = generated  # `generated` is reused below for each round's SQL
    if use_llm:
        from . import llm

        def first() -> Generated:
            if preset is not None:
                return preset
            return llm.generate(question, context=context, dialect=kind)

        def again(failed_sql: str, error: str) -> Generated:
            return llm.correct(
                question, context=context, dialect=kind, failed_sql=failed_sql, error=error
            )

        rounds = settings.LLM_MAX_CORRECTIONS
        model_errors: tuple[type[Exception], ...] = (llm.LLMError,)
    else:
        from . import builtin  # the other generator; imported only when it is used
        from .followup import resolve_followup  # the LLM reads the history in its prompt

        def first() -> Generated:
            return builtin.generate(
                resolve_followup(question, history),
                document=document,
                profiles=profiles,
                dialect=kind,
                history=history,
                points=schema.points,  # it matches names exactly, so it can see them all
                today=today,
            )

        again = None
        rounds = 0  # deterministic: asking again would give the same SQL
        model_errors = (Exception,)  # a bug in it must still end in an answer

    def generate(step) -> Generated | Answer:
        phase = time.monotonic()
        try:
            generated = step()
        except model_errors as error:  # the LLM is down, slow or answering nonsense
            usage_calls.extend(getattr(error, "usage", {}).get("calls", []))
            message = getattr(error, "user_message", "")
            if not message:
                logger.exception("The built-in engine failed on %r", question)
                message = "The built-in engine failed on this question; please rephrase it."
            return Answer(question, message, None, error=message, attempts=attempts)
        finally:
            timings["generate"] = timings.get("generate", 0.0) + _ms(phase)
        usage_calls.extend(generated.usage.get("calls", []))
        return generated

    generated = generate(first)
    engine = connection.engine()
    last_error = ""
    for round_ in range(rounds + 1):
        if isinstance(generated, Answer):
            return finish(_with_usage(generated, usage_calls))
        if not generated.refused and not generated.sql and generated.explanation:
            answer = Answer(  # answered from the schema document, without SQL
                question,
                generated.explanation,
                None,
                columns=generated.columns,
                rows=generated.rows,
                attempts=attempts,
            )
            return finish(_with_usage(answer, usage_calls))
        if generated.refused or not generated.sql:
            reason = generated.reason or "I could not write a query for this question."
            answer = Answer(question, reason, None, refused=True, attempts=attempts)
            return finish(_with_usage(answer, usage_calls))

        phase = time.monotonic()
        # LIMIT one row more than kept, so that the engine can tell the result was cut.
        validated = validate_sql(generated.sql, document=document, kind=kind, limit=max_rows + 1)
        timings["validate"] = timings.get("validate", 0.0) + _ms(phase)
        shown = validated.shown or validated.sql
        if validated.sql is None:
            last_error = validated.error
            attempts.append(Attempt(generated.sql, "invalid", validated.error, _ms(phase)))
        else:
            phase = time.monotonic()
            try:
                result = engine.execute(
                    validated.sql,
                    max_rows=max_rows,
                    timeout=query_timeout or settings.QUERY_TIMEOUT_SECONDS,
                )
            except ConnectorError as error:
                timings["execute"] = timings.get("execute", 0.0) + _ms(phase)
                last_error = error.user_message
                attempts.append(
                    Attempt(
                        shown,
                        "error",
                        error.user_message,
                        _ms(phase),
                        executed_sql=validated.sql,
                    )
                )
                if error.transient:
                    break  # the database is down or slow: another SQL would not help
            else:
                timings["execute"] = timings.get("execute", 0.0) + _ms(phase)
                attempts.append(
                    Attempt(
                        shown,
                        "ok",
                        "",
                        result.duration_ms,
                        result.row_count,
                        executed_sql=validated.sql,
                    )
                )
                text = _answer_text(generated, result.columns, result.rows, use_llm)
                answer = Answer(
                    question,
                    f"{text} {generated.note}" if generated.note else text,
                    shown,  # our LIMIT max_rows + 1 is not part of the answer
                    columns=result.columns,
                    rows=result.rows,
                    truncated=result.truncated,
                    attempts=attempts,
                )
                return finish(_with_usage(answer, usage_calls))
        if round_ == rounds or again is None:
            break
        failed_sql = generated.sql
        generated = generate(lambda sql=failed_sql, err=last_error: again(sql, err))

    last_sql = attempts[-1].sql if attempts else None
    if len(attempts) > 1:
        message = f"No working query after {len(attempts)} attempts. Last error: {last_error}"
    else:
        message = f"The query could not be run: {last_error}"
    answer = Answer(question, message, last_sql, error=message, attempts=attempts)
    return finish(_with_usage(answer, usage_calls))


def generate_for_databases(
    question: str,
    targets: Sequence[tuple[Connection, LoadedSchema]],
    *,
    history: Sequence[Turn] = (),
    today: date | None = None,
) -> dict[str, Generated]:
    """First SQL for several databases from ONE LLM call, keyed by connection name.

    The model sees every database's schema (the context budget shared among them) and decides
    which the question concerns; the others come back refused as not concerned. Questions
    answer_question refuses before generating (empty, too long, writes) and databases with no
    schema yet get no entry: it answers those itself, without the model. Raises llm.LLMError.
    Reads nothing from the system database, like answer_question given a schema.
    """
    from . import llm

    question = (question or "").strip()
    if not question or len(question) > MAX_QUESTION_CHARS or write_request(question):
        return {}
    if not history and is_followup(question):
        return {}  # answer_question refuses it: nothing to follow up on
    ready = [(c, s) for c, s in targets if s.document is not None]
    if not ready:
        return {}
    budget = settings.CONTEXT_TOKEN_BUDGET // len(ready)
    contexts = {
        c.name: _context(question, s, c.kind, history, budget, show_history=False, today=today)
        for c, s in ready
    }
    return llm.generate_multi(
        question, contexts=contexts, dialects={c.name: c.kind for c, _ in ready}, history=history
    )


def _context(question, schema: LoadedSchema, kind: str, history, budget: int, **options):
    """`options`: build_context's keywords (show_history, today)."""
    points = retrieve(question, schema.points, k=DATAPOINTS_IN_CONTEXT) if schema.points else []
    return build_context(
        question,
        document=schema.document,
        profiles=schema.profiles,
        dialect=kind,
        history=list(history),
        budget_tokens=budget,
        points=points,
        **options,
    )


def _answer_text(generated: Generated, columns: list[str], rows: list[tuple], use_llm: bool) -> str:
    if use_llm and generated.explanation:
        # The model wrote its sentence before the query ran: say what the query returned.
        if not rows:
            result = "no rows"
        elif len(rows) == 1 and len(columns) == 1:
            result = str(_number(rows[0][0]))
        else:
            result = f"{len(rows):,} row{'s' if len(rows) != 1 else ''}"
        return f"{generated.explanation.rstrip()} Result: {result}."
    if generated.answer_template and rows:
        value = rows[0][0] if rows[0] else None
        try:
            return generated.answer_template.format(value=_number(value), count=len(rows))
        except (KeyError, IndexError, ValueError):
            pass  # a template with other placeholders: fall back to the generic text
    if not rows:
        return "No rows matched."
    if len(rows) == 1 and len(columns) == 1:
        return f"The answer is {_number(rows[0][0])}."
    return f"Found {len(rows):,} row{'s' if len(rows) != 1 else ''}."


def _number(value: object) -> object:
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


def _with_usage(answer: Answer, calls: list[dict]) -> Answer:
    if calls:
        answer.usage = {
            "model": settings.LLM_MODEL,
            "calls": calls,
            "prompt_tokens": sum(c["prompt_tokens"] for c in calls),
            "completion_tokens": sum(c["completion_tokens"] for c in calls),
            "latency_ms": round(sum(c["latency_ms"] for c in calls), 1),
        }
    return answer


def _ms(since: float) -> float:
    return round((time.monotonic() - since) * 1000, 2)
