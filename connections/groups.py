"""Connection groups: named sets of databases. Everyone signed in reads them (with the members
they may see); staff create, change and delete them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from datachat.textinput import refuse_control_characters

from .models import Connection, ConnectionGroup
from .services import visible_connections


class GroupError(ValueError):
    """Bad input for a group; nothing was changed."""


def get_group(group_id) -> ConnectionGroup:
    try:
        return ConnectionGroup.objects.get(pk=int(group_id))
    except (ConnectionGroup.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such group.") from exc


def visible_members(user, group: ConnectionGroup) -> list[Connection]:
    """The members this user may see (non-staff: active ones), by name."""
    return list(visible_connections(user).filter(groups=group).order_by("name"))


def active_members(user, group: ConnectionGroup) -> list[Connection]:
    """What a chat on the group uses: its active members this user may see."""
    return [c for c in visible_members(user, group) if c.is_active]


def groups_with_active_members(user) -> list[ConnectionGroup]:
    active = visible_connections(user).filter(is_active=True)
    return list(ConnectionGroup.objects.filter(members__in=active).distinct().order_by("name"))


def _members(member_ids) -> list[Connection]:
    ids = list(dict.fromkeys(str(i) for i in member_ids))
    try:
        found = {str(c.pk): c for c in Connection.objects.filter(pk__in=ids)}
    except ValidationError:
        raise GroupError("member_ids: not all are database ids.") from None
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise GroupError(f"member_ids: no database with id {', '.join(unknown)}.")
    return [found[i] for i in ids]


def _clean(name: str | None, description: str | None) -> None:
    if name is not None:
        if not name.strip():
            raise GroupError("name: a group needs a name.")
        refuse_control_characters("name", name, multiline=False)
    if description is not None:
        refuse_control_characters("description", description, multiline=True)


def save_group(
    group: ConnectionGroup | None,
    *,
    user=None,
    name: str | None = None,
    description: str | None = None,
    member_ids=None,
) -> ConnectionGroup:
    """Create (group None) or update a group; raises GroupError naming the bad field."""
    if group is None and name is None:
        raise GroupError("name: a group needs a name.")
    try:
        _clean(name, description)
    except ValueError as exc:
        raise GroupError(str(exc)) from None
    members = _members(member_ids) if member_ids is not None else None
    group = group or ConnectionGroup(created_by=user)
    if name is not None:
        group.name = name.strip()
    if description is not None:
        group.description = description
    try:
        with transaction.atomic():
            group.save()
            if members is not None:
                group.members.set(members)
    except IntegrityError:
        raise GroupError(f"name: a group named {group.name!r} already exists.") from None
    return group
