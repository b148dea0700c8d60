"""The audit trail of model calls: who and what each call was for, handed to chat.model_log.

The gateway calls `record` once per request that reached (or failed to reach) a model. The
fields come from `about` blocks: the chat sets the user and the message, the pipeline the
databases and their exposure levels. Threads do not inherit them: whoever starts a worker
thread hands `current_about()` on, as it does the deadline.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger(__name__)

# Who and what this thread's model calls are for, for the audit log (chat.model_log): user,
# message, databases ({name: exposure level}) and `sink`, a list that collects the records of
# an answer so they are written once, by the thread that owns the system database connection.
_about = threading.local()


@contextlib.contextmanager
def about(**fields: Any) -> Iterator[None]:
    """Model calls in this block are recorded with `fields` (added to the outer block's)."""
    before = getattr(_about, "fields", {})
    _about.fields = {**before, **{k: v for k, v in fields.items() if v is not None}}
    try:
        yield
    finally:
        _about.fields = before


def current_about() -> dict:
    """This thread's fields, to hand on to threads it starts (`with about(**fields)`)."""
    return dict(getattr(_about, "fields", {}))


def record(**entry: Any) -> None:
    """One model call for the audit log. Never raises: a log must not fail an answer."""
    fields = current_about()
    sink = fields.pop("sink", None)
    entry = {**fields, **entry}
    if sink is not None and not getattr(sink, "closed", False):
        sink.append(entry)
        return
    # No answer collects it, or its answer has been written already (a worker thread that
    # outlived the chat's deadline): stored on its own.
    try:
        from chat import model_log

        model_log.store([entry])
    except Exception:
        logger.warning("Could not store the model call in the audit log", exc_info=True)


def cost(module, response) -> float | None:
    try:
        return float(module.completion_cost(completion_response=response))
    except Exception:  # a model missing from litellm's price list has no cost
        return None
