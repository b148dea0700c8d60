"""/groups: named sets of databases. Read for everyone signed in, changed by staff; a chat
can start on a group's active members."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Path, Router, Schema, Status
from ninja.errors import HttpError

from chat import sessions
from connections import groups
from connections.models import ConnectionGroup

from ..schemas import In, SessionOut, responses
from .chat import session_out

router = Router(tags=["groups"])


class GroupMemberOut(Schema):
    id: UUID
    name: str
    kind: str
    is_active: bool


class GroupOut(Schema):
    id: int
    name: str
    description: str
    members: list[GroupMemberOut]
    created_at: datetime
    updated_at: datetime


class GroupsOut(Schema):
    groups: list[GroupOut]


class GroupIn(In):
    name: str = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=2000)
    member_ids: list[UUID] = Field(default_factory=list, max_length=100)


class GroupUpdate(In):
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)
    member_ids: list[UUID] | None = Field(None, max_length=100, description="Replaces the members.")


GroupId = Path(..., ge=1, le=2**31 - 1)


def group_out(user, group: ConnectionGroup) -> dict:
    return {
        "id": group.pk,
        "name": group.name,
        "description": group.description,
        "members": [
            {"id": c.pk, "name": c.name, "kind": c.kind, "is_active": c.is_active}
            for c in groups.visible_members(user, group)
        ],
        "created_at": group.created_at,
        "updated_at": group.updated_at,
    }


def _staff(request) -> None:
    if not request.auth.is_staff:
        raise HttpError(403, "Only staff can create, change or delete groups.")


def _save(request, group, **fields):
    try:
        return groups.save_group(group, user=request.auth, **fields)
    except groups.GroupError as exc:
        raise HttpError(400, str(exc)) from None


@router.get("", response=responses({200: GroupsOut}), summary="List groups")
def list_groups(request):
    return {"groups": [group_out(request.auth, g) for g in ConnectionGroup.objects.all()]}


@router.post("", response=responses({201: GroupOut}), summary="Create a group (staff)")
def create_group(request, payload: GroupIn):
    _staff(request)
    group = _save(request, None, **payload.dict())
    return Status(201, group_out(request.auth, group))


@router.get("/{group_id}", response=responses({200: GroupOut}), summary="Get a group")
def get_group(request, group_id: int = GroupId):
    return group_out(request.auth, groups.get_group(group_id))


@router.patch("/{group_id}", response=responses({200: GroupOut}), summary="Change a group (staff)")
def update_group(request, payload: GroupUpdate, group_id: int = GroupId):
    _staff(request)
    group = _save(request, groups.get_group(group_id), **payload.dict(exclude_unset=True))
    return group_out(request.auth, group)


@router.delete("/{group_id}", response=responses({204: None}), summary="Delete a group (staff)")
def delete_group(request, group_id: int = GroupId):
    _staff(request)
    groups.get_group(group_id).delete()  # the databases stay; only the set goes
    return Status(204, None)


@router.post(
    "/{group_id}/sessions",
    response=responses({201: SessionOut}),
    summary="Start a chat on a group's active members",
)
def start_chat(request, group_id: int = GroupId):
    group = groups.get_group(group_id)
    members = groups.active_members(request.auth, group)
    if not members:
        raise HttpError(400, f"The group {group.name!r} has no active database.")
    session = sessions.create_session(request.auth, name=group.name, connections=members)
    return Status(201, session_out(session))
