"""answer_question over the SqlGenerator interface: one validate -> run -> correct loop for
whichever generator writes the SQL (a scripted one here; the LLM and the built-in engine are
tried end to end in test_pipeline.py)."""

import inspect
from dataclasses import replace

import pytest

from chat.answering import pipeline
from chat.answering.generators import (
    BuiltinGenerator,
    GenerationError,
    LlmGenerator,
    sql_generator_for,
)
from chat.answering.pipeline import answer_question
from chat.answering.types import Generated

from .scripted import COUNTRIES, Scripted

pytestmark = pytest.mark.django_db


def test_the_interpretation_and_labels_come_with_the_answer(chinook):
    generator = Scripted(COUNTRIES)
    answer = answer_question(chinook, "top 3 countries by invoices", generator=generator)
    assert not answer.error and answer.rows == [("USA", 91), ("Canada", 56), ("Brazil", 35)]
    assert answer.interpretation == "number of invoices per billing country, top 3"
    assert answer.columns == ["BillingCountry", "n"]  # the machine names stay as the SQL says
    assert answer.column_labels == ["Country", "Number of invoices"]
    assert answer.engine == "scripted" and generator.calls[0][:2] == ("first", answer.question)


@pytest.mark.parametrize("labels", [[], ["Only one label"]])
def test_labels_are_derived_from_the_sql_when_the_generator_gives_none_that_fit(chinook, labels):
    generated = Generated(
        sql="SELECT BillingCountry, COUNT(*), ROUND(AVG(Total), 2) AS avg_value FROM Invoice "
        "GROUP BY BillingCountry",
        column_labels=labels,
    )
    answer = answer_question(chinook, "invoices by country", generator=Scripted(generated))
    assert answer.column_labels == ["Billing country", "Number of invoices", "Average total"]
    assert answer.interpretation == ""  # nothing claimed, nothing shown


def test_a_rejected_sql_goes_back_for_a_correction_round(chinook, executed):
    wrong = Generated(sql="SELECT COUNT(*) FROM Clients", interpretation="number of clients")
    generator = Scripted(wrong, COUNTRIES, max_corrections=2)
    answer = answer_question(chinook, "top 3 countries by invoices", generator=generator)
    assert [a.status for a in answer.attempts] == ["invalid", "ok"]
    kind, failed_sql, error = generator.calls[1]
    assert kind == "again" and failed_sql == wrong.sql and "clients" in error.lower()
    assert len(executed) == 1  # the unknown table never reached the database
    # What is shown is what the answer that ran understood.
    assert answer.interpretation == COUNTRIES.interpretation


def test_no_correction_rounds_means_again_is_never_asked(chinook):
    generator = Scripted(Generated(sql="SELECT COUNT(*) FROM Clients"), COUNTRIES)
    answer = answer_question(chinook, "how many clients", generator=generator)
    assert answer.error and [a.status for a in answer.attempts] == ["invalid"]
    assert [c[0] for c in generator.calls] == ["first"]


def test_a_generator_with_nothing_else_to_try_ends_the_rounds(chinook):
    generator = Scripted(Generated(sql="SELECT COUNT(*) FROM Clients"), max_corrections=3)
    answer = answer_question(chinook, "how many clients", generator=generator)
    assert "could not be run" in answer.error and len(answer.attempts) == 1
    assert [c[0] for c in generator.calls] == ["first", "again"]


def test_a_generation_error_is_the_answer_with_its_usage_counted(chinook):
    usage = {"calls": [{"purpose": "generate", "latency_ms": 5.0, "prompt_tokens": 7,
                        "completion_tokens": 3}]}  # fmt: skip
    failing = GenerationError("The model is asleep.", usage=usage)
    answer = answer_question(chinook, "how many customers", generator=Scripted(failing))
    assert answer.error == "The model is asleep." and answer.text == answer.error
    assert answer.usage["prompt_tokens"] == 7 and answer.usage["model"] == "scripted"
    assert "generate" in answer.timings_ms


def test_a_correction_failing_keeps_the_earlier_attempts(chinook):
    generator = Scripted(
        Generated(sql="SELECT COUNT(*) FROM Clients"),
        GenerationError("The model is asleep."),
        max_corrections=2,
    )
    answer = answer_question(chinook, "how many clients", generator=generator)
    assert answer.error == "The model is asleep."
    assert [a.status for a in answer.attempts] == ["invalid"]


def test_a_refusal_is_passed_on_with_its_reason(chinook):
    refused = Generated(sql=None, refused=True, reason="I could not place 'weather'.")
    answer = answer_question(chinook, "weather in Oslo", generator=Scripted(refused))
    assert answer.refused and answer.text == "I could not place 'weather'."


def test_a_preset_first_sql_is_run_without_asking_the_generator(chinook):
    generator = Scripted(Generated(sql="SELECT 1"))
    preset = replace(COUNTRIES, usage={"calls": []})
    answer = answer_question(
        chinook, "top 3 countries by invoices", generator=generator, generated=preset
    )
    assert answer.rows and answer.rows[0] == ("USA", 91), answer.text
    assert generator.calls == []


def test_the_settings_choose_the_generator(settings):
    settings.LLM_MODEL = ""
    builtin = sql_generator_for(settings)
    assert isinstance(builtin, BuiltinGenerator) and builtin.name == "builtin"
    assert builtin.max_corrections == 0 and not builtin.one_call_for_several
    settings.LLM_MODEL, settings.LLM_MAX_CORRECTIONS = "openai/some-model", 4
    model = sql_generator_for(settings)
    assert isinstance(model, LlmGenerator) and model.name == "openai/some-model"
    assert model.max_corrections == 4 and model.one_call_for_several


def test_answer_question_does_not_branch_on_the_engine():
    source = inspect.getsource(pipeline.answer_question)
    assert "LLM_MODEL" not in source and "llm" not in source.replace("LLM_", "")


def test_a_crash_in_the_builtin_engine_is_a_plain_answer(chinook, settings, monkeypatch):
    from chat.answering import builtin

    def crash(*args, **kwargs):
        raise RuntimeError("bug")

    settings.LLM_MODEL = ""
    monkeypatch.setattr(builtin, "generate", crash)
    answer = answer_question(chinook, "how many customers")
    assert "built-in engine failed" in answer.error and answer.engine == "builtin"


def test_the_cache_identity_follows_how_each_generator_reads_history():
    from chat.answering.types import Turn

    history = [Turn("total revenue by year", "SELECT 1")]
    builtin = BuiltinGenerator().cache_identity("and by country?", history)
    assert (
        builtin["history"] == [] and "country" in builtin["q"] and builtin["q"] != "and by country?"
    )
    model = LlmGenerator("m", max_corrections=1, budget_tokens=100)
    identity = model.cache_identity("And by country?", history)
    assert identity == {"q": "and by country?", "history": ["total revenue by year"], "engine": "m"}
