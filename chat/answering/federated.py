"""Questions over linked databases: ONE federated query written by the model (issue 16).

When staff have declared links between databases of a chat (federation.CrossDatabaseLink),
the LLM sees every database under its alias, both schemas and the links, and writes one
query naming tables as `alias.table`; federation.services runs it (each side pushed down to
its own database through the guard and the read-only session, joined in DuckDB). A failed
plan or join goes back to the model for the usual correction rounds. The built-in engine
does not write federated SQL (README, Federated queries).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import date

from connections import exposure as exposures
from connections.models import Connection
from federation.models import CrossDatabaseLink
from federation.planner import FederationError
from federation.services import alias_for, run_federated

from . import exposure, gateway, llm
from .generators import GenerationError, Request, SqlGenerator, _context, _model_errors
from .labels import column_labels
from .types import Answer, Attempt, Generated, Turn

SYSTEM_PROMPT = (
    """You translate questions into ONE read-only SQL query over several databases that are
queried as one (a federated query, run by DuckDB). Write DuckDB SQL (close to PostgreSQL) and
name every table as <alias>.<table>, with the alias of its database given below; use only the
tables and columns listed. Tables of different databases join only through the declared links
listed below. Never write INSERT, UPDATE, DELETE, DDL or anything that changes data.
"""
    + llm.RULES
    + """
Reply with one JSON object and nothing else, either
{"sql": "<the query>", "explanation": "<one sentence saying what the query returns>"}
or, when the question cannot be answered from these databases or asks to change data,
{"refused": true, "reason": "<one sentence>"}"""
)


def links_between(connections: Sequence[Connection]) -> list[CrossDatabaseLink]:
    ids = [c.pk for c in connections]
    return list(
        CrossDatabaseLink.objects.filter(
            left_connection__in=ids, right_connection__in=ids
        ).select_related("left_connection", "right_connection")
    )


def answer_if_linked(
    question: str,
    targets: Sequence[tuple[Connection, object]],
    history: Sequence[Turn],
    generator: SqlGenerator,
    *,
    max_rows: int | None = None,
) -> tuple[Connection, Answer] | None:
    """(the first database, the federated Answer) when the chat's databases are linked;
    None otherwise (each database is then asked on its own). Reads the links here, in the
    caller's thread."""
    if len(targets) < 2:
        return None
    if any(schema.document is None for _, schema in targets):
        return None
    links = links_between([c for c, _ in targets])
    if not links:
        return None
    return targets[0][0], answer(question, targets, links, history, generator, max_rows)


def answer(question, targets, links, history, generator, max_rows) -> Answer:
    from .pipeline import _refusal

    started = time.monotonic()
    question = (question or "").strip()
    refusal = _refusal(question, history)
    if refusal:
        return Answer(question, refusal, None, refused=True, engine=generator.name)
    connections = [c for c, _ in targets]
    if generator.one_call_for_several:
        level = exposure.strictest([s.exposure or exposures.effective(c) for c, s in targets])
        messages = build_messages(question, targets, links, history, generator, level)
        write = _model_writer(messages, level)
    else:
        write = _builtin_writer(question, targets, links, history, generator)
    attempts: list[Attempt] = []
    usage: list[dict] = []
    failed: tuple[str, str] | None = None
    for _ in range(generator.max_corrections + 1):
        try:
            generated = write(failed)
        except GenerationError as error:
            usage += error.usage.get("calls", [])
            return _done(
                Answer(question, error.user_message, None, error=error.user_message),
                generator,
                attempts,
                usage,
                started,
            )
        usage += generated.usage.get("calls", [])
        if not generated.sql:
            reason = generated.reason or "I could not write a query for this question."
            return _done(
                Answer(question, reason, None, refused=True), generator, attempts, usage, started
            )
        phase = time.monotonic()
        try:
            result = run_federated(connections, generated.sql, max_rows=max_rows)
        except FederationError as error:
            attempts.append(Attempt(generated.sql, "error", str(error), _ms(phase)))
            failed = (generated.sql, str(error))
            continue
        attempts.append(
            Attempt(
                generated.sql,
                "ok",
                "",
                result.duration_ms,
                result.row_count,
                executed_sql=result.plan_text(),
            )
        )
        text = generator.answer_text(generated, result.columns, result.rows)
        # A side cut by its cap makes the join incomplete: the answer says so, first.
        notes = " ".join(result.notes)
        shown = f"{text} {notes}".strip() + f"\nPlan:\n{result.plan_text()}"
        return _done(
            Answer(
                question,
                shown,
                generated.sql,
                columns=result.columns,
                rows=result.rows,
                truncated=result.truncated or result.incomplete,
                interpretation=f"one query across {', '.join(c.name for c in connections)}",
                column_labels=column_labels(result.columns, []),
            ),
            generator,
            attempts,
            usage,
            started,
        )
    last = attempts[-1].error if attempts else "no query"
    message = f"No working federated query after {len(attempts)} attempts. Last error: {last}"
    return _done(
        Answer(question, message, attempts[-1].sql if attempts else None, error=message),
        generator,
        attempts,
        usage,
        started,
    )


def _model_writer(messages: list[dict[str, str]], level: str):
    """The model's query, and after a failure its correction (the conversation grows). The
    error goes back at the strictest database's exposure level: a value it quotes from a row
    is hidden below `values`, as on the single-database path."""

    def write(failed: tuple[str, str] | None) -> Generated:
        if failed is not None:
            messages.extend(
                [
                    {"role": "assistant", "content": json.dumps({"sql": failed[0]})},
                    {
                        "role": "user",
                        "content": "That SQL failed with this error:\n"
                        f"{exposure.scrub_error(failed[1], failed[0], level)}\n"
                        "Reply with a corrected query in the same JSON form (or refuse).",
                    },
                ]
            )
        with _model_errors():
            return llm._ask(messages, purpose="generate-federated")

    return write


def _builtin_writer(question, targets, links, history, generator):
    """The built-in engine over one merged schema: each database's tables under its alias,
    the links as foreign keys (federation.merged), so its joins cross databases through
    them. It writes once; there is no correction round."""
    from federation.merged import MERGED_DIALECT, merged_document
    from federation.planner import Database

    databases = [Database(alias_for(c), c.name, c.kind, s.document) for c, s in targets]
    profiles = {alias_for(c): s.profiles or {} for c, s in targets}
    document, merged_profiles = merged_document(databases, links, profiles)
    request = Request(
        question, MERGED_DIALECT, document, merged_profiles, (), tuple(history), date.today()
    )

    def write(failed: tuple[str, str] | None) -> Generated:
        return generator.first(request) if failed is None else Generated(sql=None)

    return write


def build_messages(question, targets, links, history, generator, level) -> list[dict[str, str]]:
    """The aliases, each database's schema (the context budget shared) and the links. The
    conversation is shared: it goes at `level`, the strictest of the databases' levels."""
    budget = getattr(generator, "budget_tokens", 3000) // len(targets)
    history = exposure.restrict_history(history, level, question)
    blocks = []
    for connection, schema in targets:
        request = Request(
            question,
            connection.kind,
            schema.document,
            schema.profiles,
            schema.points,
            (),
            date.today(),
            exposure=schema.exposure or exposures.effective(connection),
            sensitive=schema.sensitive,
            database=connection.name,
        )
        with gateway.about(databases={connection.name: exposure.level_of(request.exposure)}):
            context = _context(request, budget, show_history=False)
        alias = alias_for(connection)
        blocks.append(
            f'=== Alias {alias}: database "{connection.name}" ({connection.kind}) ===\n'
            f"{context.text.strip()}\n=== End of {alias} ==="
        )
    declared = "\n".join(f"- {link}" for link in links)
    earlier = "\n".join(f"Q: {t.question}\nSQL: {t.sql}" for t in history[-3:] if t.sql)
    user = "\n\n".join(blocks) + f"\n\nDeclared links (alias.table.column):\n{declared}\n"
    if earlier:
        user += f"\nEarlier in this conversation:\n{earlier}\n"
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"{user}\nQuestion: {question}"},
    ]


def _done(answer: Answer, generator, attempts, calls, started) -> Answer:
    answer.engine = generator.name
    answer.attempts = attempts
    answer.timings_ms = {"total": _ms(started)}
    if calls:
        answer.usage = {
            "model": generator.name,
            "calls": calls,
            "prompt_tokens": sum(c["prompt_tokens"] for c in calls),
            "completion_tokens": sum(c["completion_tokens"] for c in calls),
            "latency_ms": round(sum(c["latency_ms"] for c in calls), 1),
        }
    return answer


def _ms(since: float) -> float:
    return round((time.monotonic() - since) * 1000, 2)
