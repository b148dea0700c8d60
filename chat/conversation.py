"""Asking a question in a chat session: store it, answer it on every database of the
session in parallel, store every run, and shape the reply (texts, merged table, chart).

With an LLM and several databases, one LLM call writes the SQL for all of them (the model
chooses the databases the question concerns); running and correcting stay per database.

`ask` is called by the page and the API; `run_answer` does the work, in the request
without REDIS_URL or in a Celery task with it (the page polls the message's status).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.core.cache import cache
from django.db import connections as django_connections
from django.db import transaction
from django.utils import timezone

from connections.models import Connection
from datachat.queueing import QUEUE_UNAVAILABLE, enqueue_on_commit
from datachat.textinput import refuse_control_characters

from . import examples, liveness, model_log, sessions
from .answering import exposure, federated, gateway, pipeline
from .answering.generators import GenerationError, SqlGenerator, sql_generator_for
from .answering.labels import labels_for
from .answering.types import Answer, Generated, Turn
from .jsonsafe import json_rows
from .models import ChatMessage, ChatSession, QueryRun, answer_plan
from .presentation import DatabaseResult, chart_spec, merge_results

logger = logging.getLogger(__name__)
# One JSON object per finished answer, for log shippers (id, databases, engine, status, timings).
answer_log = logging.getLogger("datachat.answers")

QUEUE_FAILED = (
    "Could not start answering: the task queue is unavailable. Your question is kept; "
    "use Run again in a moment."
)
assert QUEUE_UNAVAILABLE in QUEUE_FAILED

MAX_QUESTION_CHARS = pipeline.MAX_QUESTION_CHARS


class QuestionError(ValueError):
    """A question that cannot even be asked (nothing is stored)."""


def ask(
    user,
    session: ChatSession,
    question: str,
    *,
    bypass_cache: bool = False,
    run_now: bool = True,
    only: list[Connection] | None = None,
) -> ChatMessage:
    """Store the question and a pending answer, then answer it: queued after commit with
    REDIS_URL; else now when `run_now` (the API), or left pending for the page, which shows
    the question at once and then calls `run_answer` from its own request.

    `only` answers on those databases instead of the session's (the API's target_database
    within a session); the session's history still feeds follow-ups, and the session's own
    databases are left as they are."""
    question = (question or "").strip()
    if not question:
        raise QuestionError("Type a question first.")
    try:
        refuse_control_characters("question", question)
    except ValueError as exc:
        raise QuestionError(str(exc)) from None
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"The question is too long ({len(question):,} characters; at most {MAX_QUESTION_CHARS:,})."
        )
    connections = list(only) if only is not None else sessions.session_connections(session)
    if not connections:
        raise QuestionError("Add a database to this chat first.")
    pending = {"bypass_cache": bypass_cache}  # remembered until the answer replaces it
    if only is not None:
        pending["only"] = [str(c.pk) for c in connections]
    with transaction.atomic():
        ChatMessage.objects.create(session=session, role=ChatMessage.Role.USER, text=question)
        reply = ChatMessage.objects.create(
            session=session,
            role=ChatMessage.Role.ASSISTANT,
            question=question,
            databases=[c.name for c in connections],
            status=ChatMessage.Status.PENDING,
            phase=answer_plan(len(connections))[0],
            result=pending,
        )
        if session.name == "New chat":
            session.name = question[:60]
            session.save(update_fields=["name", "updated_at"])
        sessions.touch(session)
    if settings.REDIS_URL:
        from .tasks import answer_message_task

        enqueue_on_commit(
            answer_message_task,
            reply.pk,
            bypass_cache,
            on_failure=lambda error: _queue_failed(reply.pk, error),
        )
        reply.refresh_from_db()  # outside a transaction the publish has happened (or failed)
    elif run_now:
        run_answer(reply.pk, bypass_cache=bypass_cache)
        reply.refresh_from_db()
    return reply


def run_again(user, message: ChatMessage, *, run_now: bool = True) -> ChatMessage:
    """Ask the same question again, on the same databases, bypassing the result cache."""
    only = message_connections(message) if _chosen_ids(message) else None
    return ask(
        user, message.session, message.question, bypass_cache=True, run_now=run_now, only=only
    )


def _chosen_ids(message: ChatMessage) -> list[str]:
    return list((message.result or {}).get("only") or [])


def message_connections(message: ChatMessage) -> list[Connection]:
    """The databases this message answers on: the ones chosen for it, else the session's."""
    chosen = _chosen_ids(message)
    if not chosen:
        return sessions.session_connections(message.session)
    found = {str(c.pk): c for c in Connection.objects.filter(pk__in=chosen, is_active=True)}
    return [found[pk] for pk in chosen if pk in found]


def history_for(session: ChatSession, before: ChatMessage) -> list[Turn]:
    """The last few answered turns before `before`, oldest first, for follow-up questions."""
    replies = list(
        session.messages.filter(
            role=ChatMessage.Role.ASSISTANT, status=ChatMessage.Status.DONE, pk__lt=before.pk
        ).order_by("-pk")[: settings.CHAT_HISTORY_TURNS]
    )
    turns = []
    for reply in reversed(replies):
        first_sql = next(
            (d.get("sql") or "" for d in (reply.result or {}).get("databases", [])), ""
        )
        turns.append(Turn(question=reply.question, sql=first_sql, answer=reply.text[:500]))
    return turns


def _cache_key(
    question: str,
    schemas: list[tuple[Connection, object]],
    history: list[Turn],
    generator: SqlGenerator,
) -> str:
    # A follow-up ("and by country?") means something else after each earlier question: the
    # generator says how it reads the history (the question, the turns, the engine).
    profiled = _profile_versions([s.snapshot_id for _, s in schemas])
    parts = {
        **generator.cache_identity(question, history),
        # A new snapshot or a changed DataPoint (sync, saved example) gives a new key; so do
        # new profiles of the same snapshot ("Profile columns"): a refusal cached before the
        # values were known is not served once they are.
        "dbs": [
            (str(c.pk), s.snapshot_id, profiled.get(s.snapshot_id), _points_digest(s.points))
            for c, s in schemas
        ],
    }
    return "chat-answer:" + hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _profile_versions(snapshot_ids: list) -> dict:
    """{snapshot id: when its profiles were stored (ISO), or None}: one small query."""
    from schemas_app.models import SchemaSnapshot

    ids = [pk for pk in snapshot_ids if pk is not None]
    if not ids:
        return {}
    rows = SchemaSnapshot.objects.filter(pk__in=ids).values_list("pk", "profiled_at")
    return {pk: at.isoformat() if at else None for pk, at in rows}


def _points_digest(points) -> str:
    raw = json.dumps([(p.id, p.content) for p in points], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _set_phase(message_id: int, phase: str) -> None:
    ChatMessage.objects.filter(pk=message_id).update(phase=phase)


def _queue_failed(message_id: int, error: Exception) -> None:
    """Publishing the answer's task failed (broker down): the answer ends here, saying so."""
    ChatMessage.objects.filter(pk=message_id, status=ChatMessage.Status.PENDING).update(
        status=ChatMessage.Status.FAILED, phase="failed", text=QUEUE_FAILED
    )
    _log_answer(message_id, reason="queue unavailable", error=type(error).__name__)


def fail_stale(messages) -> int:
    """End what nobody will finish among the given messages (chat/liveness.py): a runner
    that stopped beating, a question no worker claimed; and say "waiting for a worker" on
    one still queued. Called when a message's status is read; returns the rows changed."""
    return liveness.sweep(messages)


def run_answer(message_id: int, *, bypass_cache: bool = False) -> None:
    """Answer one pending message. Claimed with a conditional update: runs at most once,
    by one runner, whose heartbeat shows it alive while it works."""
    runner = liveness.runner_id()
    started, claimed_at = time.monotonic(), timezone.now()
    claimed = ChatMessage.objects.filter(pk=message_id, status=ChatMessage.Status.PENDING).update(
        status=ChatMessage.Status.RUNNING,
        claimed_by=runner,
        heartbeat_at=claimed_at,
        phase=answer_plan(1)[0],  # was "waiting for a worker", perhaps
    )
    if not claimed:
        return
    message = ChatMessage.objects.select_related("session__owner").get(pk=message_id)
    bypass_cache = bypass_cache or bool((message.result or {}).get("bypass_cache"))
    reason = ""
    queued_ms = (claimed_at - message.created_at).total_seconds() * 1000
    try:
        with liveness.Heartbeat(message_id, runner):
            _answer(message, bypass_cache=bypass_cache)
    except Exception as error:  # never leave a message spinning: the history must show it
        logger.exception("Answering message %s failed", message_id)
        reason = f"unexpected error: {type(error).__name__}"
        ChatMessage.objects.filter(pk=message_id, status=ChatMessage.Status.RUNNING).update(
            status=ChatMessage.Status.FAILED,
            phase="failed",
            text="Something went wrong while answering; the error was logged. Please try again.",
        )
    _log_answer(
        message_id,
        runner=runner,
        timings={"queued": queued_ms, "total": (time.monotonic() - started) * 1000},
        reason=reason,
    )


def _log_answer(message_id: int, *, runner: str = "", timings: dict | None = None, **extra) -> None:
    """One JSON line per answer: what a log shipper needs to count, time and find it."""
    try:
        message = ChatMessage.objects.only("pk", "session_id", "databases", "status", "result").get(
            pk=message_id
        )
        databases = (message.result or {}).get("databases", [])
        record = {
            "event": "answer",
            "message_id": message.pk,
            "session_id": message.session_id,
            "databases": list(message.databases or []),
            "engine": sorted({d.get("engine") or "" for d in databases} - {""}),
            "status": message.status,
            "cached": bool((message.result or {}).get("cached")),
            "runner": runner,
            "timings_ms": {
                **{k: round(v, 1) for k, v in (timings or {}).items()},
                "databases": {d.get("name", ""): d.get("duration_ms") for d in databases},
            },
            "errors": {d.get("name", ""): d["error"] for d in databases if d.get("error")},
            **{k: v for k, v in extra.items() if v},
        }
        answer_log.info(json.dumps(record, default=str, ensure_ascii=False))
    except Exception:  # a log line must never fail an answer
        logger.warning("Could not log answer %s", message_id, exc_info=True)


def _answer(message: ChatMessage, *, bypass_cache: bool) -> None:
    # Every model call of this answer goes to the audit log, written here once it is done.
    with model_log.collecting(user=message.session.owner_id, message=message.pk):
        _answer_now(message, bypass_cache=bypass_cache)


def _answer_now(message: ChatMessage, *, bypass_cache: bool) -> None:
    session = message.session
    connections = message_connections(message)
    history = history_for(session, message)
    # System-database reads happen here, in this thread; the workers below only talk to the
    # target databases (and to the LLM), so they need no Django database connection.
    schemas = [(c, pipeline.load_schema(c)) for c in connections]
    # Earlier answers hold values of every database of the chat: they reach a model only at
    # the level of the strictest one (chat.answering.exposure).
    level = exposure.strictest(s.exposure for _, s in schemas)
    history = list(exposure.restrict_history(history, level, message.question))
    generator = sql_generator_for(settings)
    key = _cache_key(message.question, schemas, history, generator)
    cached = None if bypass_cache else cache.get(key)
    if cached is not None:
        _finish(message, _with_own_runs(message, cached), cached=True)
        return

    # Databases joined by declared links get ONE federated query from the model
    # (chat.answering.federated); unlinked ones are each asked on their own below.
    joined = federated.answer_if_linked(message.question, schemas, history, generator)
    if joined is not None:
        _finish(message, _payload(message, [joined]), cached=False)
        return

    generated: dict[str, Generated] = {}
    plan = answer_plan(len(connections), generator)
    if len(plan) == 4:
        # One call for all databases (an LLM): the model decides which the question concerns
        # and writes SQL for each; the workers below validate, run and correct per database.
        _set_phase(message.pk, plan[1])
        try:
            generated = pipeline.generate_for_databases(
                message.question, schemas, history=history, generator=generator
            )
        except GenerationError as error:
            answer = Answer(
                message.question,
                error.user_message,
                None,
                error=error.user_message,
                engine=generator.name,
                usage=error.usage,
            )
            _finish(message, _payload(message, [(c, answer) for c in connections]), cached=False)
            return

    # Otherwise (built-in engine, or an LLM on one database) each worker writes and runs.
    _set_phase(message.pk, plan[-2])
    results = _run_on_databases(message, schemas, history, generated, generator)
    payload = _payload(message, results)
    if not any(d["error"] for d in payload["databases"]):
        cache.set(key, payload, settings.CHAT_RESULT_CACHE_TTL)
    _finish(message, payload, cached=False)


def _answer_one(
    connection, question, history, schema, generated, generator, deadline=None, about=None
) -> Answer:
    try:
        # Model calls in this worker get at most the time left before the chat deadline, and
        # none (no further correction round) starts after it: the thread ends soon after.
        # `about`: the answer's audit fields, so this thread's calls are logged with it.
        with gateway.deadline(deadline), gateway.about(**(about or {})):
            return pipeline.answer_question(
                connection,
                question,
                history=history,
                schema=schema,
                generated=generated,
                generator=generator,
                # A query must not outlive the answer that waits for it: the server stops it
                # when this database's chat deadline passes, and its connection is freed.
                query_timeout=min(
                    settings.QUERY_TIMEOUT_SECONDS, settings.CHAT_DATABASE_TIMEOUT_SECONDS
                ),
            )
    finally:
        # Should anything in the pipeline touch the system database, the connection this
        # thread opened must not outlive the thread.
        django_connections.close_all()


def _run_on_databases(
    message, schemas, history, generated, generator
) -> list[tuple[Connection, Answer]]:
    """Every database's answer, in parallel; a database past CHAT_DATABASE_TIMEOUT_SECONDS
    gets a timeout error instead and the others' answers do not wait for it."""
    timeout = settings.CHAT_DATABASE_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout
    # Not a `with` block: leaving one waits for every thread, so one slow database would
    # hold the whole answer past its timeout. A straggler's Answer dies with its future
    # (only the loop below reads futures, and it has moved on); its query is stopped by the
    # server at the same deadline (_answer_one), then its connection goes back to its pool.
    pool = ThreadPoolExecutor(max_workers=max(1, len(schemas)))
    results: list[tuple[Connection, Answer]] = []
    try:
        futures = [
            (
                connection,
                pool.submit(
                    _answer_one,
                    connection,
                    message.question,
                    history,
                    schema,
                    generated.get(connection.name),
                    generator,
                    deadline,
                    gateway.current_about(),
                ),
            )
            for connection, schema in schemas
        ]
        for connection, future in futures:
            try:
                answer = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                answer = Answer(
                    message.question,
                    f"No answer within {timeout:g} s.",
                    None,
                    error=f"{connection.name} did not answer within {timeout:g} s.",
                    engine=generator.name,
                )
                answer.timings_ms = {"total": timeout * 1000}
            results.append((connection, answer))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results


def _payload(message: ChatMessage, results: list[tuple[Connection, Answer]]) -> dict:
    owner = message.session.owner
    databases = []
    full_rows: dict[str, list[list]] = {}
    for connection, answer in results:
        rows = json_rows(answer.rows)
        run_ids = _store_runs(owner, message, connection, answer, rows)
        if run_ids and answer.sql and not answer.error:
            cache.set(f"run-rows:{run_ids[-1]}", rows, settings.CHAT_RESULT_CACHE_TTL)
        full_rows[connection.name] = rows
        labels = labels_for(answer.columns, answer.column_labels)
        databases.append(
            {
                "connection_id": str(connection.pk),
                "name": connection.name,
                "kind": connection.get_kind_display(),
                "color": connection.color,
                "text": answer.text,
                "sql": answer.sql or "",
                "columns": answer.columns,
                "column_labels": labels,
                "interpretation": answer.interpretation,
                "rows": rows[: settings.CHAT_PREVIEW_ROWS],
                "row_count": len(answer.rows),
                "truncated": answer.truncated,
                "duration_ms": round(answer.timings_ms.get("total", 0.0), 1),
                "estimated_bytes": answer.estimated_bytes,
                "engine": answer.engine,
                "error": answer.error,
                "refused": answer.refused,
                "run_id": run_ids[-1] if run_ids else None,
                "chart": chart_spec(answer.columns, rows, labels) if answer.columns else None,
            }
        )
    answered = [d for d in databases if d["columns"] and not d["error"]]
    # With several databases, one refusing means the question is not about that one.
    concerned = answered or databases
    if not answered:
        _suggest(message.question, databases, [c for c, _ in results])
    # Merged from the full results (each up to QUERY_MAX_ROWS), not the previews; the page
    # shows the first rows and pages / downloads the rest from the runs (chat.results).
    merged = merge_results(
        [
            DatabaseResult(d["name"], d["columns"], full_rows[d["name"]], d["column_labels"])
            for d in answered
        ]
    )
    if merged:
        merged_rows = merged["rows"]
        merged = {
            "columns": merged["columns"],
            "column_labels": merged["column_labels"],
            "rows": merged_rows[: settings.CHAT_PREVIEW_ROWS],
            "row_count": len(merged_rows),
            "truncated": any(d["truncated"] for d in answered),
            "run_ids": [d["run_id"] for d in answered],
        }
    return {
        "databases": databases,
        "concerned": [d["name"] for d in concerned],
        "merged": merged,
        "merged_chart": (
            chart_spec(merged["columns"], merged_rows, merged["column_labels"]) if merged else None
        ),
    }


def _suggest(question: str, databases: list[dict], connections: list[Connection]) -> None:
    """Questions each refusing database does answer (chat.examples), stored with the answer
    so that the page offers them without checking them again on every view."""
    by_id = {str(c.pk): c for c in connections}
    for d in databases:
        if d["refused"] and not d["error"] and d["connection_id"] in by_id:
            try:
                d["suggestions"] = examples.rephrasings(question, by_id[d["connection_id"]])
            except Exception:  # a help, never a reason for the answer to fail
                logger.warning("no rephrasings for %s", d["name"], exc_info=True)


def _with_own_runs(message: ChatMessage, payload: dict) -> dict:
    """A cached answer ran no query, but gets its own run records (copies marked `cached`),
    so its result pages, CSV and "save as example" work as for a fresh answer, for its
    owner alone, and no user reads another's runs."""
    payload = copy.deepcopy(payload)
    originals = QueryRun.objects.in_bulk(
        [d["run_id"] for d in payload["databases"] if d.get("run_id")]
    )
    new_ids = {}
    for d in payload["databases"]:
        original = originals.get(d.get("run_id"))
        d["run_id"] = None
        if original is None:
            continue
        run = QueryRun.objects.create(
            owner=message.session.owner,
            message=message,
            connection_id=original.connection_id,
            connection_name=original.connection_name,
            question=message.question,
            sql=original.sql,
            status=original.status,
            error=original.error,
            row_count=original.row_count,
            truncated=original.truncated,
            engine=original.engine,
            columns=original.columns,
            column_labels=original.column_labels,
            interpretation=original.interpretation,
            preview=original.preview,
            cached=True,
        )
        rows = cache.get(f"run-rows:{original.pk}")
        if rows is not None:
            cache.set(f"run-rows:{run.pk}", rows, settings.CHAT_RESULT_CACHE_TTL)
        new_ids[original.pk] = d["run_id"] = run.pk
    merged = payload.get("merged")
    if merged and merged.get("run_ids"):
        merged["run_ids"] = [new_ids.get(i) for i in merged["run_ids"]]
    return payload


def _store_runs(
    owner, message: ChatMessage, connection: Connection, answer: Answer, rows: list[list]
) -> list[int]:
    """One QueryRun per attempt (a refusal or an error before any SQL ran is one run too);
    `rows` are the answer's rows already made JSON-safe."""
    common = {
        "owner": owner,
        "message": message,
        "connection": connection,
        "connection_name": connection.name,
        "question": message.question,
        "engine": answer.engine,
    }
    # Answered from the schema document ("which tables exist?"): no SQL, but a good answer.
    from_schema = not (answer.sql or answer.error or answer.refused)
    if not answer.attempts and not from_schema:
        run = QueryRun.objects.create(
            **common,
            sql=answer.sql or "",
            status=QueryRun.Status.REFUSED if answer.refused else QueryRun.Status.ERROR,
            error=answer.error or (answer.text if answer.refused else ""),
        )
        return [run.pk]
    ids = []
    for number, attempt in enumerate(answer.attempts, start=1):
        final = number == len(answer.attempts) and not from_schema
        shown = final and attempt.status == "ok"
        run = QueryRun.objects.create(
            **common,
            attempt=number,
            final=final,
            sql=attempt.sql,
            status=attempt.status
            if attempt.status in QueryRun.Status.values
            else QueryRun.Status.ERROR,
            error=attempt.error,
            row_count=attempt.row_count,
            truncated=answer.truncated if final else False,
            duration_ms=attempt.duration_ms,
            columns=answer.columns if final else [],
            column_labels=answer.column_labels if final else [],
            interpretation=answer.interpretation if final else "",
            preview=rows[: settings.CHAT_PREVIEW_ROWS] if shown else [],
        )
        ids.append(run.pk)
    if from_schema:
        run = QueryRun.objects.create(
            **common,
            attempt=len(answer.attempts) + 1,
            status=QueryRun.Status.OK,
            row_count=len(rows),
            duration_ms=answer.timings_ms.get("total", 0.0),
            columns=answer.columns,
            column_labels=answer.column_labels,
            interpretation=answer.interpretation,
            # Every row, not a preview: there is no SQL to run again for pages and the CSV
            # once the cached rows expire (a schema listing is small).
            preview=rows,
        )
        ids.append(run.pk)
    return ids


def _finish(message: ChatMessage, payload: dict, *, cached: bool) -> None:
    databases = payload["databases"]
    if len(databases) == 1:
        text = databases[0]["text"] or databases[0]["error"]
    else:
        # Databases the question is not about (their engine refused) stay out of the text;
        # a database that failed is always named, with its error.
        text = "\n".join(
            f"{d['name']}: {d['error'] or d['text']}"
            for d in databases
            if d["error"] or d["name"] in payload["concerned"]
        )
    failed = all(d["error"] for d in databases)
    # Databases chosen for this message (not the session's) stay chosen for "Run again".
    only = _chosen_ids(message)
    chosen = {"only": only} if only else {}
    # Only while still running: a message already marked interrupted (fail_stale) stays so.
    ChatMessage.objects.filter(pk=message.pk, status=ChatMessage.Status.RUNNING).update(
        text=text,
        result={
            **payload,
            **chosen,
            "cached": cached,
            "answered_at": timezone.now().isoformat(),
        },
        status=ChatMessage.Status.FAILED if failed else ChatMessage.Status.DONE,
        phase="done",
    )
