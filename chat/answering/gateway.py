"""The one way to a language model: `complete` (chat), `embed` (vectors) and `count_tokens`.

SQL generation (chat.answering.llm) and DataPoints (embeddings of points and questions) both
go through here, so there is one litellm setup: imported on first use with the local cost
map (nothing reaches the network when Django starts), no telemetry, no tokenizer downloads
(litellm's counter then uses its bundled tiktoken encoding), no silent retries multiplying a
user's wait, and every provider failure turned into one exception with a message fit to show.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings

from . import recording
from .recording import about, current_about  # noqa: F401  (callers reach them here)

logger = logging.getLogger(__name__)


class GatewayError(Exception):
    """The model server is down, timed out, or failed (HTTP 5xx, auth, rate limit); `kind`
    names the case (connection, dns, timeout, auth, rate_limit, server, http, not_json,
    content_filter, deadline, ...), `user_message` is fit to show."""

    def __init__(self, user_message: str, *, kind: str = "error", status: int | None = None):
        super().__init__(user_message)
        self.user_message = user_message
        self.kind = kind
        self.status = status


# The answer's deadline (time.monotonic()) for model calls made in this thread: a call gets
# no more than the time left, and none starts once it has passed (see `deadline`).
_deadline = threading.local()


@contextlib.contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Model calls in this thread (and this block) end by `at` (a time.monotonic() value):
    each gets `timeout=` at most the time left, and past it none starts (GatewayError)."""
    before = getattr(_deadline, "at", None)
    _deadline.at = at
    try:
        yield
    finally:
        _deadline.at = before


def current_deadline() -> float | None:
    """This thread's deadline, to hand on to threads it starts (`with deadline(...)`)."""
    return getattr(_deadline, "at", None)


def time_left() -> float | None:
    """Seconds left before this thread's deadline, or None without one."""
    at = getattr(_deadline, "at", None)
    return None if at is None else at - time.monotonic()


OUT_OF_TIME = "The answer ran out of time before the language model could be asked again."


def _call_timeout() -> float:
    """LLM_TIMEOUT, shortened to the time left before the deadline; GatewayError past it."""
    left = time_left()
    if left is None:
        return float(settings.LLM_TIMEOUT)
    if left <= 0.05:
        raise GatewayError(OUT_OF_TIME, kind="deadline")
    return min(float(settings.LLM_TIMEOUT), left)


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
    messages: list[dict[str, str]],
    *,
    json_mode: bool = True,
    temperature: float = 0.0,
    purpose: str = "",
) -> tuple[str, dict]:
    """(reply text, {latency_ms, prompt_tokens, completion_tokens}) from LLM_MODEL. Every
    call that reaches the model is recorded (the audit log), failed ones too; the key is not
    part of what is recorded."""
    timeout = _call_timeout()
    if time_left() is not None and timeout < float(settings.LLM_TIMEOUT):
        logger.info(
            "LLM call for model %s limited to %.1f s by the answer's deadline",
            settings.LLM_MODEL,
            timeout,
        )
    module = litellm()
    kwargs: dict[str, Any] = {
        "model": settings.LLM_MODEL,
        "messages": messages,
        "temperature": temperature,
        "timeout": timeout,
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
        failure = classify(error, timeout=timeout)
        _log_failure(failure, error, started, timeout)
        recording.record(
            kind="chat",
            purpose=purpose,
            model=settings.LLM_MODEL,
            request=list(messages),
            duration_ms=round((time.monotonic() - started) * 1000, 1),
            error=failure.user_message,
        )
        raise failure from error
    latency_ms = round((time.monotonic() - started) * 1000, 1)
    counted = getattr(response, "usage", None)
    usage = {
        "latency_ms": latency_ms,
        "prompt_tokens": getattr(counted, "prompt_tokens", 0) or 0,
        "completion_tokens": getattr(counted, "completion_tokens", 0) or 0,
    }
    try:
        choice = response.choices[0]
        content = choice.message.content or ""
        refusal = getattr(choice.message, "refusal", None)
        finish_reason = getattr(choice, "finish_reason", None)
    except (AttributeError, IndexError, TypeError):
        content, refusal, finish_reason = "", None, None
    refused = finish_reason == "content_filter" or (refusal and not content.strip())
    recording.record(
        kind="chat",
        purpose=purpose,
        model=settings.LLM_MODEL,
        request=list(messages),
        reply=content or (refusal or ""),
        prompt_tokens=usage["prompt_tokens"],
        completion_tokens=usage["completion_tokens"],
        cost=recording.cost(module, response),
        duration_ms=latency_ms,
        error=REFUSED if refused else "",
    )
    if refused:
        failure = GatewayError(REFUSED, kind="content_filter")
        _log_failure(failure, None, started, timeout, detail=f"finish_reason={finish_reason}")
        raise failure
    return content, usage


def embedding_model() -> str:
    return getattr(settings, "EMBEDDING_MODEL", "") or ""


def embed(texts: Sequence[str], *, purpose: str = "embedding") -> list[list[float]]:
    """Vectors for texts through litellm.embedding (EMBEDDING_MODEL, EMBEDDING_API_BASE or
    LLM_API_BASE, LLM_API_KEY), in the order given. Recorded like `complete` (the texts, and
    the shape of the vectors as the reply)."""
    kwargs: dict[str, Any] = {"model": embedding_model(), "input": list(texts)}
    api_base = getattr(settings, "EMBEDDING_API_BASE", "") or settings.LLM_API_BASE
    if api_base:
        kwargs["api_base"] = api_base
    if settings.LLM_API_KEY:
        kwargs["api_key"] = settings.LLM_API_KEY
    timeout = _call_timeout()
    started = time.monotonic()
    recorded = {"kind": "embedding", "purpose": purpose, "model": kwargs["model"]}
    recorded["request"] = list(kwargs["input"])
    try:
        response = litellm().embedding(timeout=timeout, **kwargs)
        data = sorted(response.data, key=lambda d: _get(d, "index"))
        vectors = [[float(x) for x in _get(d, "embedding")] for d in data]
    except Exception as error:  # litellm maps provider failures to its own classes
        failure = classify(error, timeout=timeout)
        _log_failure(failure, error, started, timeout, detail=f"embedding={kwargs['model']}")
        recording.record(
            **recorded,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
            error=failure.user_message,
        )
        raise GatewayError(
            f"Embeddings failed: {failure.user_message}", kind=failure.kind, status=failure.status
        ) from error
    counted = getattr(response, "usage", None)
    recording.record(
        **recorded,
        reply=f"{len(vectors)} vectors of {len(vectors[0]) if vectors else 0} dimensions",
        prompt_tokens=getattr(counted, "prompt_tokens", 0) or 0,
        duration_ms=round((time.monotonic() - started) * 1000, 1),
    )
    return vectors


def _get(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)


def _supports_json_mode(module, model: str) -> bool:
    try:
        return "response_format" in (module.get_supported_openai_params(model=model) or [])
    except Exception:  # unknown provider: ask in the prompt only
        return False


REFUSED = (
    "The language model refused to answer this question (its content filter or its own "
    "rules); try asking it differently."
)


def describe(error: Exception) -> str:
    """The user message for a litellm exception."""
    return classify(error).user_message


def classify(error: Exception, *, timeout: float | None = None) -> GatewayError:
    """A litellm exception as GatewayError: its own plain message per case, no secrets, no
    URLs, no parser internals."""
    from litellm import exceptions as e  # litellm() above has already set it up

    seconds = timeout if timeout is not None else float(settings.LLM_TIMEOUT)
    status = _status(error)
    chain = _chain(error)
    text = " ".join(str(x) for x in chain).lower()
    if isinstance(error, e.Timeout) or any(isinstance(x, TimeoutError) for x in chain):
        return GatewayError(
            f"The language model did not answer within {seconds:g} s; try again later.",
            kind="timeout",
        )
    # Connection failures first: litellm reports some of them as InternalServerError (500).
    names = {type(x).__name__ for x in chain}
    if any(isinstance(x, socket.gaierror) for x in chain) or any(
        marker in text
        for marker in (
            "name or service not known",
            "nodename nor servname",
            "temporary failure in name resolution",
            "getaddrinfo failed",
            "no address associated",
        )
    ):
        return GatewayError(
            "The language model server's name could not be resolved (DNS); check LLM_API_BASE.",
            kind="dns",
        )
    if any(isinstance(x, ConnectionRefusedError) for x in chain) or "connection refused" in text:
        return GatewayError(
            "The language model server refused the connection (nothing answers at that "
            "address); check LLM_API_BASE or try again later.",
            kind="connection",
        )
    if names & {"ConnectError", "ConnectionError", "RemoteProtocolError"} or isinstance(
        error, e.APIConnectionError
    ):
        if "invalid response" not in text:
            return GatewayError(
                "The language model server cannot be reached; check LLM_API_BASE or try "
                "again later.",
                kind="connection",
            )
    if "invalid response" in text or (
        "HTTPStatusError" not in names and any(isinstance(x, ValueError) for x in chain)
    ):
        return GatewayError(
            "The language model server sent a reply that could not be read (not the JSON of "
            "an OpenAI-compatible API); check LLM_API_BASE.",
            kind="not_json",
        )
    if isinstance(error, e.ContentPolicyViolationError) or "content_filter" in text:
        return GatewayError(REFUSED, kind="content_filter", status=status)
    if isinstance(error, e.AuthenticationError | e.PermissionDeniedError) or status in (401, 403):
        return GatewayError(
            f"The language model refused our credentials (HTTP {status or 401}); "
            "check LLM_API_KEY.",
            kind="auth",
            status=status,
        )
    if isinstance(error, e.RateLimitError) or status == 429:
        return GatewayError(
            "The language model is rate-limiting us (HTTP 429); try again in a minute.",
            kind="rate_limit",
            status=status,
        )
    if isinstance(error, e.ContextWindowExceededError):
        return GatewayError(
            "The question with its schema is too long for the language model; ask about fewer "
            "tables or databases.",
            kind="too_long",
            status=status,
        )
    if isinstance(error, e.NotFoundError) or status == 404:
        return GatewayError(
            "The language model server does not know this model or address (HTTP 404); "
            "check LLM_MODEL and LLM_API_BASE.",
            kind="not_found",
            status=status,
        )
    if status and status >= 500:
        return GatewayError(
            f"The language model failed (HTTP {status}, a server error); try again later.",
            kind="server",
            status=status,
        )
    if status and 400 <= status < 500:
        return GatewayError(
            f"The language model rejected our request (HTTP {status}); check LLM_MODEL and "
            "the server's logs.",
            kind="http",
            status=status,
        )
    return GatewayError(
        f"The language model failed ({type(error).__name__}); try again later.", kind="error"
    )


def _status(error: BaseException) -> int | None:
    for item in _chain(error):
        for name in ("status_code", "status"):
            value = getattr(item, name, None)
            if isinstance(value, int) and 100 <= value < 600:
                return value
        response = getattr(item, "response", None)
        value = getattr(response, "status_code", None)
        if isinstance(value, int) and 100 <= value < 600:
            return value
    return None


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    item: BaseException | None = error
    while item is not None and item not in seen and len(seen) < 10:
        seen.append(item)
        item = item.__cause__ or item.__context__
    return seen


def _log_failure(
    failure: GatewayError,
    error: BaseException | None,
    started: float,
    timeout: float,
    *,
    detail: str = "",
) -> None:
    """One line per failed model call with what an operator needs (never the key)."""
    causes = [type(x).__name__ for x in _chain(error)] if error is not None else []
    logger.warning(
        "LLM call failed: kind=%s exception=%s status=%s model=%s latency_ms=%.0f "
        "timeout_s=%g causes=%s%s",
        failure.kind,
        type(error).__name__ if error is not None else "-",
        failure.status if failure.status is not None else "-",
        settings.LLM_MODEL,
        (time.monotonic() - started) * 1000,
        timeout,
        ",".join(causes[1:]) or "-",
        f" {detail}" if detail else "",
    )
