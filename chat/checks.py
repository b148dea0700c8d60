"""System checks for answering: settings that would make answers end badly, said at start-up."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def check_llm_fits_the_chat_deadline(app_configs, **kwargs):
    """The model may be called 1 + LLM_MAX_CORRECTIONS times for one answer; when that many
    timeouts do not fit in the chat deadline, the deadline's generic message shows instead
    of the model's own timeout, and the last correction rounds can never run."""
    if not settings.LLM_MODEL:
        return []  # the built-in engine makes no model calls
    calls = 1 + settings.LLM_MAX_CORRECTIONS
    worst = settings.LLM_TIMEOUT * calls
    deadline = settings.CHAT_DATABASE_TIMEOUT_SECONDS
    if worst <= deadline:
        return []
    return [
        Warning(
            f"LLM_TIMEOUT ({settings.LLM_TIMEOUT:g} s) x {calls} model calls "
            f"(1 + LLM_MAX_CORRECTIONS) = {worst:g} s exceeds the chat deadline "
            f"CHAT_DATABASE_TIMEOUT_SECONDS ({deadline:g} s).",
            hint=f"Lower LLM_TIMEOUT to at most {deadline / calls:g} s, lower "
            f"LLM_MAX_CORRECTIONS, or raise CHAT_DATABASE_TIMEOUT_SECONDS to {worst:g} s.",
            id="datachat.W010",
        )
    ]
