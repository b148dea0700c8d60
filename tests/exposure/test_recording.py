"""The recording test (issue 18): Chinook on PostgreSQL and SQLite, every prompt path run
against the scripted model server, and its log of requests searched for the data's values.

Paths: a question whose first SQL fails in PostgreSQL with an error quoting a row's value
(a correction round), a follow-up (the conversation: earlier SQL and answers), a question
over both databases (one multi-database prompt), DataPoints retrieval, and embeddings of the
points and the questions. The values are every distinct text of the data (4 characters or
more), the dates, and the numbers that are not ids (decimals, and integers of 4 digits or
more: smaller ones are LIMIT 1 and row positions). A value that the prompt's fixed text
spells anyway ("Today", a column named like a value) says nothing and is left out.
"""

from __future__ import annotations

import re
import sqlite3

import pytest

from chat import conversation, sessions
from chat.answering import context, llm
from chat.models import ChatMessage, ModelCall
from schemas_app import datapoints
from schemas_app.services import extract_now, latest_snapshot, snapshot_document

pytestmark = pytest.mark.django_db

BAD = "SELECT CAST(name AS integer) AS n FROM artist"  # PostgreSQL quotes the row's name
FIRST = "SELECT name FROM genre ORDER BY genre_id LIMIT 1"
SECOND = "SELECT name FROM genre ORDER BY genre_id LIMIT 1 OFFSET 1"
COUNT_PG = "SELECT count(*) FROM genre"
COUNT_LITE = "SELECT count(*) FROM Genre"
POINTS = """
- kind: glossary
  term: catalogue
  meaning: The tracks on sale, with their genre and media type.
  synonyms: [repertoire]
  tables: [track]
- kind: example
  question: How many genres are there in the catalogue?
  sql: SELECT count(*) FROM genre
"""


def scripted(request: dict) -> dict:
    """The model: a wrong first query, then a right one; one query per database when asked
    about several."""
    messages = request["messages"]
    system, last = messages[0]["content"], messages[-1]["content"]
    if "several databases" in system:
        return {
            "queries": [
                {"database": "pg", "sql": COUNT_PG},
                {"database": "lite", "sql": COUNT_LITE},
            ],
            "explanation": "The number of genres.",
        }
    if "That SQL failed" in last:
        return {"sql": FIRST, "explanation": "The first genre."}
    if "second" in messages[1]["content"].split("Question:")[-1]:
        return {"sql": SECOND, "explanation": "The second genre."}
    return {"sql": BAD, "explanation": "Artists as numbers."}


@pytest.fixture
def run_every_path(
    make_connection, chinook_pg, chinook_sqlite, alice, fake_llm, settings, tmp_path
):
    """run(level) -> (texts sent to the model, the pg connection, the messages)."""

    def run(level: str):
        settings.EMBEDDING_MODEL = "openai/fake-embedding"
        settings.CHAT_RESULT_CACHE_TTL = 0
        fake_llm.respond = scripted
        pg = make_connection(chinook_pg.params, name="pg", data_exposure=level)
        lite = make_connection(chinook_sqlite.params, name="lite", data_exposure=level)
        for connection in (pg, lite):
            extract_now(connection, with_profile=True)
        (tmp_path / "points.yaml").write_text(POINTS)
        report = datapoints.sync_directory(tmp_path, connection=pg)
        assert report.errors == [] and fake_llm.embedding_requests  # the points, embedded

        chat = sessions.create_session(alice, connections=[pg])
        first = conversation.ask(alice, chat, "Which genre comes first?")
        follow = conversation.ask(alice, chat, "And the second one?")
        both = sessions.create_session(alice, connections=[pg, lite])
        multi = conversation.ask(alice, both, "How many genres are there in the catalogue?")
        for reply in (first, follow, multi):
            assert reply.status == ChatMessage.Status.DONE, reply.text
        assert first.result["databases"][0]["rows"] == [["Rock"]], first.result
        assert follow.result["databases"][0]["rows"] == [["Jazz"]]
        texts = [m.get("content") or "" for r in fake_llm.requests for m in r["messages"]]
        texts += [t for r in fake_llm.embedding_requests for t in _inputs(r)]
        return texts, pg, (first, follow, multi)

    return run


def _inputs(request: dict) -> list[str]:
    given = request.get("input")
    return [given] if isinstance(given, str) else list(given or [])


def data_values(path: str) -> set[str]:
    """Every distinct text (4+ characters), date and non-id number of the Chinook data."""
    found: set[str] = set()
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                if column.lower().endswith("id"):
                    continue
                for (value,) in db.execute(f'SELECT DISTINCT "{column}" FROM "{table}"'):
                    if isinstance(value, str) and len(value.strip()) >= 4:
                        found.add(value.strip())
                        if re.match(r"\d{4}-\d{2}-\d{2} ", value):
                            found.add(value[:10])  # a date shown without its time
                    elif isinstance(value, float) and value != int(value):
                        found.add(f"{value:.2f}")
                    elif isinstance(value, int | float) and abs(value) >= 1000:
                        found.add(str(int(value)))
    return found


def fixed_text(pg) -> str:
    """What a prompt spells whatever the data: instructions, notes, names, our own script."""
    document = snapshot_document(latest_snapshot(pg).pk)
    names = [t.qualified_name for t in document.tables]
    names += [c.name for t in document.tables for c in t.columns]
    parts = [llm.SYSTEM_PROMPT, llm.MULTI_SYSTEM_PROMPT, POINTS, BAD, FIRST, SECOND]
    parts += list(context.DIALECT_NOTES.values())
    parts += [context.render_dialect_examples(d) for d in context.DIALECT_NOTES]
    parts += ["Which genre comes first? And the second one? Today is", *names]
    return "\n".join(parts).lower()


def leaked(texts: list[str], values: set[str], fixed: str) -> set[str]:
    sent = "\n".join(texts)
    out = set()
    for value in values:
        if value in sent and value.lower() not in fixed:
            if re.search(rf"(?<![\w.]){re.escape(value)}(?![\w]|\.\d)", sent):
                out.add(value)
    return out


def test_schema_level_sends_no_value(run_every_path, chinook_sqlite):
    texts, pg, replies = run_every_path("schema")
    values = data_values(chinook_sqlite.params.database)
    assert len(values) > 5000  # the check below has something to find
    assert leaked(texts, values, fixed_text(pg)) == set()
    sent = "\n".join(texts)
    # What it does send: names, types, keys; no counts, no statistics.
    assert "CREATE TABLE public.genre" in sent and "REFERENCES" in sent
    assert not re.search(r"[\d,]+ rows|\d distinct", sent)
    # The database's error went back with the row's value cut out.
    assert "invalid input syntax for type integer" in sent and "'…'" in sent


def test_profiles_level_sends_statistics_but_no_value(run_every_path, chinook_sqlite):
    texts, pg, _ = run_every_path("profiles")
    values = data_values(chinook_sqlite.params.database)
    assert leaked(texts, values, fixed_text(pg)) == set()
    sent = "\n".join(texts)
    assert re.search(r"-- [\d,]+ rows", sent) and re.search(r"\d distinct", sent)


def test_values_level_sends_values_with_sensitive_ones_masked(run_every_path, chinook_sqlite):
    texts, pg, _ = run_every_path("values")
    sent = "\n".join(texts)
    values = data_values(chinook_sqlite.params.database)
    shown = leaked(texts, values, fixed_text(pg))
    # The same search finds values when they are allowed: the two tests above can fail.
    assert {"Rock", "AC/DC"} <= shown, sorted(shown)[:20]
    assert "A: The first genre. Result: Rock." in sent  # the conversation's answers too
    with sqlite3.connect(chinook_sqlite.params.database) as db:
        emails = {r[0] for r in db.execute("SELECT Email FROM Customer")}
    assert not emails & shown, "a sensitive column's value reached the model"
    assert re.search(r"\b\w\*\*\*@[\w.-]+\.\w+", sent), "no masked e-mail in the prompt"


def test_every_request_is_in_the_audit_log(run_every_path, fake_llm, settings):
    texts, pg, (first, follow, multi) = run_every_path("schema")
    chats = ModelCall.objects.filter(kind="chat")
    assert chats.count() == len(fake_llm.requests)
    assert ModelCall.objects.filter(kind="embedding").count() == len(fake_llm.embedding_requests)
    # Each answer's calls carry its message, user and the databases at their level.
    mine = list(ModelCall.objects.filter(message=first).order_by("pk"))
    assert [c.purpose for c in mine] == ["embed-question", "generate", "correct"]
    assert all(c.databases == ["pg"] and c.exposure == {"pg": "schema"} for c in mine)
    mine = mine[1:]
    assert mine[0].user.username == "alice" and mine[0].model == settings.LLM_MODEL
    assert mine[0].request == fake_llm.requests[0]["messages"]  # the exact prompt
    assert BAD in mine[0].reply and mine[0].prompt_tokens == 100
    together = ModelCall.objects.get(message=multi, purpose="generate-multi")
    assert together.exposure == {"pg": "schema", "lite": "schema"}
    # The key never reaches the log.
    key = settings.LLM_API_KEY
    stored = ModelCall.objects.values_list("request", "reply", "error", "model")
    assert key and not any(key in str(row) for row in stored)
