"""/messages/{id}: one answer, its feedback, saving it as an example, asking it again.

The same service functions as the chat page (chat.feedback, chat.conversation), on the
caller's own answers only (another user's are 404)."""

from __future__ import annotations

from django.http import Http404
from ninja import Path, Router, Status
from ninja.errors import HttpError

from chat import conversation
from chat import feedback as answer_feedback
from chat.models import ChatMessage

from ..schemas import INT32, DataPointOut, FeedbackIn, MessageOut, SaveExampleIn, responses
from . import active_connection
from .chat import message_out
from .datapoints import point_out

router = Router(tags=["messages"])

MessageId = Path(..., ge=1, le=INT32)


def own_answer(user, message_id: int) -> ChatMessage:
    message = (
        ChatMessage.objects.select_related("session")
        .filter(pk=message_id, role=ChatMessage.Role.ASSISTANT, session__owner=user)
        .first()
    )
    if message is None:
        raise Http404("No such message.")
    if not message.is_finished and conversation.fail_stale(
        ChatMessage.objects.filter(pk=message.pk)
    ):
        message.refresh_from_db()
    return message


@router.get("/{message_id}", response=responses({200: MessageOut}), summary="One answer")
def get_message(request, message_id: int = MessageId):
    return message_out(own_answer(request.auth, message_id))


@router.post(
    "/{message_id}/feedback",
    response=responses({200: MessageOut}),
    summary="Mark an answer correct or wrong",
)
def set_feedback(request, payload: FeedbackIn, message_id: int = MessageId):
    message = own_answer(request.auth, message_id)
    try:
        answer_feedback.set_feedback(message, request.auth, payload.value)
    except answer_feedback.FeedbackError as exc:
        raise HttpError(400, str(exc)) from None
    return message_out(message)


@router.post(
    "/{message_id}/save-example",
    response=responses({201: list[DataPointOut]}),
    summary="Save a correct answer as an example DataPoint",
)
def save_example(request, payload: SaveExampleIn, message_id: int = MessageId):
    """The question and its SQL become an example (a verified query) of each database the
    answer ran on, or of `connection_id` only; later questions on that database use it.
    Only an answer marked correct can be saved."""
    message = own_answer(request.auth, message_id)
    connection = (
        active_connection(request.auth, payload.connection_id) if payload.connection_id else None
    )
    try:
        saved = answer_feedback.save_as_example(message, request.auth, connection)
    except answer_feedback.FeedbackError as exc:
        raise HttpError(400, str(exc)) from None
    return Status(201, [point_out(point) for point in saved])


@router.post(
    "/{message_id}/run-again",
    response=responses({201: MessageOut}),
    summary="Ask the same question again, bypassing the cache",
)
def run_again(request, message_id: int = MessageId):
    message = own_answer(request.auth, message_id)
    try:
        reply = conversation.run_again(request.auth, message, run_now=True)
    except conversation.QuestionError as exc:
        raise HttpError(400, str(exc)) from None
    return Status(201, message_out(reply))
