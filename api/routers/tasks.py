"""/tasks/{id}: the state of a schema extraction (schema-<snapshot id>) or of an answer
(answer-<message id>)."""

from __future__ import annotations

from django.http import Http404
from ninja import Path, Router

from chat import conversation
from chat.models import ChatMessage
from connections import services as registry
from schemas_app.models import SchemaSnapshot

from ..schemas import INT32, TaskOut, responses

router = Router(tags=["tasks"])

TaskId = Path(
    ...,
    pattern=r"^(schema|answer)-[1-9][0-9]{0,9}$",
    description="schema-<snapshot id> or answer-<message id>",
)


@router.get("/{task_id}", response=responses({200: TaskOut}), summary="A task's status")
def get_task(request, task_id: str = TaskId):
    kind, _, number = task_id.partition("-")
    pk = int(number)
    if pk > INT32:
        raise Http404("No such task.")
    if kind == "schema":
        snapshot = SchemaSnapshot.objects.defer("document", "profiles").filter(pk=pk).first()
        if snapshot is None:
            raise Http404("No such task.")
        registry.get_visible_connection(request.auth, snapshot.connection_id)  # 404 if hidden
        return {
            "id": task_id,
            "kind": "schema_extraction",
            "status": snapshot.status,
            "finished": not snapshot.is_active,
            "phase": snapshot.phase,
            "percent": snapshot.percent,
            "error": snapshot.error,
            "created_at": snapshot.created_at,
            "snapshot_id": snapshot.pk,
        }
    message = ChatMessage.objects.filter(
        pk=pk, role=ChatMessage.Role.ASSISTANT, session__owner=request.auth
    ).first()
    if message is None:
        raise Http404("No such task.")
    if not message.is_finished and conversation.fail_stale(
        ChatMessage.objects.filter(pk=message.pk)
    ):
        message.refresh_from_db()  # a worker died mid-answer: now failed, saying so
    return {
        "id": task_id,
        "kind": "answer",
        "status": message.status,
        "finished": message.is_finished,
        "phase": message.phase,
        "percent": None,
        "error": message.text if message.status == ChatMessage.Status.FAILED else "",
        "created_at": message.created_at,
        "message_id": message.pk,
        "session_id": message.session_id,
    }
