"""llm.py against the fake OpenAI-compatible server: litellm runs for real."""

import time

import pytest

from chat.answering import llm
from chat.answering.context import SchemaContext

CONTEXT = SchemaContext(
    text="Schema:\nTABLE customers\n  id INTEGER PK\n", tables=["customers"], token_estimate=10
)


def test_generate_parses_json_and_records_usage(fake_llm):
    fake_llm.reply({"sql": "SELECT count(*) FROM customers", "explanation": "Counts customers."})
    generated = llm.generate("how many customers?", context=CONTEXT, dialect="sqlite")
    assert generated.sql == "SELECT count(*) FROM customers"
    assert generated.explanation == "Counts customers."
    assert generated.usage["prompt_tokens"] == 100 and generated.usage["completion_tokens"] > 0
    assert generated.usage["calls"][0]["latency_ms"] >= 0
    request = fake_llm.requests[0]
    assert request["model"] == "fake-model"
    assert request["temperature"] == 0
    assert request["response_format"] == {"type": "json_object"}
    assert "TABLE customers" in fake_llm.prompt() and "SQLite" in fake_llm.prompt()


def test_refusal_is_structured(fake_llm):
    fake_llm.reply({"refused": True, "reason": "No such data."})
    generated = llm.generate("what is the weather?", context=CONTEXT, dialect="sqlite")
    assert generated.refused and generated.sql is None and generated.reason == "No such data."


def test_malformed_reply_gets_one_repair_round(fake_llm):
    fake_llm.reply("Sure! Here is the SQL: SELECT 1")
    fake_llm.reply({"sql": "SELECT 1", "explanation": "One."})
    generated = llm.generate("one?", context=CONTEXT, dialect="sqlite")
    assert generated.sql == "SELECT 1"
    assert len(fake_llm.requests) == 2 and len(generated.usage["calls"]) == 2
    repair = fake_llm.requests[1]["messages"]
    assert repair[-2]["content"] == "Sure! Here is the SQL: SELECT 1"
    assert "not JSON" in repair[-1]["content"]


def test_malformed_twice_is_a_clear_error(fake_llm):
    fake_llm.reply("nope")
    fake_llm.reply('{"sql": ""}')
    with pytest.raises(llm.MalformedReply, match="expected JSON form"):
        llm.generate("one?", context=CONTEXT, dialect="sqlite")
    assert len(fake_llm.requests) == 2


def test_correction_sends_failed_sql_and_error(fake_llm):
    fake_llm.reply({"sql": "SELECT id FROM customers", "explanation": "Ids."})
    llm.correct(
        "ids?",
        context=CONTEXT,
        dialect="sqlite",
        failed_sql="SELECT idd FROM customers",
        error="no such column: idd",
    )
    prompt = fake_llm.prompt()
    assert "SELECT idd FROM customers" in prompt and "no such column: idd" in prompt


def test_http_500_is_a_clear_error(fake_llm):
    fake_llm.fail(500)
    with pytest.raises(llm.LLMUnavailable, match="language model failed"):
        llm.generate("one?", context=CONTEXT, dialect="sqlite")
    assert len(fake_llm.requests) == 1  # no silent retries multiplying the wait


def test_timeout_is_a_clear_error(fake_llm, settings):
    settings.LLM_TIMEOUT = 0.5
    fake_llm.reply({"sql": "SELECT 1", "explanation": "late"}, delay=3)
    started = time.monotonic()
    with pytest.raises(llm.LLMUnavailable, match="did not answer within"):
        llm.generate("one?", context=CONTEXT, dialect="sqlite")
    assert time.monotonic() - started < 2.5


def test_server_down_is_a_clear_error(fake_llm, settings):
    fake_llm.stop()
    with pytest.raises(llm.LLMUnavailable) as caught:
        llm.generate("one?", context=CONTEXT, dialect="sqlite")
    assert "refused the connection" in caught.value.user_message


@pytest.mark.parametrize(
    "content, problem",
    [
        ("[1]", "not a JSON object"),
        ('{"sql": 3}', '"sql"'),
        ('{"refused": true}', "reason"),
        ("SELECT 1", "not JSON"),
    ],
)
def test_parse_reply_is_strict(content, problem):
    with pytest.raises(ValueError, match=problem):
        llm.parse_reply(content)


def test_parse_reply_accepts_a_fenced_object():
    assert llm.parse_reply('```json\n{"sql": "SELECT 1"}\n```').sql == "SELECT 1"
