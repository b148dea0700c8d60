"""The LLM path end to end as a user meets it: `chat.conversation.ask` (the message stored, the
schema and DataPoints loaded from the system database, the context, the prompt, litellm, the
guard and schema check, the query, the runs and the answer stored), with the model replaced
at its HTTP boundary by a local OpenAI-compatible server scripted to answer each question's
gold SQL at once (tests/chat/fake_llm.py).

The target is the real Chinook SQLite file; its snapshot, stored in a throw-away system
database, is the adversarial 2,000-table document of bench_llm_context.py (Chinook among
look-alikes, with their profiles), so every per-request cost that grows with the schema is
paid. Overhead outside the model = wall time of `ask` minus the model calls (as litellm
timed them, the local round trip included) minus the database's execution of the query.

    .venv/bin/python benchmarks/bench_llm_e2e.py [--tables 2000] [--repeat 2]
"""

import argparse
import logging
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
# In memory when possible: the system database's commits (fsync) are not what is measured.
DATA_DIR = tempfile.mkdtemp(
    prefix="datachat-bench-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None
)
os.environ["DATACHAT_DATA_DIR"] = DATA_DIR
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)  # answer in this process
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")

import django  # noqa: E402

django.setup()

from bench_llm_context import chinook, questions, scripted_model  # noqa: E402
from bench_llm_questions import adversarial  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from chat import conversation, sessions  # noqa: E402
from chat.answering import gateway, pipeline  # noqa: E402
from connections.models import Connection  # noqa: E402
from schemas_app import services  # noqa: E402
from schemas_app.models import SchemaSnapshot  # noqa: E402


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--profile", default="", help="write a cProfile of the timed rounds")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    base, base_profiles, database = chinook()
    document, profiles = (
        adversarial(base, base_profiles, args.tables)
        if args.tables > len(base.tables)
        else (base, base_profiles)
    )
    # Measured with values in the prompt, as before issue 18 (the default, profiles, sends none).
    connection = Connection.objects.create(
        name="chinook", kind="sqlite", database=database, data_exposure="values"
    )
    stored = document.to_dict()
    SchemaSnapshot.objects.create(
        connection=connection,
        status="succeeded",
        document=stored,
        fingerprint=services.fingerprint(stored),
        table_count=len(document.tables),
        column_count=sum(len(t.columns) for t in document.tables),
        duration_ms=1,
        with_profile=True,
        profiles=profiles,
        profile_status="succeeded",
        profiled_at=timezone.now(),
    )
    user = get_user_model().objects.create_user("bench", password="x", is_staff=True)

    items, today = questions()
    server = scripted_model(items, settings)
    truth = sqlite3.connect(database)
    # The model's share: every litellm call, timed around the gateway (client included).
    model_calls: list[float] = []
    real_complete = gateway.complete

    def timed_complete(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real_complete(*args, **kwargs)
        finally:
            model_calls.append((time.perf_counter() - started) * 1000)

    gateway.complete = timed_complete
    # Where the time goes: the pipeline's own steps and the schema loading, per answer.
    steps: dict[str, list[float]] = {}
    real_answer, real_load = pipeline.answer_question, pipeline.load_schema

    def answer_question(*args, **kwargs):
        answer = real_answer(*args, **kwargs)
        for step, ms in answer.timings_ms.items():
            steps.setdefault(step, []).append(ms)
        return answer

    def load_schema(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real_load(*args, **kwargs)
        finally:
            steps.setdefault("load_schema", []).append((time.perf_counter() - started) * 1000)

    pipeline.answer_question, pipeline.load_schema = answer_question, load_schema
    logging.disable(logging.INFO)  # one JSON line per answer otherwise

    overheads, walls, models, delivered, failures = [], [], [], 0, []
    profiler = None
    for round_ in range(args.repeat + 1):  # round 0 warms the caches, litellm and the index
        if round_ == 1 and args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        for item in items:
            session = sessions.create_session(user, name="bench", connections=[connection])
            started = time.perf_counter()
            reply = conversation.ask(user, session, item["question"], bypass_cache=True)
            wall = (time.perf_counter() - started) * 1000
            result = (reply.result or {}).get("databases") or [{}]
            first = result[0]
            model = sum(model_calls)
            model_calls.clear()
            execute = sum(r.duration_ms or 0 for r in reply.runs.all())
            if round_ == 0:
                continue
            walls.append(wall)
            models.append(model)
            overheads.append(wall - model - execute)
            expected = truth.execute(item["sql"]).fetchall()
            ok = reply.status == "done" and not first.get("error")
            ok = ok and first.get("row_count") == len(expected)
            delivered += ok
            if not ok and round_ == 1:
                failures.append(
                    (item["question"], first.get("error") or reply.text, first.get("sql"))
                )
    server.stop()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    n = len(items) * args.repeat
    print(
        f"{len(document.tables)} tables, {len(items)} questions x {args.repeat}: delivered "
        f"{delivered}/{n}; ask() wall p50 {statistics.median(walls):.1f} ms; overhead outside "
        f"the model p50 {statistics.median(overheads):.1f} ms, p95 {percentile(overheads, 0.95):.1f} ms "
        f"(litellm calls to the instant local model p50 {statistics.median(models):.1f} ms)"
    )
    half = len(items)  # the warm-up round is left out
    print(
        "p50 per step (ms): "
        + ", ".join(f"{k} {statistics.median(v[half:]):.1f}" for k, v in steps.items() if v[half:])
    )
    for question, error, sql in failures:
        print(f"  not delivered: {question}: {str(error)[:200]} [{sql}]")


if __name__ == "__main__":
    main()
