"""The model's failures, each said plainly: litellm runs for real against real local servers
(the fake OpenAI-compatible one, a closed port, a `.invalid` host). Every case gives the user
its own message (no parser internals, no secrets, no URL) and leaves one log line with the
details an operator needs (exception class, status, model, latency)."""

import logging
import threading
import time

import pytest

from chat import conversation, sessions
from chat.answering import gateway
from chat.answering.pipeline import answer_question
from chat.models import ChatMessage
from tests.chat.fake_llm import UNRESOLVABLE_API_BASE, closed_port

pytestmark = pytest.mark.django_db

QUESTION = "How many customers are there?"
MISUSED_AGGREGATE = "SELECT sum(Total) FROM Invoice WHERE sum(Total) > 1"


def failure_lines(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name in ("chat.answering.gateway", "chat.answering.llm")
        and r.levelno >= logging.WARNING
    ]


def assert_plain(message: str, server=None) -> None:
    assert message
    for internal in ("Expecting value", "position", "Traceback", "sk-fake", "http://", "litellm"):
        assert internal not in message, message
    if server is not None:
        assert str(server.port) not in message


CASES = {
    "connection refused": ("refused the connection", "kind=connection"),
    "dns": ("could not be resolved (DNS)", "kind=dns"),
    "timeout": ("did not answer within 0.5 s", "kind=timeout"),
    "401": ("refused our credentials (HTTP 401); check LLM_API_KEY", "status=401"),
    "403": ("refused our credentials (HTTP 403)", "status=403"),
    "429": ("rate-limiting us (HTTP 429); try again in a minute", "status=429"),
    "500": ("language model failed (HTTP 500, a server error)", "status=500"),
    "503": ("language model failed (HTTP 503, a server error)", "status=503"),
    "404": ("does not know this model or address (HTTP 404)", "status=404"),
    "body not json": ("sent a reply that could not be read", "kind=not_json"),
    "content filter": ("refused to answer this question", "kind=content_filter"),
}


def script(case: str, fake_llm, settings) -> None:
    settings.LLM_TIMEOUT = 0.5
    if case == "connection refused":
        settings.LLM_API_BASE = f"http://127.0.0.1:{closed_port()}/v1"
    elif case == "dns":
        settings.LLM_API_BASE = UNRESOLVABLE_API_BASE
    elif case == "timeout":
        fake_llm.reply({"sql": "SELECT 1", "explanation": "late"}, delay=3)
    elif case == "body not json":
        fake_llm.garbage()
    elif case == "content filter":
        fake_llm.refuse()
    else:
        fake_llm.fail(int(case))


@pytest.mark.parametrize("case", list(CASES))
def test_each_failure_has_its_own_message_and_log_line(case, chinook, fake_llm, settings, caplog):
    caplog.set_level(logging.INFO)
    script(case, fake_llm, settings)
    gateway.litellm()  # its import (seconds, once) is not what is timed here
    started = time.monotonic()
    answer = answer_question(chinook, QUESTION)
    assert time.monotonic() - started < 5
    said, logged = CASES[case]
    assert said in answer.error and answer.rows == [] and answer.sql is None
    assert_plain(answer.error, fake_llm)
    lines = failure_lines(caplog)
    assert len(lines) == 1, lines
    assert logged in lines[0] and "model=openai/fake-model" in lines[0]
    assert "latency_ms=" in lines[0] and "exception=" in lines[0]
    assert "sk-fake" not in lines[0]


def test_messages_differ_per_case():
    assert len({said for said, _ in CASES.values()}) == len(CASES)


def test_reply_not_json_twice_hides_parser_internals(chinook, fake_llm, caplog):
    fake_llm.reply("Sure! The answer is SELECT count(*) FROM Customer")
    fake_llm.reply("")
    answer = answer_question(chinook, QUESTION)
    assert "did not answer in the expected JSON form" in answer.error
    assert_plain(answer.error)
    (line,) = failure_lines(caplog)
    # The parser's words are for the operator.
    assert "kind=malformed" in line and "not JSON" in line and "model=openai/fake-model" in line


def test_model_saying_it_cannot_is_a_refusal(chinook, fake_llm, caplog):
    fake_llm.reply("I'm sorry, but I can't help with that.")
    fake_llm.reply("I cannot help with that request.")
    answer = answer_question(chinook, QUESTION)
    assert "refused to answer this question" in answer.error
    (line,) = failure_lines(caplog)
    assert "kind=refused_text" in line


def test_the_api_key_never_reaches_message_or_log(chinook, fake_llm, settings, caplog):
    settings.LLM_API_KEY = "sk-secret-123"
    settings.LLM_API_BASE = f"http://127.0.0.1:{closed_port()}/v1?key=sk-secret-123"
    answer = answer_question(chinook, QUESTION)
    assert "sk-secret" not in answer.error and "sk-secret" not in caplog.text


# --- the chat deadline ------------------------------------------------------------------------


def test_a_call_gets_no_more_than_the_time_left(fake_llm, settings):
    settings.LLM_TIMEOUT = 5.0
    fake_llm.reply({"sql": "SELECT 1", "explanation": "late"}, delay=3)
    started = time.monotonic()
    with gateway.deadline(time.monotonic() + 0.6), pytest.raises(gateway.GatewayError) as caught:
        gateway.complete([{"role": "user", "content": "one?"}])
    assert time.monotonic() - started < 2
    assert caught.value.kind == "timeout"


def test_no_call_starts_after_the_deadline(fake_llm):
    with gateway.deadline(time.monotonic() - 1), pytest.raises(gateway.GatewayError) as caught:
        gateway.complete([{"role": "user", "content": "one?"}])
    assert caught.value.kind == "deadline" and fake_llm.requests == []
    # The deadline belongs to the block: outside it the call is made again.
    fake_llm.reply({"sql": "SELECT 1", "explanation": "One."})
    assert gateway.complete([{"role": "user", "content": "one?"}])[0]


def test_candidates_keep_the_deadline_in_their_threads(fake_llm, settings):
    from chat.answering.context import SchemaContext
    from chat.answering.generators import LlmGenerator, Request

    context = SchemaContext(text="Schema:\nTABLE t\n  id INTEGER\n", tables=["t"], token_estimate=9)
    request = Request("how many?", "sqlite", None, {}, context=context)
    generator = LlmGenerator(
        settings.LLM_MODEL, max_corrections=2, budget_tokens=4000, candidates=3
    )
    with gateway.deadline(time.monotonic() - 1):
        assert generator.more(request, 2) == []
    assert fake_llm.requests == []


def test_no_correction_round_starts_after_the_deadline(chinook, fake_llm):
    from chat.answering.types import Generated

    failing = Generated(sql=MISUSED_AGGREGATE, explanation="?")
    with gateway.deadline(time.monotonic() - 1):
        answer = answer_question(chinook, "What is the total revenue?", generated=failing)
    assert fake_llm.requests == []  # the failed SQL was not sent back for a correction
    assert [a.status for a in answer.attempts] == ["error"]
    assert "ran out of time" in answer.error


def test_a_slow_model_past_the_chat_deadline_is_cut_short(
    alice, chinook, fake_llm, settings, caplog
):
    settings.CHAT_DATABASE_TIMEOUT_SECONDS = 1.0
    settings.LLM_TIMEOUT = 5.0
    fake_llm.reply({"sql": "SELECT count(*) FROM Customer", "explanation": "late"}, delay=4)
    session = sessions.create_session(alice, connections=[chinook])
    started = time.monotonic()
    reply = conversation.ask(alice, session, QUESTION)
    assert reply.status == ChatMessage.Status.FAILED
    assert time.monotonic() - started < 3
    # The worker's call was given the time left (1 s), not LLM_TIMEOUT (5 s): it has ended
    # soon after the deadline instead of running on behind the user's answer.
    for _ in range(20):
        workers = [t for t in threading.enumerate() if t.name.startswith("ThreadPoolExecutor")]
        if not workers:
            break
        time.sleep(0.1)
    assert not workers
    (line,) = failure_lines(caplog)
    assert "kind=timeout" in line
    assert float(line.split("timeout_s=")[1].split()[0]) <= 1.0
    assert len(fake_llm.requests) == 1  # and no correction round followed


def test_embedding_failures_are_said_plainly_too(fake_llm, settings, caplog):
    settings.EMBEDDING_MODEL = "openai/fake-embedding"
    settings.EMBEDDING_API_BASE = f"http://127.0.0.1:{closed_port()}/v1"
    with pytest.raises(gateway.GatewayError) as caught:
        gateway.embed(["customers"])
    assert caught.value.user_message.startswith("Embeddings failed: ")
    assert "refused the connection" in caught.value.user_message
    assert_plain(caught.value.user_message)
    (line,) = failure_lines(caplog)
    assert "kind=connection" in line and "embedding=openai/fake-embedding" in line


def test_the_chat_shows_the_message(alice, chinook, fake_llm, caplog):
    fake_llm.fail(429)
    session = sessions.create_session(alice, connections=[chinook])
    reply = conversation.ask(alice, session, QUESTION)
    assert reply.status == ChatMessage.Status.FAILED
    assert "rate-limiting us (HTTP 429); try again in a minute" in reply.text
    (database,) = reply.result["databases"]
    assert "rate-limiting us" in database["error"]
    assert_plain(reply.text, fake_llm)
    (line,) = failure_lines(caplog)
    assert "exception=RateLimitError" in line and "status=429" in line
