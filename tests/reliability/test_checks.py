"""The system check on the model's worst case against the chat deadline."""

from django.core.checks import run_checks

from chat.checks import check_llm_fits_the_chat_deadline


def test_the_defaults_fit(settings, monkeypatch):
    import importlib

    import datachat.settings

    for name in ("LLM_TIMEOUT", "LLM_MAX_CORRECTIONS", "CHAT_DATABASE_TIMEOUT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    defaults = importlib.reload(datachat.settings)  # read as a fresh start would
    settings.LLM_MODEL = "openai/fake-model"
    settings.LLM_TIMEOUT = defaults.LLM_TIMEOUT
    settings.LLM_MAX_CORRECTIONS = defaults.LLM_MAX_CORRECTIONS
    settings.CHAT_DATABASE_TIMEOUT_SECONDS = defaults.CHAT_DATABASE_TIMEOUT_SECONDS
    assert check_llm_fits_the_chat_deadline(None) == []


def test_a_model_timeout_that_cannot_fit_warns(settings):
    settings.LLM_MODEL = "openai/fake-model"
    settings.LLM_TIMEOUT = 60
    settings.LLM_MAX_CORRECTIONS = 2
    settings.CHAT_DATABASE_TIMEOUT_SECONDS = 60
    warnings = [w for w in run_checks() if w.id == "datachat.W010"]
    assert len(warnings) == 1
    assert "180 s exceeds" in warnings[0].msg and "at most 20 s" in warnings[0].hint
    settings.LLM_MODEL = ""  # the built-in engine calls no model
    assert check_llm_fits_the_chat_deadline(None) == []
