"""Feedback on an answer ("correct" / "wrong") and saving a correct answer as an example.

Plain functions over a message the caller has already checked belongs to the user, so the
chat page and the REST API share them; bad input raises FeedbackError with a message that
can be shown as is.
"""

from __future__ import annotations

from connections.models import Connection
from connections.services import visible_connections
from schemas_app import datapoints

from .models import ChatMessage

VALUES = ("correct", "wrong")


class FeedbackError(ValueError):
    """Feedback that cannot be taken; the message says why."""


def set_feedback(message: ChatMessage, user, value: str) -> ChatMessage:
    if value not in VALUES:
        raise FeedbackError("Feedback must be 'correct' or 'wrong'.")
    if not message.is_finished:
        raise FeedbackError("Wait for the answer before giving feedback.")
    ChatMessage.objects.filter(pk=message.pk).update(feedback=value)
    message.feedback = value
    return message


def save_as_example(message: ChatMessage, user, connection: Connection | None = None) -> list:
    """The question and the SQL that answered it become an example DataPoint (a verified
    query) of each database it answered on, or only of `connection`. The SQL comes from the
    stored answer, so an answer served from the cache (which ran no query of its own) can be
    saved too. Only an answer marked correct, and only for databases the user can still see."""
    if message.feedback != "correct":
        raise FeedbackError("Only an answer marked correct can be saved as an example.")
    answered = [
        d
        for d in (message.result or {}).get("databases", [])
        if d.get("sql") and not d.get("error") and not d.get("refused") and d.get("columns")
    ]
    if connection is not None:
        answered = [d for d in answered if d.get("connection_id") == str(connection.pk)]
        if not answered:
            raise FeedbackError(f"This answer has no successful query on {connection.name}.")
    by_id = {
        str(c.pk): c
        for c in visible_connections(user).filter(
            is_active=True, pk__in=[d.get("connection_id") for d in answered]
        )
    }
    saved = []
    for d in answered:
        target = by_id.get(d.get("connection_id"))
        if target is None:
            continue  # removed from the registry, or no longer visible to this user
        try:
            saved.append(datapoints.save_example(target, message.question, d["sql"])[0])
        except (datapoints.DataPointError, ValueError) as exc:
            raise FeedbackError(f"Could not save the example for {target.name}: {exc}") from exc
    if not saved:
        raise FeedbackError("This answer has no successful query to save.")
    return saved
