"""The one way to a language model: `complete` (chat), `embed` (vectors) and `count_tokens`.

SQL generation (chat.answering.llm) and DataPoints (embeddings of points and questions) both
go through here, so there is one litellm setup: imported on first use with the local cost
map (nothing reaches the network when Django starts), no telemetry, no tokenizer downloads
(litellm's counter then uses its bundled tiktoken encoding), no silent retries multiplying a
user's wait, and every provider failure turned into one exception with a message fit to show.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings


class GatewayError(Exception):
    """The model server is down, timed out, or failed (HTTP 5xx, auth, rate limit)."""

    def __init__(self, user_message: str):
        super().__init__(user_message)
        self.user_message = user_message


_lock = threading.Lock()
_loaded = None


def litellm():
    """The litellm module, set up once."""
    global _loaded
    if _loaded is not None:
        return _loaded
    with _lock:
        if _loaded is None:
            # Without this litellm fetches its price list from GitHub on import.
            os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
            import litellm as module

            module.telemetry = False
            module.suppress_debug_info = True  # no "Give Feedback" banners in logs
            # Counting tokens must never download a tokenizer from Hugging Face.
            module.disable_hf_tokenizer_download = True
            # One INFO line per call ("Wrapper: Completed Call") is noise in every log.
            for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
                logging.getLogger(name).setLevel(logging.WARNING)
            _loaded = module
    return _loaded


def count_tokens(text: str, model: str | None = None) -> int:
    """Tokens of `text` by litellm's own counter (tiktoken for most models, offline)."""
    if not text:
        return 0
    return int(litellm().token_counter(model=model or _counting_model(), text=text))


def _counting_model() -> str:
    return getattr(settings, "LLM_MODEL", "") or "gpt-4o"


def complete(
    messages: list[dict[str, str]], *, json_mode: bool = True, temperature: float = 0.0
) -> tuple[str, dict]:
    """(reply text, {latency_ms, prompt_tokens, completion_tokens}) from LLM_MODEL."""
    module = litellm()
    kwargs: dict[str, Any] = {
        "model": settings.LLM_MODEL,
        "messages": messages,
        "temperature": temperature,
        "timeout": settings.LLM_TIMEOUT,
        # Retries would multiply the user's wait on a dead server; the pipeline reports it.
        "num_retries": 0,
        "max_retries": 0,
    }
    if settings.LLM_API_BASE:
        kwargs["api_base"] = settings.LLM_API_BASE
    if settings.LLM_API_KEY:
        kwargs["api_key"] = settings.LLM_API_KEY
    if json_mode and _supports_json_mode(module, settings.LLM_MODEL):
        kwargs["response_format"] = {"type": "json_object"}
    started = time.monotonic()
    try:
        response = module.completion(**kwargs)
    except Exception as error:  # litellm maps every provider failure to its own classes
        raise GatewayError(describe(error)) from error
    counted = getattr(response, "usage", None)
    usage = {
        "latency_ms": round((time.monotonic() - started) * 1000, 1),
        "prompt_tokens": getattr(counted, "prompt_tokens", 0) or 0,
        "completion_tokens": getattr(counted, "completion_tokens", 0) or 0,
    }
    try:
        content = response.choices[0].message.content or ""
    except (AttributeError, IndexError):
        content = ""
    return content, usage


def embedding_model() -> str:
    return getattr(settings, "EMBEDDING_MODEL", "") or ""


def embed(texts: Sequence[str]) -> list[list[float]]:
    """Vectors for texts through litellm.embedding (EMBEDDING_MODEL, EMBEDDING_API_BASE or
    LLM_API_BASE, LLM_API_KEY), in the order given."""
    kwargs: dict[str, Any] = {"model": embedding_model(), "input": list(texts)}
    api_base = getattr(settings, "EMBEDDING_API_BASE", "") or settings.LLM_API_BASE
    if api_base:
        kwargs["api_base"] = api_base
    if settings.LLM_API_KEY:
        kwargs["api_key"] = settings.LLM_API_KEY
    try:
        response = litellm().embedding(timeout=settings.LLM_TIMEOUT, **kwargs)
        data = sorted(response.data, key=lambda d: _get(d, "index"))
        return [[float(x) for x in _get(d, "embedding")] for d in data]
    except Exception as error:  # litellm maps provider failures to its own classes
        raise GatewayError(f"Embeddings failed ({type(error).__name__}).") from error


def _get(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)


def _supports_json_mode(module, model: str) -> bool:
    try:
        return "response_format" in (module.get_supported_openai_params(model=model) or [])
    except Exception:  # unknown provider: ask in the prompt only
        return False


def describe(error: Exception) -> str:
    name = type(error).__name__
    if "Timeout" in name:
        return (
            f"The language model did not answer within {settings.LLM_TIMEOUT:g} s; try again later."
        )
    if "Authentication" in name or "PermissionDenied" in name:
        return "The language model refused our credentials; check LLM_API_KEY."
    if "RateLimit" in name:
        return "The language model is rate-limiting us; try again in a minute."
    if "Connection" in name:
        return "The language model server cannot be reached; check LLM_API_BASE or try again later."
    status = getattr(error, "status_code", None)
    detail = f" (HTTP {status})" if status else ""
    return f"The language model failed{detail}; try again later."
