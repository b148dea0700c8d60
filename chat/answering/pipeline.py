"""One question against one connection: context, generation, validation, execution, answer.

Every way this can go wrong ends in an Answer (refused or with `error` set), never in an
exception for the caller to catch, and never in a write: the guard and the database's
read-only session stand between any generated text and the data.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from django.conf import settings

from connections import exposure
from connections.dialects import ConnectorError
from connections.dialects.schema import SchemaDocument
from connections.models import Connection
from schemas_app.datapoints import load_candidates
from schemas_app.services import latest_snapshot, snapshot_document, snapshot_profiles

from .exposure import sensitive_columns
from .followup import is_followup
from .generators import GenerationError, Request, SqlGenerator, sql_generator_for
from .labels import column_labels
from .types import Answer, Attempt, Generated, Turn
from .validation import validate_sql

MAX_QUESTION_CHARS = 4000

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
    exposure: str = ""  # what of the data a model may see (connections.exposure)
    sensitive: frozenset = frozenset()  # (table, column) pairs masked in prompts


def load_schema(connection: Connection) -> LoadedSchema:
    snapshot = latest_snapshot(connection)
    level = exposure.effective(connection)
    if snapshot is None:
        return LoadedSchema(None, None, {}, exposure=level)
    return LoadedSchema(
        snapshot.pk,
        snapshot_document(snapshot.pk),
        snapshot_profiles(snapshot.pk),
        load_candidates(connection),
        exposure=level,
        sensitive=sensitive_columns(connection) if level == exposure.VALUES else frozenset(),
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
    generator: SqlGenerator | None = None,
) -> Answer:
    """Validate -> run -> correct: the generator writes SQL, the guard and the schema check
    judge it, the database runs it, and a failure goes back to the generator for at most
    `generator.max_corrections` rounds.

    `generated`: the first SQL already written for this database (by the one call of
    generate_for_databases). `today`: the date relative dates count from (the real date
    unless given, so tests and question sets can fix it). `query_timeout`: the server-side
    statement timeout of each query (QUERY_TIMEOUT_SECONDS unless a caller has a shorter
    deadline). `generator`: sql_generator_for(settings) unless given."""
    run = _Run(question, generator or sql_generator_for(settings))
    question = run.question
    refusal = _refusal(question, history)
    if refusal:
        shown = question if len(question) <= MAX_QUESTION_CHARS else question[:200]
        return run.finish(Answer(shown, refusal, None, refused=True))
    schema = schema or load_schema(connection)
    if schema.document is None:
        message = (
            f"{connection.name} has no schema yet: extract the schema first "
            "(Extract schema on the database page; staff can start it)."
        )
        return run.finish(Answer(question, message, None, error=message))
    kind = connection.kind

    from .builtin import document_answer

    # "Which tables exist?", "describe orders": the snapshot already holds the answer, for
    # either engine (an LLM would query the catalog, which the schema check does not allow).
    known = document_answer(
        question, document=schema.document, profiles=schema.profiles, dialect=kind
    )
    if known is not None:
        return run.finish(_from_schema(question, known, []))

    request = Request(
        question=question,
        dialect=kind,
        document=schema.document,
        profiles=schema.profiles,
        points=schema.points,
        history=tuple(history),
        today=today or date.today(),
        exposure=schema.exposure or exposure.effective(connection),
        sensitive=schema.sensitive,
        database=connection.name,
    )
    # With `generated` (already written) the prepared context serves correction rounds only.
    request = run.timed("context", run.generator.prepare, request)
    current = run.generate(lambda: generated or run.generator.first(request))
    engine = connection.engine()
    max_rows = max_rows or settings.QUERY_MAX_ROWS
    timeout = query_timeout or settings.QUERY_TIMEOUT_SECONDS
    if (
        isinstance(current, Generated)
        and current.sql
        and getattr(run.generator, "candidates", 1) > 1
    ):
        current = _vote(run, request, current, (engine, schema.document, kind, max_rows, timeout))
    failures: list[tuple[str, str]] = []  # every failed attempt goes back with the next round
    for round_ in range(run.generator.max_corrections + 1):
        if isinstance(current, Answer):  # the generator failed
            return run.finish(current)
        if current is None:
            break  # nothing more to try
        if not current.sql:
            return run.finish(_without_sql(question, current, run.attempts))
        answer = run.try_sql(current, engine, schema.document, kind, max_rows, timeout)
        if answer is not None:
            # The second look is one of the correction rounds, so the model is never asked
            # more often than LLM_TIMEOUT x (1 + LLM_MAX_CORRECTIONS) allows for.
            recheck = round_ < run.generator.max_corrections
            if recheck and _empty(answer) and getattr(run.generator, "checks_empty_results", False):
                execute = (engine, schema.document, kind, max_rows, timeout)
                answer = _recheck_empty(run, request, failures, current, answer, execute)
            return run.finish(answer)
        if run.stop or round_ == run.generator.max_corrections:
            break
        failed = current.sql
        asked = replace(request, failures=tuple(failures))
        failures.append((failed, run.last_error))
        current = run.generate(
            lambda r=asked, sql=failed, error=run.last_error: run.generator.again(r, sql, error)
        )
    return run.finish(run.failure())


def _vote(run: _Run, request: Request, first: Generated, execute: tuple) -> Generated:
    """Self-consistency (LLM_CANDIDATES): the generator's other candidates run beside the
    first, and the SQL whose result most candidates share wins (a tie goes to the group
    holding the first). Candidates that fail validation or the database do not vote; the
    winner then goes through the usual loop (and runs once more there)."""
    engine, document, kind, max_rows, timeout = execute
    others = run.timed("generate", run.generator.more, request, run.generator.candidates - 1)
    for other in others:
        run.usage_calls.extend(other.usage.get("calls", []))
    started = time.monotonic()
    groups: dict[str, list[Generated]] = {}
    for candidate in [first, *others]:
        if not candidate.sql:
            continue
        validated = validate_sql(candidate.sql, document=document, kind=kind, limit=max_rows + 1)
        if validated.sql is None:
            continue
        try:
            result = engine.execute(validated.sql, max_rows=max_rows, timeout=timeout)
        except ConnectorError:
            continue
        groups.setdefault(_result_key(result.rows), []).append(candidate)
    run.timings["vote"] = _ms(started)
    if not groups:
        return first
    best = max(groups.values(), key=lambda g: (len(g), any(c is first for c in g)))
    return best[0]


def _result_key(rows: list[tuple]) -> str:
    """The same answer whatever the column names or row order: rows as sorted values."""
    normal = [tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in rows]
    return repr(sorted(map(repr, normal)))


EMPTY_CAVEAT = (
    "No rows matched, even after the query's filters were checked once more: the values asked "
    "about may be spelled differently in the data, or there may truly be none."
)


def _empty(answer: Answer) -> bool:
    """No rows, or one row of nothing (an aggregate over no rows): worth a second look."""
    if not answer.rows:
        return True
    return len(answer.rows) == 1 and all(value is None for value in answer.rows[0])


def _recheck_empty(
    run: _Run,
    request: Request,
    failures: list[tuple[str, str]],
    generated: Generated,
    empty: Answer,
    execute: tuple,
) -> Answer:
    """One extra round for an empty result: the generator checks its filters and values.
    Rows from a new SQL answer; the same SQL again is the generator standing by "none";
    anything else (empty again, an error, no reply) keeps the empty answer with a caveat."""
    from .llm import EMPTY_RESULT

    asked = replace(request, failures=tuple(failures))
    checked = run.generate(lambda: run.generator.again(asked, generated.sql, EMPTY_RESULT))
    if isinstance(checked, Generated) and checked.sql:
        if _normal_sql(checked.sql) == _normal_sql(generated.sql):
            return empty
        answer = run.try_sql(checked, *execute)
        if answer is not None and not _empty(answer):
            return answer
    empty.text = f"{empty.text} {EMPTY_CAVEAT}"
    return empty


def _normal_sql(sql: str) -> str:
    return " ".join(sql.replace(";", " ").split()).lower()


def _refusal(question: str, history: Sequence[Turn]) -> str:
    """Why a question is refused before any generator sees it ("" when it is not)."""
    if not question:
        return "Please type a question."
    if len(question) > MAX_QUESTION_CHARS:
        return (
            f"The question is too long ({len(question):,} characters; at most "
            f"{MAX_QUESTION_CHARS:,}). Please shorten it."
        )
    if write_request(question):
        return WRITE_REFUSAL
    if not history and is_followup(question):
        # "and by country?" as the first question: any answer would be a guess.
        return NO_EARLIER_QUESTION
    return ""


def _from_schema(question: str, known: Generated, attempts: list[Attempt]) -> Answer:
    """An answer read from the schema document itself: no SQL, but a result table."""
    return Answer(
        question,
        known.explanation,
        None,
        columns=known.columns,
        rows=known.rows,
        attempts=attempts,
        interpretation=known.interpretation,
        column_labels=column_labels(known.columns, known.column_labels),
    )


def _without_sql(question: str, generated: Generated, attempts: list[Attempt]) -> Answer:
    if not generated.refused and generated.explanation:
        return _from_schema(question, generated, attempts)
    reason = generated.reason or "I could not write a query for this question."
    # What the engine did understand, when it says: the page shows it beside the refusal.
    return Answer(
        question,
        reason,
        None,
        refused=True,
        attempts=attempts,
        interpretation=generated.interpretation,
    )


class _Run:
    """The state of one answer: attempts, timings and model usage, and the one way out."""

    def __init__(self, question: str, generator: SqlGenerator):
        self.started = time.monotonic()
        self.question = (question or "").strip()
        self.generator = generator
        self.timings: dict[str, float] = {}
        self.attempts: list[Attempt] = []
        self.usage_calls: list[dict] = []
        self.last_error = ""
        self.stop = False  # the database is down or slow: another SQL would not help

    def timed(self, step: str, function, *args):
        phase = time.monotonic()
        try:
            return function(*args)
        finally:
            self.timings[step] = self.timings.get(step, 0.0) + _ms(phase)

    def generate(self, step) -> Generated | Answer | None:
        try:
            generated = self.timed("generate", step)
        except GenerationError as error:  # the LLM is down, slow or answering nonsense
            self.usage_calls.extend(error.usage.get("calls", []))
            message = error.user_message
            return Answer(self.question, message, None, error=message, attempts=self.attempts)
        if generated is not None:
            self.usage_calls.extend(generated.usage.get("calls", []))
        return generated

    def try_sql(self, generated: Generated, engine, document, kind, max_rows, timeout):
        """The Answer when the SQL passes validation and runs; else None, the attempt and
        its error recorded for the next round."""
        phase = time.monotonic()
        # LIMIT one row more than kept, so that the engine can tell the result was cut.
        validated = validate_sql(generated.sql, document=document, kind=kind, limit=max_rows + 1)
        self.timings["validate"] = self.timings.get("validate", 0.0) + _ms(phase)
        if validated.sql is None:
            self.last_error = validated.error
            self.attempts.append(Attempt(generated.sql, "invalid", validated.error, _ms(phase)))
            return None
        shown = validated.shown or validated.sql  # our LIMIT max_rows + 1 is not part of it
        phase = time.monotonic()
        try:
            result = engine.execute(validated.sql, max_rows=max_rows, timeout=timeout)
        except ConnectorError as error:
            self.timings["execute"] = self.timings.get("execute", 0.0) + _ms(phase)
            self.last_error = error.user_message
            self.stop = error.transient
            self.attempts.append(
                Attempt(shown, "error", error.user_message, _ms(phase), executed_sql=validated.sql)
            )
            return None
        self.timings["execute"] = self.timings.get("execute", 0.0) + _ms(phase)
        self.attempts.append(
            Attempt(
                shown, "ok", "", result.duration_ms, result.row_count, executed_sql=validated.sql
            )
        )
        text = self.generator.answer_text(generated, result.columns, result.rows)
        return Answer(
            self.question,
            f"{text} {generated.note}" if generated.note else text,
            shown,
            columns=result.columns,
            rows=result.rows,
            truncated=result.truncated,
            attempts=self.attempts,
            interpretation=generated.interpretation,
            column_labels=column_labels(
                result.columns, generated.column_labels, sql=shown, dialect=kind
            ),
            estimated_bytes=result.estimated_bytes,
        )

    def failure(self) -> Answer:
        last_sql = self.attempts[-1].sql if self.attempts else None
        if len(self.attempts) > 1:
            message = (
                f"No working query after {len(self.attempts)} attempts. "
                f"Last error: {self.last_error}"
            )
        else:
            message = f"The query could not be run: {self.last_error}"
        return Answer(self.question, message, last_sql, error=message, attempts=self.attempts)

    def finish(self, answer: Answer) -> Answer:
        answer.engine = self.generator.name
        answer.timings_ms = {**self.timings, "total": _ms(self.started)}
        calls = self.usage_calls
        if calls:
            answer.usage = {
                "model": self.generator.name,
                "calls": calls,
                "prompt_tokens": sum(c["prompt_tokens"] for c in calls),
                "completion_tokens": sum(c["completion_tokens"] for c in calls),
                "latency_ms": round(sum(c["latency_ms"] for c in calls), 1),
            }
        return answer


def generate_for_databases(
    question: str,
    targets: Sequence[tuple[Connection, LoadedSchema]],
    *,
    history: Sequence[Turn] = (),
    today: date | None = None,
    generator: SqlGenerator | None = None,
) -> dict[str, Generated]:
    """First SQL for several databases in one go, keyed by connection name, when the
    generator writes for several at once (an LLM: ONE call, the model choosing which
    databases the question concerns); {} otherwise. Questions answer_question refuses before
    generating and databases with no schema yet get no entry: it answers those itself.
    Raises GenerationError. Reads nothing from the system database."""
    generator = generator or sql_generator_for(settings)
    question = (question or "").strip()
    if not generator.one_call_for_several or _refusal(question, history):
        return {}
    requests = {
        c.name: Request(
            question,
            c.kind,
            s.document,
            s.profiles,
            s.points,
            tuple(history),
            today,
            exposure=s.exposure or exposure.effective(c),
            sensitive=s.sensitive,
            database=c.name,
        )
        for c, s in targets
        if s.document is not None
    }
    return generator.first_for_databases(question, requests, history)


def _ms(since: float) -> float:
    return round((time.monotonic() - since) * 1000, 2)
